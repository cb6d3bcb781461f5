using System.Net;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LocationServer.Tests.Scale;

/// <summary>Several replicas on one PostgreSQL database and one Redis.</summary>
[Collection(RealServersCollection.Name)]
public sealed class ReplicaTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    private static async Task<(Cluster Cluster, HttpClient A, HttpClient B)> StartTwoAsync()
    {
        var cluster = await Cluster.StartAsync();
        var a = cluster[0].CreateClient();
        var b = cluster.AddReplica().CreateClient();
        await a.WaitReadyAsync();
        await b.WaitReadyAsync();
        return (cluster, a, b);
    }

    [Fact]
    public async Task Replicas_WiremapImportOnOne_ServedByOtherWithinOneSecond()
    {
        var (cluster, a, b) = await StartTwoAsync();
        await using var _ = cluster;
        await Cluster.ImportAsync(a, DemoWiremap.Create());
        await Cluster.WaitForHqAsync(b, Cluster.DemoStreet, Cluster.DemoFloor, Settle);

        var pollers = new[] { b, cluster[1].CreateClient(), cluster[1].CreateClient() };
        var result = await Propagation.MeasureAsync(a, pollers, Cluster.ChangedDemo(), Cluster.ChangedStreet, Cluster.ChangedFloor);

        output.WriteLine($"Import committed on A (version {result.Version}); B answered with it after {result.Latency.TotalMilliseconds:F0} ms; {result.Answers.Count} answers from B during the change.");
        Assert.True(result.Latency <= TimeSpan.FromSeconds(1), $"B answered with the change only after {result.Latency.TotalMilliseconds:F0} ms (limit 1000 ms).");
        Propagation.AssertNoMixedState(result, Cluster.DemoStreet, Cluster.DemoFloor, Cluster.ChangedStreet, Cluster.ChangedFloor);
    }

    [Fact]
    public async Task Replicas_RepeatedImports_PropagationTimeMeasured()
    {
        var (cluster, a, b) = await StartTwoAsync();
        await using var _ = cluster;
        await Cluster.ImportAsync(a, DemoWiremap.Create());
        await Cluster.WaitForHqAsync(b, Cluster.DemoStreet, Cluster.DemoFloor, Settle);

        var latencies = new List<double>();
        for (var round = 0; round < 8; round++)
        {
            var toChanged = round % 2 == 0;
            var (oldStreet, oldFloor) = toChanged ? (Cluster.DemoStreet, Cluster.DemoFloor) : (Cluster.ChangedStreet, Cluster.ChangedFloor);
            var (newStreet, newFloor) = toChanged ? (Cluster.ChangedStreet, Cluster.ChangedFloor) : (Cluster.DemoStreet, Cluster.DemoFloor);
            var result = await Propagation.MeasureAsync(a, [b], toChanged ? Cluster.ChangedDemo() : DemoWiremap.Create(), newStreet, newFloor);
            Propagation.AssertNoMixedState(result, oldStreet, oldFloor, newStreet, newFloor);
            latencies.Add(result.Latency.TotalMilliseconds);
            output.WriteLine($"round {round + 1}: version {result.Version} on B after {result.Latency.TotalMilliseconds:F1} ms ({result.Answers.Count} answers polled)");
        }
        latencies.Sort();
        var median = latencies[latencies.Count / 2];
        output.WriteLine($"import committed on A -> answered by B: min {latencies[0]:F1} ms, median {median:F1} ms, max {latencies[^1]:F1} ms over {latencies.Count} imports");
        Assert.True(median <= 1000, $"median propagation {median:F0} ms exceeds 1 s");
        Assert.True(latencies[^1] <= 2000, $"slowest propagation {latencies[^1]:F0} ms exceeds 2 s");
    }

    [Fact]
    public async Task Replicas_TokenIssuedByOne_RedeemedByOther()
    {
        var (cluster, a, b) = await StartTwoAsync();
        await using var _ = cluster;
        await Cluster.ImportAsync(a, DemoWiremap.Create());
        await Cluster.WaitForHqAsync(b, Cluster.DemoStreet, Cluster.DemoFloor, Settle);

        var (response, document, body) = await a.PostHeldAsync(Cluster.ByReferenceRequest, Cluster.HqPhoneIp);
        response.Dispose();
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), $"A issued no location URI: {body}");

        var (code, mediaType, pidf, derefBody) = await Cluster.DereferenceAsync(b, uri!);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("application/pidf+xml", mediaType);
        Assert.True(pidf is not null && pidf.ErrorCode() is null, $"B did not redeem A's token: {derefBody}");
        Assert.Equal(Cluster.DemoStreet, pidf.Civic("RD"));
        Assert.Equal(Cluster.DemoFloor, pidf.Civic("FLR"));
    }

    [Fact]
    public async Task Replicas_CallersFromOneLocationOnTwoNodes_GetDistinctElins()
    {
        var (cluster, a, b) = await StartTwoAsync();
        await using var _ = cluster;
        await Cluster.ImportAsync(a, DemoWiremap.Create());
        await Cluster.WaitForHqAsync(b, Cluster.DemoStreet, Cluster.DemoFloor, Settle);

        // Both stations are in room 301 (the demo maps loopback there), which has two ELINs.
        var first = await Cluster.RouteCallAsync(cluster[0], "+15125550201", "127.0.0.5");
        Assert.True(first.CallbackIsElin);
        var windowOnB = cluster[1].Services.GetRequiredService<ElinWindow>();
        var started = DateTime.UtcNow;
        while (windowOnB.Find(DemoWiremap.TenantId, first.CallbackNumber, DateTimeOffset.UtcNow) is null)
        {
            Assert.True(DateTime.UtcNow - started < Settle, "B never heard of the ELIN A lent");
            await Task.Delay(5);
        }
        output.WriteLine($"ELIN lent on A known to B after {(DateTime.UtcNow - started).TotalMilliseconds:F0} ms");

        var second = await Cluster.RouteCallAsync(cluster[1], "+15125550202", "127.0.0.6");
        Assert.True(second.CallbackIsElin);
        Assert.NotEqual(first.CallbackNumber, second.CallbackNumber);

        // Either node resolves either callback to its caller (the durable copy is shared).
        foreach (var replica in new[] { cluster[0], cluster[1] })
        {
            using var scope = replica.Services.CreateScope();
            var router = scope.ServiceProvider.GetRequiredService<CallRouter>();
            Assert.Equal("+15125550201", (await router.ResolveCallbackAsync(DemoWiremap.TenantId, first.CallbackNumber, CancellationToken.None)).Value!.Assignment!.CallerNumber);
            Assert.Equal("+15125550202", (await router.ResolveCallbackAsync(DemoWiremap.TenantId, second.CallbackNumber, CancellationToken.None)).Value!.Assignment!.CallerNumber);
        }
    }

    [Fact]
    public async Task ColdReplica_LoadsIndexBeforeReady()
    {
        var (cluster, a, _) = await StartTwoAsync();
        await using var _c = cluster;
        await Cluster.ImportAsync(a, DemoWiremap.Create());

        var cold = cluster.AddReplica().CreateClient();
        var notReady = 0;
        var deadline = DateTime.UtcNow + Settle;
        while (true)
        {
            var (code, status, readyBody) = await Cluster.ReadyAsync(cold);
            if (code == HttpStatusCode.OK)
            {
                var (street, floor, raw) = await Cluster.AskHqAsync(cold);
                output.WriteLine($"cold replica: {notReady} answers of 503 before ready ({status}); first HELD answer: {street}, floor {floor}");
                Assert.True(street == Cluster.DemoStreet && floor == Cluster.DemoFloor,
                    $"/health/ready answered 200 ({readyBody}) but the next HELD answer was not the demo address: {raw}");
                return;
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, code);
            notReady++;
            Assert.True(DateTime.UtcNow < deadline, $"the cold replica was not ready within {Settle.TotalSeconds} s: {readyBody}");
            await Task.Delay(5);
        }
    }
}
