using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Google.Protobuf;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Routing.V1;
using LocationServer.Tests.Grpc;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Scale;

/// <summary>
/// Replicas of the service as separate processes started from the built output, sharing one fresh PostgreSQL
/// database (named per fixture, migrated as a deployment job would before any replica starts, dropped at the end),
/// the Redis the test script starts and one token key. Each replica has its own ports and log file. HELD clients
/// reach a replica from a chosen loopback address, which the cluster's wiremap maps to a dispatchable location.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    /// <summary>HELD from here lands on HQ floor 3 west (the cluster's stand-in for the HQ voice VLAN).</summary>
    public const string HqPhoneAddress = "127.0.3.44";

    /// <summary>Stations here are in room 301, which has two ELINs.</summary>
    public const string Room301Prefix = "127.0.1.";

    /// <summary>A loopback address the cluster's wiremap does not know (an unknown network).</summary>
    public const string UnknownAddress = "127.0.9.77";

    private const string RoutingService = "/locationserver.routing.v1.RoutingService/";

    private readonly List<ReplicaProcess> _replicas = [];
    private readonly string _databaseName;
    private readonly string _directory;
    private readonly Dictionary<string, string> _settings;

    private ProcessCluster(string databaseName, string connectionString, string directory)
    {
        _databaseName = databaseName;
        ConnectionString = connectionString;
        _directory = directory;
        _settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["ConnectionStrings:Redis"] = RealServers.Redis,
            ["Tokens:Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Held:PublicBaseUrl"] = "http://lis.test",
            ["Demo:Seed"] = "false",
            ["Routing:PsapBoundaryFile"] = ServiceLaunch.DemoBoundaryFile(),
            ["Routing:RelayCenter:Uri"] = "sip:ecrc@relay.invalid",
            ["Routing:RelayCenter:Name"] = "Emergency Call Relay Centre (test)",
            ["Routing:TestService:Uri"] = "sip:933@test-service.invalid",
            ["Routing:TestService:Name"] = "933 test service (test)",
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        };
    }

    public string ConnectionString { get; }

    public ReplicaProcess this[int index] => _replicas[index];

    /// <summary>Two replicas with the demo wiremap imported on the first and already served by the second.</summary>
    public static async Task<ProcessCluster> StartWithWiremapAsync()
    {
        var cluster = await StartAsync();
        try
        {
            await ImportAsync(cluster[0], Wiremap());
            using var phoneOnB = cluster[1].CreateClient(HqPhoneAddress);
            await WaitForHqAsync(phoneOnB, Cluster.DemoStreet, Cluster.DemoFloor, TimeSpan.FromSeconds(30));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Creates and migrates a database, then starts <paramref name="replicas"/> replica processes and waits until each is ready.</summary>
    public static async Task<ProcessCluster> StartAsync(int replicas = 2)
    {
        var (name, connectionString) = await RealServers.CreateDatabaseAsync();
        var cluster = new ProcessCluster(name, connectionString, Directory.CreateTempSubdirectory("locationserver-cluster-").FullName);
        try
        {
            await MigrateAsync(connectionString);
            for (var i = 0; i < replicas; i++)
            {
                var replica = await cluster.StartReplicaAsync();
                await WaitReadyAsync(replica);
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Starts one more replica ("a", "b", "c", …) and returns once it answers <c>/health/live</c>.</summary>
    public async Task<ReplicaProcess> StartReplicaAsync()
    {
        var replica = new ReplicaProcess(((char)('a' + _replicas.Count)).ToString(), _directory, _settings);
        _replicas.Add(replica);
        await replica.StartAsync();
        return replica;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas) await replica.DisposeAsync();
        await RealServers.DropDatabaseAsync(_databaseName);
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Every replica's log, for failure messages.</summary>
    public string Logs() => string.Join("\n", _replicas.Select(r => $"--- {r.Name} ({r.LogFile}) ---\n{r.ReadLog()}"));

    private static async Task MigrateAsync(string connectionString)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connectionString }).Build();
        await using var services = new ServiceCollection().AddLogging().AddLocationStorage(configuration).BuildServiceProvider();
        await StorageSetup.MigrateAsync(services);
    }

    // --- The cluster's wiremap -----------------------------------------------------------------------------------

    /// <summary>
    /// The demo wiremap with loopback split: <see cref="HqPhoneAddress"/>'s /24 on HQ floor 3 west, room 301 on
    /// <see cref="Room301Prefix"/>0/24, the rest of loopback unknown. <paramref name="changed"/> moves HQ to another
    /// street and floor 3 west to floor 4.
    /// </summary>
    public static TenantWiremap Wiremap(bool changed = false)
    {
        var demo = changed ? Cluster.ChangedDemo() : DemoWiremap.Create();
        return demo with
        {
            Elements =
            [
                .. demo.Elements.Where(e => !(e.Kind == ElementKind.Subnet && e.Value == "127.0.0.0/8")),
                new NetworkElement(ElementKind.Subnet, "127.0.3.0/24", LocationId: "hq-3-west", Description: "test phones on HQ floor 3"),
                new NetworkElement(ElementKind.Subnet, Room301Prefix + "0/24", LocationId: "hq-3-301", Description: "test stations in room 301"),
            ],
        };
    }

    // --- HTTP ----------------------------------------------------------------------------------------------------

    /// <summary>The street and floor a HELD by-value answer to the HQ phone carries, or the error / failure seen.</summary>
    public static async Task<(string? Street, string? Floor, string Raw)> AskHqAsync(HttpClient phone)
    {
        try
        {
            var (response, document, body) = await phone.PostHeldAsync(Cluster.ByValueRequest);
            using (response)
            {
                if (response.StatusCode != HttpStatusCode.OK || document is null || document.ErrorCode() is not null)
                    return (null, null, $"{(int)response.StatusCode} {body}");
                return (document.Civic("RD"), document.Civic("FLR"), body);
            }
        }
        catch (HttpRequestException e)
        {
            return (null, null, e.Message);
        }
    }

    /// <summary>Polls until the replica answers the HQ phone with the given street and floor; fails after <paramref name="within"/>.</summary>
    public static async Task WaitForHqAsync(HttpClient phone, string street, string floor, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        (string? Street, string? Floor, string Raw) last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await AskHqAsync(phone);
            if (last.Street == street && last.Floor == floor) return;
            await Task.Delay(50);
        }
        Assert.Fail($"Within {within.TotalSeconds} s the replica never answered {street} floor {floor}; last answer: {last.Street} floor {last.Floor}: {last.Raw}");
    }

    /// <summary>GET /health/ready as parsed JSON (cloned), with the status code.</summary>
    public static async Task<(HttpStatusCode Code, JsonElement Body)> ReadyAsync(ReplicaProcess replica)
    {
        using var client = replica.CreateClient();
        using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>The state /health/ready reports for <paramref name="dependency"/> ("database", "redis", "index", "callRecords").</summary>
    public static string? State(JsonElement ready, string dependency) =>
        ready.TryGetProperty("dependencies", out var d) && d.TryGetProperty(dependency, out var dep) ? dep.GetProperty("state").GetString() : null;

    /// <summary>Polls /health/ready until <paramref name="condition"/> holds; returns the body that satisfied it.</summary>
    public static async Task<JsonElement> WaitForReadyAsync(ReplicaProcess replica, Func<HttpStatusCode, JsonElement, bool> condition, string what, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var last = "";
        while (true)
        {
            try
            {
                var (code, body) = await ReadyAsync(replica);
                if (condition(code, body)) return body;
                last = $"{(int)code} {body}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"Within {within.TotalSeconds} s replica {replica.Name} never reported {what}; last /health/ready: {last}\n{replica.ReadLog()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the replica is ready with every dependency up.</summary>
    public static Task<JsonElement> WaitReadyAsync(ReplicaProcess replica) =>
        WaitForReadyAsync(replica, (code, body) => code == HttpStatusCode.OK && body.GetProperty("status").GetString() == "ready", "ready", TimeSpan.FromSeconds(60));

    /// <summary>Imports the wiremap through <paramref name="replica"/>'s admin API (from loopback) and returns the committed version.</summary>
    public static async Task<long> ImportAsync(ReplicaProcess replica, TenantWiremap wiremap)
    {
        using var client = replica.CreateClient();
        return await Cluster.ImportAsync(client, wiremap);
    }

    // --- gRPC ----------------------------------------------------------------------------------------------------

    /// <summary>A 911 (or 933) call of the demo tenant routed by <paramref name="replica"/> over gRPC, as a call server would.</summary>
    public static async Task<RouteCallResponse> RouteCallAsync(ReplicaProcess replica, string caller, string stationIp, string dialed = "911", string? locationReference = null)
    {
        var request = new RouteCallRequest { Tenant = DemoWiremap.TenantId, Dialed = dialed, CallingNumber = caller, StationIp = stationIp, LocationReference = locationReference ?? "" };
        var result = await GrpcClients.DotNetAsync(replica.GrpcTarget, RoutingService + "RouteCall", request.ToByteArray(), timeoutSeconds: 30, apiKey: DemoWiremap.CallServerKey);
        Assert.True(result.Code == 0, $"RouteCall on {replica.Name} failed with status {result.Code}: {result.Details}");
        return RouteCallResponse.Parser.ParseFrom(result.Response);
    }

    /// <summary>ResolveCallback on <paramref name="replica"/> over gRPC.</summary>
    public static async Task<ResolveCallbackResponse> ResolveCallbackAsync(ReplicaProcess replica, string elin)
    {
        var request = new ResolveCallbackRequest { Tenant = DemoWiremap.TenantId, Elin = elin };
        var result = await GrpcClients.DotNetAsync(replica.GrpcTarget, RoutingService + "ResolveCallback", request.ToByteArray(), timeoutSeconds: 30, apiKey: DemoWiremap.CallServerKey);
        Assert.True(result.Code == 0, $"ResolveCallback on {replica.Name} failed with status {result.Code}: {result.Details}");
        return ResolveCallbackResponse.Parser.ParseFrom(result.Response);
    }
}
