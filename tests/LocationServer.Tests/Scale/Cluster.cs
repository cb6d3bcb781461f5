using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Data.Wiremap;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Scale;

/// <summary>
/// Replicas of the service sharing one fresh PostgreSQL database, one Redis and one token key. The database is
/// migrated by the first replica (never at start, as in production) and dropped when the cluster is disposed.
/// </summary>
internal sealed class Cluster : IAsyncDisposable
{
    private readonly List<ReplicaFactory> _replicas = [];
    private readonly string _databaseName;
    private readonly string _redis;
    private readonly string _tokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private Cluster(string databaseName, string connectionString, string redis)
    {
        _databaseName = databaseName;
        ConnectionString = connectionString;
        _redis = redis;
    }

    public string ConnectionString { get; }

    /// <summary>Creates a database, starts the first replica and applies the migrations through it.</summary>
    public static async Task<Cluster> StartAsync()
    {
        var redis = RealServers.Redis;
        var (name, connectionString) = await RealServers.CreateDatabaseAsync();
        var cluster = new Cluster(name, connectionString, redis);
        var first = cluster.AddReplica();
        await StorageSetup.MigrateAsync(first.Services);
        return cluster;
    }

    public ReplicaFactory AddReplica()
    {
        var replica = new ReplicaFactory(ConnectionString, _redis, _tokenKey);
        _replicas.Add(replica);
        return replica;
    }

    public ReplicaFactory this[int index] => _replicas[index];

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas) await replica.DisposeAsync();
        await RealServers.DropDatabaseAsync(_databaseName);
    }

    /// <summary>A 911 call of the demo tenant routed by <paramref name="replica"/>'s router, as its gRPC method would route it.</summary>
    public static async Task<CallRouting> RouteCallAsync(ReplicaFactory replica, string caller, string stationIp)
    {
        using var scope = replica.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = DemoWiremap.TenantId, Dialed = "911", CallingNumber = caller, StationIp = stationIp }, CancellationToken.None);
        return outcome.Value ?? throw new InvalidOperationException(outcome.Detail);
    }

    /// <summary>The demo wiremap with HQ's street and the floor of the HQ floor-3 voice VLAN both changed.</summary>
    public static TenantWiremap ChangedDemo()
    {
        var demo = DemoWiremap.Create();
        return demo with
        {
            Sites = [.. demo.Sites.Select(s => s.Id == "hq" ? s with { Address = s.Address with { RD = ChangedStreet } } : s)],
            Locations = [.. demo.Locations.Select(l => l.Id == "hq-3-west" ? l with { Floor = ChangedFloor } : l)],
        };
    }

    public const string DemoStreet = "Congress";
    public const string DemoFloor = "3";
    public const string ChangedStreet = "Colorado";
    public const string ChangedFloor = "4";
    public const string HqPhoneIp = "10.1.3.44";
    public const string AnnexPhoneIp = "10.2.0.77";

    public static string ByValueRequest => """
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held"><locationType exact="true">civic</locationType></locationRequest>
        """;

    public static string ByReferenceRequest => """
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held"><locationType exact="true">locationURI</locationType></locationRequest>
        """;

    public static string PhoneRequest(string ip, string mac) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <locationType exact="false">civic locationURI</locationType>
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><ip v="4">{ip}</ip><mac>{mac}</mac></device>
        </locationRequest>
        """;

    /// <summary>
    /// The phone re-plugged into the annex switch (LLDP chassis ifName "annex-sw2") while keeping its address, as on a
    /// VLAN that spans buildings: its location URI must follow it there.
    /// </summary>
    public static string RepluggedPhoneRequest(string ip, string mac) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <locationType exact="false">civic locationURI</locationType>
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><ip v="4">{ip}</ip><mac>{mac}</mac></device>
          <measurements xmlns="urn:ietf:params:xml:ns:geopriv:lm">
            <lldp xmlns="urn:ietf:params:xml:ns:geopriv:lm:lldp"><chassis type="6">616e6e65782d737732</chassis><port type="5">4769312f302f31</port></lldp>
          </measurements>
        </locationRequest>
        """;

    /// <summary>PUT /admin/tenants/demo/wiremap; returns the response (the caller disposes it).</summary>
    public static async Task<HttpResponseMessage> PutWiremapAsync(HttpClient client, TenantWiremap wiremap)
    {
        using var content = new StringContent(WiremapJson.WriteToString(wiremap), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await client.PutAsync($"/admin/tenants/{DemoWiremap.TenantId}/wiremap", content);
    }

    /// <summary>Imports and asserts success; returns the committed version.</summary>
    public static async Task<long> ImportAsync(HttpClient client, TenantWiremap wiremap)
    {
        using var response = await PutWiremapAsync(client, wiremap);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"import answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("version").GetInt64();
    }

    /// <summary>The street and floor a HELD by-value answer for the HQ phone carries, or the error / failure seen.</summary>
    public static async Task<(string? Street, string? Floor, string Raw)> AskHqAsync(HttpClient client)
    {
        var (response, document, body) = await client.PostHeldAsync(ByValueRequest, HqPhoneIp);
        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK || document is null || document.ErrorCode() is not null)
                return (null, null, $"{(int)response.StatusCode} {body}");
            return (document.Civic("RD"), document.Civic("FLR"), body);
        }
    }

    /// <summary>Waits until the replica answers the HQ phone with the given street and floor.</summary>
    public static async Task WaitForHqAsync(HttpClient client, string street, string floor, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        (string? Street, string? Floor, string Raw) last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await AskHqAsync(client);
            if (last.Street == street && last.Floor == floor) return;
            await Task.Delay(20);
        }
        Assert.Fail($"Within {within.TotalSeconds} s the replica never answered {street} floor {floor}; last answer: {last.Street} floor {last.Floor}: {last.Raw}");
    }

    /// <summary>GET /health/ready: status code and the "status" field (null when absent).</summary>
    public static async Task<(HttpStatusCode Code, string? Status, string Body)> ReadyAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        var body = await response.Content.ReadAsStringAsync();
        string? status = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("status", out var s)) status = s.GetString();
        }
        catch (JsonException)
        {
        }
        return (response.StatusCode, status, body);
    }

    /// <summary>Dereferences a location URI as a PIDF-LO document.</summary>
    public static async Task<(HttpStatusCode Code, string? MediaType, System.Xml.Linq.XDocument? Document, string Body)> DereferenceAsync(HttpClient client, string locationUri)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(locationUri).AbsolutePath);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/pidf+xml"));
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        System.Xml.Linq.XDocument? document = null;
        if (body.TrimStart().StartsWith('<')) document = System.Xml.Linq.XDocument.Parse(body);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, document, body);
    }
}
