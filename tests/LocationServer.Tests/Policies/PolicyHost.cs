using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Wiremap;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Policies;

/// <summary>
/// The service on its embedded default (SQLite, demo tenant) with one more site far from every PSAP boundary
/// ("remote", Toronto, subnet 10.9.0.0/16), so calls from there go to the relay centre. Policies are written through
/// the admin API (loopback is the system caller here) and calls are routed by the host's own router.
/// </summary>
public sealed class PolicyHost : IAsyncLifetime
{
    public const string HqVoiceIp = "10.1.3.44";   // hq-3-west, in the floor-3 voice VLAN 10.1.3.0/24
    public const string HqOtherIp = "10.1.5.5";    // hq, site-level subnet 10.1.0.0/16
    public const string Room301Ip = "127.0.0.5";   // hq-3-301, which has ELINs
    public const string AnnexIp = "10.2.0.77";     // annex-2
    public const string RemoteIp = "10.9.0.5";     // remote-1 (no PSAP boundary)

    public LocationServerFactory Factory { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        await Client.WaitReadyAsync();
        var demo = DemoWiremap.Create();
        var toronto = new CivicAddress { Country = "CA", A1 = "ON", A3 = "Toronto", RD = "King", STS = "St W", HNO = "200", PC = "M5H 1J9" };
        var wiremap = demo with
        {
            Sites = [.. demo.Sites, new Site("remote", "Toronto office", toronto, new GeoPoint(43.6487, -79.3817))],
            Locations = [.. demo.Locations, new DispatchableLocation("remote-1", "remote", Floor: "1")],
            Elements = [.. demo.Elements, new NetworkElement(ElementKind.Subnet, "10.9.0.0/16", LocationId: "remote-1", Description: "Toronto")],
        };
        using var content = new StringContent(WiremapJson.WriteToString(wiremap), Encoding.UTF8, "application/json");
        using var response = await Client.PutAsync("/admin/tenants/demo/wiremap", content);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
    }

    /// <summary>PUT a policy; returns the status, the body and the ETag.</summary>
    public async Task<(HttpStatusCode Status, string Body, string? ETag)> PutPolicyAsync(string id, string json, string? ifMatch = null, string? key = null, bool createOnly = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/admin/tenants/demo/policies/{id}") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (createOnly) request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        if (key is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.ETag?.ToString());
    }

    /// <summary>PUT a policy that must be accepted.</summary>
    public async Task PolicyAsync(string id, string json)
    {
        var (status, body, _) = await PutPolicyAsync(id, json);
        Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Created, $"PUT policy {id}: {(int)status} {body}");
    }

    /// <summary>Removes every policy of the demo tenant, so each test starts from the global configuration.</summary>
    public async Task ClearPoliciesAsync()
    {
        using var list = JsonDocument.Parse(await Client.GetStringAsync("/admin/tenants/demo/policies"));
        foreach (var policy in list.RootElement.GetProperty("policies").EnumerateArray())
        {
            using var response = await Client.DeleteAsync($"/admin/tenants/demo/policies/{policy.GetProperty("id").GetString()}");
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }
    }

    internal async Task<RoutingOutcome<CallRouting>> RouteAsync(string dialed, string? stationIp = null, string calling = "+15125550100")
    {
        using var scope = Factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = DemoWiremap.TenantId, Dialed = dialed, CallingNumber = calling, StationIp = stationIp }, CancellationToken.None);
    }

    internal async Task<CallRouting> RoutedAsync(string dialed, string? stationIp = null, string calling = "+15125550100")
    {
        var outcome = await RouteAsync(dialed, stationIp, calling);
        Assert.True(outcome.Failure == RoutingFailure.None, $"{dialed} from {stationIp}: {outcome.Failure} {outcome.Detail}");
        return outcome.Value!;
    }
}
