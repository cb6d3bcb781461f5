using System.Collections.Concurrent;
using LocationServer.Data.Redis;
using LocationServer.Data.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace LocationServer.Data.Tests.Redis;

[Collection(RedisCollection.Name)]
public sealed class RedisTests(ITestOutputHelper output) : IDisposable
{
    private readonly List<RedisConnection> _connections = [];

    private RedisConnection Connect()
    {
        var connection = new RedisConnection(TestServers.Redis, NullLogger<RedisConnection>.Instance);
        _connections.Add(connection);
        return connection;
    }

    public void Dispose()
    {
        var started = DateTime.UtcNow;
        foreach (var connection in _connections) connection.Dispose();
        output.WriteLine($"disposed in {DateTime.UtcNow - started}");
    }

    private static DeviceReport Report(string mac) => new(
        "198.51.100.7", "10.1.3.44", mac, "00:11:22:33:44:55", ["00:11:22:33:44:66", "00:11:22:33:44:67"],
        new LldpReport(4, "00aabbccddee"), new LldpReport(5, "4769312f302f37"), "00:de:ad:be:ef:01",
        new DateTime(2026, 11, 22, 7, 0, 0, DateTimeKind.Utc));

    private static string Tenant() => "t" + Guid.NewGuid().ToString("N")[..10];

    private static CallWatchMessage Window(string tenant, DateTimeOffset now, string id) =>
        new(tenant, id, ["ip:10.1.3.44"], now, now.AddMinutes(60), "+15125550100", null, null, null, null, null, "hq", "100 Congress Ave", 0);

    /// <summary>Two nodes' call-watch buses; the listener already hears the announcer's windows of <see cref="Tenant"/> (ids in <see cref="Heard"/>).</summary>
    private sealed record CallWatchNodes(string Tenant, DateTimeOffset Now, RedisCallWatchBus Listener, RedisCallWatchBus Announcer, BlockingCollection<string> Heard, IDisposable Subscription) : IDisposable
    {
        public CallWatchMessage Window(string id) => RedisTests.Window(Tenant, Now, id);

        public void Dispose() => Subscription.Dispose();
    }

    /// <summary>Connects two nodes and announces windows named <paramref name="probe"/>-N until the listener hears one (it subscribes in the background).</summary>
    private async Task<CallWatchNodes> CallWatchNodesAsync(string probe)
    {
        var tenant = Tenant();
        var heard = new BlockingCollection<string>();
        var listener = new RedisCallWatchBus(Connect());
        var nodes = new CallWatchNodes(tenant, DateTimeOffset.UtcNow, listener, new RedisCallWatchBus(Connect()), heard,
            listener.Subscribe(w => { if (w.Tenant == tenant) heard.Add(w.CallRecordId); }));
        var n = 0;
        await TestServers.EventuallyAsync(async () =>
        {
            await nodes.Announcer.PublishAsync(nodes.Window(probe + "-" + ++n), []);
            return heard.TryTake(out var id, 500) ? id : throw new TimeoutException("not subscribed yet");
        }, TimeSpan.FromSeconds(10));
        return nodes;
    }

    [Fact]
    public async Task CallWatch_PublishReplacingAnEarlierCall_ListsOnlyTheLaterOne()
    {
        var bus = new RedisCallWatchBus(Connect());
        var tenant = Tenant();
        var now = DateTimeOffset.UtcNow;
        var first = tenant + "-call-1";
        var second = tenant + "-call-2";

        await bus.PublishAsync(Window(tenant, now, first), []);
        await bus.PublishAsync(Window(tenant, now, second), [first]);
        await bus.FlushAsync();

        var open = (await new RedisCallWatchBus(Connect()).ListAsync(now)).Where(w => w.Tenant == tenant).Select(w => w.CallRecordId).ToList();
        Assert.Equal([second], open);
    }

