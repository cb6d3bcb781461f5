using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Data.Wiremap;
using LocationServer.Routing;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LocationServer.Tests.Policies;

/// <summary>
/// Two replicas on one PostgreSQL and one Redis: a policy written through one replica's admin API is stored in
/// PostgreSQL with every setting, read back by the other, and routes the other's calls.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class PolicyReplicaTests(ITestOutputHelper output)
{
    private const string AnnexIp = "10.2.0.77";

    private const string Full = """
        {"name":"Annex (UK dialling)","scope":"site","siteIds":["annex"],"preset":"uk",
         "dialStrings":[{"digits":"8999","service":"emergency"},{"digits":"8933","service":"test"}],
         "mode":"MODE","relayCenterUri":"sip:relay@uk-relay.example","testServiceUri":"sip:test@uk-test.example",
         "carrierRouteUri":"sip:999@trunk.example","manualEntry":"required","disclaimer":"Say where you are.\nThank you.",
         "callbackWindowMinutes":45,"conference":{"uri":"sip:desk@annex.example","mode":"twoWay"}}
        """;

    private static async Task<RoutingOutcome<CallRouting>> RouteAsync(ReplicaFactory replica, string dialed)
    {
        using var scope = replica.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = DemoWiremap.TenantId, Dialed = dialed, CallingNumber = "+15125550123", StationIp = AnnexIp }, CancellationToken.None);
    }

    private static async Task PutAsync(HttpClient client, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PutAsync("/admin/tenants/demo/policies/uk-annex", content);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Policies_WrittenOnOneReplica_StoredInPostgresAndRoutedByTheOther()
    {
        await using var cluster = await Cluster.StartAsync();
        var (a, b) = (cluster[0], cluster.AddReplica());
        using var adminOnA = a.CreateClient();
        using var adminOnB = b.CreateClient();
        await Cluster.ImportAsync(adminOnA, DemoWiremap.Create());
        using (var phoneOnB = b.CreateClient()) await Cluster.WaitForHqAsync(phoneOnB, Cluster.DemoStreet, Cluster.DemoFloor, TimeSpan.FromSeconds(30));
        Assert.Equal(RoutingFailure.InvalidArgument, (await RouteAsync(b, "999")).Failure);

        await PutAsync(adminOnA, Full.Replace("MODE", "enabled", StringComparison.Ordinal));

        // Every setting round-trips through PostgreSQL: B's store reads back what A wrote.
        var stored = await b.Services.GetRequiredService<WiremapStore>().GetTenantAsync(DemoWiremap.TenantId);
        var policy = Assert.Single(stored!.Policies);
        Assert.Equal("uk", policy.Preset);
        Assert.Equal(["annex"], policy.SiteIds);
        Assert.Equal([new DialString("8999", DialService.Emergency), new DialString("8933", DialService.Test)], policy.DialStrings);
        Assert.Equal(PolicyMode.Enabled, policy.Mode);
        Assert.Equal("sip:relay@uk-relay.example", policy.RelayCenterUri);
        Assert.Equal("sip:test@uk-test.example", policy.TestServiceUri);
        Assert.Equal("sip:999@trunk.example", policy.CarrierRouteUri);
        Assert.Equal(ManualEntryPolicy.Required, policy.ManualEntry);
        Assert.Equal("Say where you are.\nThank you.", policy.Disclaimer);
        Assert.Equal(45, policy.CallbackWindowMinutes);
        Assert.Equal(new ConferenceHint("sip:desk@annex.example", ConferenceMode.TwoWay), policy.Conference);
        using (var read = JsonDocument.Parse(await adminOnB.GetStringAsync("/admin/tenants/demo/policies/uk-annex")))
            Assert.Equal("twoWay", read.RootElement.GetProperty("conference").GetProperty("mode").GetString());
        Assert.Contains("\"policies\"", WiremapJson.WriteToString(stored), StringComparison.Ordinal);

        // B routes by it once the change reached it; then each mode change on A, timed until B answers by it.
        var latencies = new List<double>();
        var watch = Stopwatch.StartNew();
        while ((await RouteAsync(b, "999")).Failure != RoutingFailure.None)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "B still refuses 999 10 s after A stored the UK policy");
            await Task.Delay(5);
        }
        latencies.Add(watch.Elapsed.TotalMilliseconds);
        var routed = (await RouteAsync(b, "999")).Value!;
        Assert.Equal(RouteDestination.Psap, routed.Destination);
        Assert.Equal("uk-annex", routed.Policy?.Policy.Id);
        Assert.Equal(ConferenceMode.TwoWay, routed.Conference.Value?.Mode);

        for (var round = 0; round < 6; round++)
        {
            var testOnly = round % 2 == 0;
            await PutAsync(adminOnA, Full.Replace("MODE", testOnly ? "testOnly" : "enabled", StringComparison.Ordinal));
            var expected = testOnly ? RouteDestination.CallServerDefault : RouteDestination.Psap;
            Assert.Equal(expected, (await RouteAsync(a, "999")).Value!.Destination);
            watch.Restart();
            while ((await RouteAsync(b, "999")).Value!.Destination != expected)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"B still routes the old way 10 s after A's change to {expected}");
                await Task.Delay(5);
            }
            latencies.Add(watch.Elapsed.TotalMilliseconds);
            output.WriteLine($"round {round + 1}: B routes {expected} {watch.Elapsed.TotalMilliseconds:F1} ms after A answered");
        }
        latencies.Sort();
        output.WriteLine($"policy change on A -> routed by B: min {latencies[0]:F1} ms, median {latencies[latencies.Count / 2]:F1} ms, max {latencies[^1]:F1} ms over {latencies.Count} changes");
    }
}
