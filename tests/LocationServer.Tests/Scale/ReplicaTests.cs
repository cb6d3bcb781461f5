using System.Net;
using LocationServer.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace LocationServer.Tests.Scale;

/// <summary>Replica processes on one PostgreSQL database and one Redis: what the nodes must agree on.</summary>
[Collection(RealServersCollection.Name)]
public sealed class ReplicaTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Replicas_WiremapImportOnOne_ServedByOtherWholeAndForward()
    {
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();
        HttpClient[] pollers = [.. Enumerable.Range(0, 3).Select(_ => cluster[1].CreateClient(ProcessCluster.HqPhoneAddress))];
        try
        {
            var result = await Propagation.MeasureAsync(w => ProcessCluster.ImportAsync(cluster[0], w), pollers, ProcessCluster.AskHqAsync,
                ProcessCluster.Wiremap(changed: true), Cluster.ChangedStreet, Cluster.ChangedFloor);
            output.WriteLine($"Import committed on A (version {result.Version}); B answered with it after {result.Latency.TotalMilliseconds:F0} ms; {result.Answers.Count} answers from B during the change.");
            Propagation.AssertNoMixedState(result, Cluster.DemoStreet, Cluster.DemoFloor, Cluster.ChangedStreet, Cluster.ChangedFloor);
        }
        finally
        {
            foreach (var poller in pollers) poller.Dispose();
        }
    }

    [Fact]
    public async Task Replicas_RepeatedImports_EachServedByOtherAndPropagationTimePrinted()
    {
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();
        using var phoneOnB = cluster[1].CreateClient(ProcessCluster.HqPhoneAddress);
        var latencies = new List<double>();
        for (var round = 0; round < 6; round++)
        {
            var toChanged = round % 2 == 0;
            var (oldStreet, oldFloor) = toChanged ? (Cluster.DemoStreet, Cluster.DemoFloor) : (Cluster.ChangedStreet, Cluster.ChangedFloor);
            var (newStreet, newFloor) = toChanged ? (Cluster.ChangedStreet, Cluster.ChangedFloor) : (Cluster.DemoStreet, Cluster.DemoFloor);
            var result = await Propagation.MeasureAsync(w => ProcessCluster.ImportAsync(cluster[0], w), [phoneOnB], ProcessCluster.AskHqAsync,
                ProcessCluster.Wiremap(changed: toChanged), newStreet, newFloor);
            Propagation.AssertNoMixedState(result, oldStreet, oldFloor, newStreet, newFloor);
            latencies.Add(result.Latency.TotalMilliseconds);
            output.WriteLine($"round {round + 1}: version {result.Version} on B after {result.Latency.TotalMilliseconds:F1} ms ({result.Answers.Count} answers polled)");
        }
        latencies.Sort();
        output.WriteLine($"import committed on A -> answered by B: min {latencies[0]:F1} ms, median {latencies[latencies.Count / 2]:F1} ms, max {latencies[^1]:F1} ms over {latencies.Count} imports");
    }

    [Fact]
    public async Task Replicas_TokenIssuedByOne_RedeemedByOther()
    {
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();
        using var phoneOnA = cluster[0].CreateClient(ProcessCluster.HqPhoneAddress);
        var (response, document, body) = await phoneOnA.PostHeldAsync(Cluster.ByReferenceRequest);
        response.Dispose();
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), $"A issued no location URI: {body}");

        // The call server (any other address) dereferences the URI on B.
        using var callServerOnB = cluster[1].CreateClient();
        var (code, mediaType, pidf, derefBody) = await Cluster.DereferenceAsync(callServerOnB, uri!);
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("application/pidf+xml", mediaType);
        Assert.True(pidf is not null && pidf.ErrorCode() is null, $"B did not redeem A's token: {derefBody}");
        Assert.Equal(Cluster.DemoStreet, pidf.Civic("RD"));
        Assert.Equal(Cluster.DemoFloor, pidf.Civic("FLR"));

        // And a call carrying it is routed by B on the token's location.
        var routed = await ProcessCluster.RouteCallAsync(cluster[1], "+15125550210", "", locationReference: uri);
        Assert.Equal(LocationServer.Routing.V1.LocationSource.Token, routed.Source);
        Assert.Equal("hq-3-west", routed.Location.LocationId);
    }

    [Fact]
    public async Task Replicas_CallersFromOneLocationOnTwoNodes_GetDistinctElinsAndEitherResolvesBoth()
    {
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();
        var (a, b) = (cluster[0], cluster[1]);

        // Both stations are in room 301, which has two ELINs.
        var first = await ProcessCluster.RouteCallAsync(a, "+15125550201", ProcessCluster.Room301Prefix + "5");
        Assert.True(first.CallbackIsElin, first.ToString());

        // B learns of the ELIN A lent from A's announcement on Redis: a 933 test call on B (which shows the ELIN a PSAP
        // would see without lending it) stops showing it. The deadline is well inside the 30 s re-read backstop.
        var learnt = DateTime.UtcNow;
        while (true)
        {
            var test = await ProcessCluster.RouteCallAsync(b, "+15125550202", ProcessCluster.Room301Prefix + "6", dialed: "933");
            Assert.True(test.CallbackIsElin, test.ToString());
            if (test.CallbackNumber != first.CallbackNumber) break;
            Assert.True(DateTime.UtcNow - learnt < TimeSpan.FromSeconds(20), $"B never heard of the ELIN {first.CallbackNumber} A lent\n{cluster.Logs()}");
            await Task.Delay(20);
        }
        output.WriteLine($"ELIN lent on A known to B after {(DateTime.UtcNow - learnt).TotalMilliseconds:F0} ms (polled)");

        var second = await ProcessCluster.RouteCallAsync(b, "+15125550202", ProcessCluster.Room301Prefix + "6");
        Assert.True(second.CallbackIsElin, second.ToString());
        Assert.NotEqual(first.CallbackNumber, second.CallbackNumber);

        // Either node resolves either callback to its caller once the records are written (the durable copy is shared).
        foreach (var replica in new[] { a, b })
        {
            foreach (var (elin, caller) in new[] { (first.CallbackNumber, "+15125550201"), (second.CallbackNumber, "+15125550202") })
            {
                var resolved = await RealServers.EventuallyAsync(async () =>
                {
                    var r = await ProcessCluster.ResolveCallbackAsync(replica, elin);
                    return r.Found && r.CallerNumber == caller ? r : throw new InvalidOperationException($"{replica.Name} resolved {elin} to {r}");
                }, Settle);
                Assert.Equal("hq-3-301", resolved.LocationId);
            }
        }
    }

    [Fact]
    public async Task ColdReplica_IndexLoadHeldBack_AnswersNotReadyUntilLoaded()
    {
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();

        // Hold the wiremap load back: the network elements table is locked until the test releases it.
        await using var locker = new NpgsqlConnection(cluster.ConnectionString);
        await locker.OpenAsync();
        var transaction = await locker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE network_elements IN ACCESS EXCLUSIVE MODE", locker, transaction))
            await lockTable.ExecuteNonQueryAsync();

        var cold = await cluster.StartReplicaAsync();

        // The replica's load is observably waiting on the lock.
        await RealServers.EventuallyAsync(async () =>
        {
            await using var probe = new NpgsqlConnection(cluster.ConnectionString);
            await probe.OpenAsync();
            await using var waiting = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%network_elements%'", probe);
            var count = (long)(await waiting.ExecuteScalarAsync())!;
            return count > 0 ? count : throw new InvalidOperationException("the cold replica is not waiting for the wiremap yet");
        }, Settle);

        // While it waits, readiness is 503 "starting" with the index loading, every time it is asked.
        for (var i = 0; i < 5; i++)
        {
            var (code, body) = await ProcessCluster.ReadyAsync(cold);
            Assert.True(code == HttpStatusCode.ServiceUnavailable, $"the cold replica answered {(int)code} before its index was loaded: {body}");
            Assert.Equal("starting", body.GetProperty("status").GetString());
            Assert.Equal("loading", ProcessCluster.State(body, "index"));
        }

        await transaction.RollbackAsync();
        var ready = await ProcessCluster.WaitReadyAsync(cold);
        Assert.Equal("loaded", ProcessCluster.State(ready, "index"));
        using var phone = cold.CreateClient(ProcessCluster.HqPhoneAddress);
        var (street, floor, raw) = await ProcessCluster.AskHqAsync(phone);
        Assert.True(street == Cluster.DemoStreet && floor == Cluster.DemoFloor, $"/health/ready answered 200 ({ready}) but the next HELD answer was not the demo address: {raw}");
    }
}