    [Fact]
    public async Task CallWatch_ManyWindowsAtOnce_OtherNodeHearsEachOnceAndHashKeepsEach()
    {
        // Announced in groups: a burst of windows is a few messages, each holding many, and one HSET per group.
        using var nodes = await CallWatchNodesAsync("probe");

        var burst = Enumerable.Range(1, 600).Select(i => "burst-" + i).ToList();
        foreach (var id in burst) await nodes.Announcer.PublishAsync(nodes.Window(id), []);
        await nodes.Announcer.FlushAsync();

        var got = new List<string>();
        while (got.Count < burst.Count && nodes.Heard.TryTake(out var id, 5000))
            if (id.StartsWith("burst-", StringComparison.Ordinal)) got.Add(id);
        // Each once; across messages Redis's client hands them to the handler in no fixed order (as it did one call a message).
        Assert.Equal(burst.Order(StringComparer.Ordinal), got.Order(StringComparer.Ordinal));
        var kept = (await nodes.Listener.ListAsync(nodes.Now)).Where(w => w.Tenant == nodes.Tenant).Select(w => w.CallRecordId).ToHashSet();
        Assert.Superset(burst.ToHashSet(), kept);
    }

    [Fact]
    public async Task DeviceState_SetThenGetFromAnotherNode_RoundTrips()
    {
        var tenant = Tenant();
        await new RedisDeviceStateStore(Connect()).SetAsync(tenant, "dev-1", Report("00:04:f2:15:c2:85"), TimeSpan.FromMinutes(1));
        var read = await new RedisDeviceStateStore(Connect()).GetAsync(tenant, "dev-1");
        Assert.NotNull(read);
        var expected = Report("00:04:f2:15:c2:85");
        Assert.Equal(expected with { NeighbourBssids = null }, read with { NeighbourBssids = null });
        Assert.Equal(expected.NeighbourBssids, read.NeighbourBssids);
        Assert.Equal(DateTimeKind.Utc, read.ReportedUtc.Kind);
        Assert.Null(await new RedisDeviceStateStore(Connect()).GetAsync(tenant, "dev-2"));
        Assert.Null(await new RedisDeviceStateStore(Connect()).GetAsync(Tenant(), "dev-1"));
    }

    [Fact]
    public async Task DeviceState_AfterTtl_IsGone()
    {
        var store = new RedisDeviceStateStore(Connect());
        var tenant = Tenant();
        await store.SetAsync(tenant, "dev-1", Report("00:04:f2:15:c2:85"), TimeSpan.FromMilliseconds(300));
        Assert.NotNull(await store.GetAsync(tenant, "dev-1"));
        await Task.Delay(700);
        Assert.Null(await store.GetAsync(tenant, "dev-1"));
    }

    [Fact]
    public async Task ChangeBus_PublishOnOneNode_ReachesSubscriberOnAnother()
    {
        var received = new BlockingCollection<long>();
        var subscriber = new RedisWiremapChangeBus(Connect());
        using var subscription = subscriber.Subscribe(received.Add);
        var publisher = new RedisWiremapChangeBus(Connect());
        var version = Random.Shared.NextInt64(1_000_000, 2_000_000);

        // The subscription is established asynchronously; publish until it is heard.
        var heard = await TestServers.EventuallyAsync(async () =>
        {
            await publisher.PublishAsync(version);
            return received.TryTake(out var v, 500) ? v : throw new TimeoutException("not yet");
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(version, heard);
    }

    [Fact]
    public async Task ElinBus_PublishOnOneNode_ReachesSubscriberOnAnotherUntilDisposed()
    {
        var received = new BlockingCollection<ElinAssignment>();
        var subscriber = new RedisElinAssignmentBus(Connect());
        var subscription = subscriber.Subscribe(received.Add);
        var publisher = new RedisElinAssignmentBus(Connect());
        var tenant = Tenant();
        var at = new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
        var sent = new ElinAssignment(tenant, "+15125550900", "+15125550155", "hq-2", at, at.AddHours(1));

        var heard = await TestServers.EventuallyAsync(async () =>
        {
            await publisher.PublishAsync(sent);
            return received.TryTake(out var a, 500) ? a : throw new TimeoutException("not yet");
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(sent, heard with { AssignedUtc = heard.AssignedUtc.ToUniversalTime(), ExpiresUtc = heard.ExpiresUtc.ToUniversalTime() });
        Assert.Equal(DateTimeKind.Utc, heard.AssignedUtc.Kind);

        // A second listener on the same node stays subscribed: each message reaches every listener subscribed when it
        // arrives, so once the second listener has the next message, the disposed one has certainly been passed over.
        var still = new BlockingCollection<ElinAssignment>();
        using var stillSubscribed = subscriber.Subscribe(still.Add);
        subscription.Dispose();
        var after = sent with { CallerNumber = "+15125550156" };
        await publisher.PublishAsync(after);
        await TestServers.EventuallyAsync(() => Task.FromResult(still.TryTake(out var a, 500) && a.CallerNumber == after.CallerNumber ? a : throw new TimeoutException("not yet")), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(received, a => a.CallerNumber == after.CallerNumber);
    }

    [Fact]
    public async Task AlertFeedBus_PublishOnOneNode_ReachesBothNodesOnce()
    {
        var remote = new BlockingCollection<FeedAlert>();
        var local = new BlockingCollection<FeedAlert>();
        var subscriber = new RedisAlertFeedBus(Connect());
        using var remoteSubscription = subscriber.Subscribe(remote.Add);
        var publisher = new RedisAlertFeedBus(Connect());
        using var localSubscription = publisher.Subscribe(local.Add);
        var tenant = Tenant();

        // The subscription is made in the background: publish until the other node hears one.
        var n = 0;
        var heard = await TestServers.EventuallyAsync(() =>
        {
            publisher.Publish(new FeedAlert(tenant, "emergency-call", "alert-" + ++n, "{\"n\":" + n + "}"));
            return Task.FromResult(remote.TryTake(out var a, 500) ? a : throw new TimeoutException("not yet"));
        }, TimeSpan.FromSeconds(10));
        Assert.Equal(tenant, heard.Tenant);
        Assert.Equal("emergency-call", heard.Event);

        // One more alert, heard on the other node: Redis has then taken every alert from this publisher (its commands
        // run in order on one connection), so their echoes are on their way back to the publisher's own subscription.
        publisher.Publish(new FeedAlert(tenant, "emergency-call", "alert-" + ++n, "{\"n\":" + n + "}"));
        await TestServers.EventuallyAsync(() => Task.FromResult(remote.TryTake(out var a, 500) && a.Id == "alert-" + n ? a : throw new TimeoutException("not yet")), TimeSpan.FromSeconds(10));

        // A third node's marker, published after all of them, reaches the publisher behind those echoes.
        var third = new RedisAlertFeedBus(Connect());
        var m = 0;
        await TestServers.EventuallyAsync(() =>
        {
            third.Publish(new FeedAlert(tenant, "emergency-call", "marker-" + ++m, "{}"));
            return Task.FromResult(local.Any(a => a.Id.StartsWith("marker-", StringComparison.Ordinal)) ? true : throw new TimeoutException("not yet"));
        }, TimeSpan.FromSeconds(10));

        // The publishing node's own listeners got each of its alerts once: directly, not again from Redis.
        Assert.Equal(Enumerable.Range(1, n).Select(i => "alert-" + i), local.Where(a => a.Id.StartsWith("alert-", StringComparison.Ordinal)).Select(a => a.Id));
        Assert.False(publisher.SingleNode);
    }

    [Fact]
    public async Task CallWatch_RedisRestarted_AnnouncedAndKeptAgain()
    {
        // Announcements are sent without waiting for replies: after a restart (an empty server) the next window must
        // still reach the other node and the hash.
        using var nodes = await CallWatchNodesAsync("before");

        await TestServers.RunShellAsync(TestServers.RedisRestart);

        var n = 0;
        var after = await TestServers.EventuallyAsync(async () =>
        {
            await nodes.Announcer.PublishAsync(nodes.Window("after-" + ++n), []);
            return nodes.Heard.TryTake(out var id, 500) && id.StartsWith("after-", StringComparison.Ordinal) ? id : throw new TimeoutException("not announced yet");
        }, TimeSpan.FromSeconds(20));
        var kept = (await nodes.Listener.ListAsync(nodes.Now)).Where(w => w.Tenant == nodes.Tenant).Select(w => w.CallRecordId).ToList();
        Assert.Contains(after, kept);
    }

    [Fact]
    public async Task RedisRestart_NewServerRun_StoreAndSubscriptionRecover()
    {
        var restart = TestServers.RedisRestart;
        var began = DateTime.UtcNow;
        var received = new BlockingCollection<long>();
        var subscriberConnection = Connect();
        var subscriber = new RedisWiremapChangeBus(subscriberConnection);
        using var subscription = subscriber.Subscribe(received.Add);
        var connection = Connect();
        output.WriteLine($"connected in {DateTime.UtcNow - began}");
        var store = new RedisDeviceStateStore(connection);
        var publisher = new RedisWiremapChangeBus(connection);
        var tenant = Tenant();
        var subscribed = DateTime.UtcNow;
        await store.SetAsync(tenant, "dev-1", Report("00:04:f2:15:c2:85"), TimeSpan.FromMinutes(1));
        await TestServers.EventuallyAsync(async () =>
        {
            await publisher.PublishAsync(1);
            return received.TryTake(out var v, 500) ? v : throw new TimeoutException("not subscribed yet");
        }, TimeSpan.FromSeconds(10));

        var runIdBefore = await RunIdAsync(connection);
        var stopping = DateTime.UtcNow;
        await TestServers.RunShellAsync(restart);
        var restarted = DateTime.UtcNow;
        output.WriteLine($"subscribed after {stopping - subscribed}; restart command took {restarted - stopping}");

        // The restart happened: the server answering now is another run of Redis (INFO server run_id changes on every start).
        var runIdAfter = await TestServers.EventuallyAsync(() => RunIdAsync(connection), TimeSpan.FromSeconds(30));
        Assert.NotEqual(runIdBefore, runIdAfter);

        // The restarted server is empty (no persistence): writes must work again, on the same objects.
        await TestServers.EventuallyAsync(() => store.SetAsync(tenant, "dev-2", Report("00:04:f2:15:c2:86"), TimeSpan.FromMinutes(1)).ContinueWith(t => t.IsCompletedSuccessfully ? 0 : throw t.Exception!.InnerException!, TaskScheduler.Default), TimeSpan.FromSeconds(15));
        Assert.Equal("00:04:f2:15:c2:86", (await store.GetAsync(tenant, "dev-2"))?.Mac);

        var version = 100L;
        var heard = await TestServers.EventuallyAsync(async () =>
        {
            await publisher.PublishAsync(++version);
            return received.TryTake(out var v, 300) ? v : throw new TimeoutException("subscription not restored yet");
        }, TimeSpan.FromSeconds(15));
        Assert.True(heard > 100);
        output.WriteLine($"recovered in {DateTime.UtcNow - restarted}");
    }

    /// <summary>The server's <c>run_id</c> from <c>INFO server</c>: a new random id on every start.</summary>
    private static async Task<string> RunIdAsync(RedisConnection connection)
    {
        var info = (string?)await connection.RunAsync(db => db.ExecuteAsync("INFO", "server")) ?? "";
        var line = info.Split('\n').Select(l => l.Trim()).SingleOrDefault(l => l.StartsWith("run_id:", StringComparison.Ordinal));
        Assert.False(line is null, $"INFO server has no run_id: {info}");
        return line["run_id:".Length..];
    }

    [Fact]
    public async Task RedisStopped_Operations_FailWithinTheirTimeLimitAndRecoverAfterStart()
    {
        var store = new RedisDeviceStateStore(Connect());
        var tenant = Tenant();
        await store.SetAsync(tenant, "dev-1", Report("00:04:f2:15:c2:85"), TimeSpan.FromMinutes(1));
        var (stop, start) = (TestServers.RedisStop, TestServers.RedisStart);
        await TestServers.RunShellAsync(stop);
        try
        {
            // Until the client notices the closed socket a command may wait for its 2 s time limit; after that every
            // command fails at once instead of queueing for the server's return.
            var failures = 0;
            var slowest = TimeSpan.Zero;
            for (var i = 0; i < 20 && failures < 5; i++)
            {
                var began = DateTime.UtcNow;
                try
                {
                    await store.GetAsync(tenant, "dev-1");
                }
                catch (StorageUnavailableException)
                {
                    failures++;
                }
                var took = DateTime.UtcNow - began;
                if (took > slowest) slowest = took;
                await Task.Delay(100);
            }
            output.WriteLine($"slowest call with Redis stopped: {slowest.TotalMilliseconds:F0} ms");
            Assert.Equal(5, failures);
            Assert.True(slowest < TimeSpan.FromSeconds(5), $"a call with Redis stopped took {slowest}");
        }
        finally
        {
            await TestServers.RunShellAsync(start);
        }
        await TestServers.EventuallyAsync(() => store.SetAsync(tenant, "dev-2", Report("00:04:f2:15:c2:86"), TimeSpan.FromMinutes(1)).ContinueWith(t => t.IsCompletedSuccessfully ? 0 : throw t.Exception!.InnerException!, TaskScheduler.Default), TimeSpan.FromSeconds(15));
        Assert.Equal("00:04:f2:15:c2:86", (await store.GetAsync(tenant, "dev-2"))?.Mac);
    }

    [Fact]
    public async Task RedisDown_Operations_ThrowStorageUnavailableFast()
    {
        // A port nothing listens on.
        using var connection = new RedisConnection("127.0.0.1:1,connectTimeout=500", NullLogger<RedisConnection>.Instance);
        var store = new RedisDeviceStateStore(connection);
        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetAsync("t", "d"));
        await Assert.ThrowsAsync<StorageUnavailableException>(() => new RedisWiremapChangeBus(connection).PublishAsync(1));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void AddLocationStorage_RedisConnectionString_SelectsRedisImplementations()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestServers.Redis,
            ["Storage:SqlitePath"] = Path.Combine(Path.GetTempPath(), "unused.db"),
        }).Build();
        using var services = new ServiceCollection().AddLocationStorage(configuration).BuildServiceProvider();
        Assert.IsType<RedisDeviceStateStore>(services.GetRequiredService<IDeviceStateStore>());
        Assert.IsType<RedisWiremapChangeBus>(services.GetRequiredService<IWiremapChangeBus>());
    }
}

public sealed class InProcessSeamTests
{
    [Fact]
    public async Task InProcessDeviceState_SetGetAndExpire_FollowTheClock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 7, 0, 0, TimeSpan.Zero));
        var store = new InProcessDeviceStateStore(time);
        var report = new DeviceReport("198.51.100.7", null, "00:04:f2:15:c2:85", null, null, null, null, null, time.GetUtcNow().UtcDateTime);
        await store.SetAsync("acme", "dev-1", report, TimeSpan.FromMinutes(5));
        Assert.Same(report, await store.GetAsync("acme", "dev-1"));
        Assert.Null(await store.GetAsync("other", "dev-1"));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await store.GetAsync("acme", "dev-1"));
    }

    [Fact]
    public async Task InProcessDeviceState_MoreDevicesThanCapacity_HoldsAtMostCapacityAndKeepsTheNewest()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 7, 0, 0, TimeSpan.Zero));
        var store = new InProcessDeviceStateStore(time, capacity: 100);
        for (var i = 0; i < 1_000; i++)
        {
            var report = new DeviceReport("198.51.100.7", null, null, null, null, null, null, null, time.GetUtcNow().UtcDateTime);
            await store.SetAsync("acme", "dev-" + i, report, TimeSpan.FromHours(24));
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(store.Count <= 100, $"{store.Count} devices held after {i + 1} reports");
        }
        Assert.NotNull(await store.GetAsync("acme", "dev-999"));
        Assert.Null(await store.GetAsync("acme", "dev-0"));
    }

    [Fact]
    public async Task InProcessBus_Publish_DeliversIncreasingVersionsUntilDisposed()
    {
        var bus = new InProcessWiremapChangeBus();
        var seen = new List<long>();
        var subscription = bus.Subscribe(seen.Add);
        await bus.PublishAsync(3);
        await bus.PublishAsync(2);
        await bus.PublishAsync(3);
        await bus.PublishAsync(5);
        subscription.Dispose();
        await bus.PublishAsync(6);
        Assert.Equal([3, 5], seen);
    }

    [Fact]
    public async Task WiremapStore_AfterCommit_AnnouncesVersionOnBus()
    {
        var database = new SqliteDatabaseFixture();
        await database.InitializeAsync();
        try
        {
            var bus = new InProcessWiremapChangeBus();
            var seen = new List<long>();
            using var subscription = bus.Subscribe(seen.Add);
            var store = new WiremapStore(database.CreateFactory(), bus, TimeProvider.System, NullLogger<WiremapStore>.Instance);
            var version = await store.ReplaceTenantAsync(Samples.Wiremap());
            Assert.Equal([version], seen);
            await Assert.ThrowsAsync<StoreValidationException>(() => store.ReplaceTenantAsync(Samples.Wiremap() with { Tenant = new("BAD", "x") }));
            Assert.Equal([version], seen);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }
}
