using LocationServer.Data.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LocationServer.Data.Tests.Redis;

/// <summary>The binding rules, on both stores: the in-process one and Redis shared by two nodes.</summary>
[Collection(RedisCollection.Name)]
public sealed class DeviceBindingTests : IDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);
    private readonly List<RedisConnection> _connections = [];

    public void Dispose()
    {
        foreach (var connection in _connections) connection.Dispose();
    }

    private RedisConnection Connect()
    {
        var connection = new RedisConnection(TestServers.Redis, NullLogger<RedisConnection>.Instance);
        _connections.Add(connection);
        return connection;
    }

    public static TheoryData<string> Stores => ["in-process", "redis"];

    /// <summary>Two views of one store: two nodes on one Redis, or the same in-process store twice.</summary>
    private (IDeviceBindingStore A, IDeviceBindingStore B) Nodes(string kind)
    {
        if (kind == "redis") return (new RedisDeviceBindingStore(Connect()), new RedisDeviceBindingStore(Connect()));
        var store = new InProcessDeviceBindingStore(TimeProvider.System);
        return (store, store);
    }

    private static string Tenant() => "t" + Guid.NewGuid().ToString("N")[..10];

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Claim_FirstThenSameAddress_BindsAndRefreshes(string kind)
    {
        var (a, b) = Nodes(kind);
        var tenant = Tenant();
        Assert.True(await a.ClaimAsync(tenant, "mac-1", "10.0.0.1", Ttl));
        Assert.True(await b.ClaimAsync(tenant, "mac-1", "10.0.0.1", Ttl));
        Assert.Equal("10.0.0.1", await b.GetAsync(tenant, "mac-1"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Claim_FromAnotherAddress_IsRefusedAndChangesNothing(string kind)
    {
        var (a, b) = Nodes(kind);
        var tenant = Tenant();
        await a.ClaimAsync(tenant, "mac-1", "10.0.0.1", Ttl);
        Assert.False(await b.ClaimAsync(tenant, "mac-1", "10.0.0.66", Ttl));
        Assert.Equal("10.0.0.1", await a.GetAsync(tenant, "mac-1"));
        // The refused claimant's address did not take the MAC either: the owner's next claim still holds.
        Assert.True(await a.ClaimAsync(tenant, "mac-1", "10.0.0.1", Ttl));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Claim_AddressTakenByAnotherMac_ReleasesTheOldMac(string kind)
    {
        var (a, b) = Nodes(kind);
        var tenant = Tenant();
        await a.ClaimAsync(tenant, "mac-1", "10.0.0.1", Ttl);
        Assert.True(await b.ClaimAsync(tenant, "mac-2", "10.0.0.1", Ttl));
        Assert.Null(await a.GetAsync(tenant, "mac-1"));
        Assert.True(await a.ClaimAsync(tenant, "mac-1", "10.0.0.2", Ttl));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Assert_MovesTheBindingAndReleaseDropsIt(string kind)
    {
        var (a, b) = Nodes(kind);
        var tenant = Tenant();
        await a.ClaimAsync(tenant, "mac-1", "10.0.0.1", Ttl);
        await b.AssertAsync(tenant, "mac-1", "10.0.0.9", Ttl);
        Assert.False(await a.ClaimAsync(tenant, "mac-1", "10.0.0.1", Ttl));
        Assert.True(await a.ClaimAsync(tenant, "mac-1", "10.0.0.9", Ttl));
        Assert.True(await b.ReleaseAsync(tenant, "mac-1"));
        Assert.Null(await a.GetAsync(tenant, "mac-1"));
        Assert.False(await b.ReleaseAsync(tenant, "mac-1"));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Claim_TenantsAreSeparate(string kind)
    {
        var (a, b) = Nodes(kind);
        var (one, two) = (Tenant(), Tenant());
        await a.ClaimAsync(one, "mac-1", "10.0.0.1", Ttl);
        Assert.True(await b.ClaimAsync(two, "mac-1", "10.0.0.2", Ttl));
    }

    [Fact]
    public async Task Claim_RacingNodes_ExactlyOneWins()
    {
        var tenant = Tenant();
        var nodes = Enumerable.Range(0, 8).Select(_ => new RedisDeviceBindingStore(Connect())).ToArray();
        await Task.WhenAll(nodes.Select(n => n.GetAsync(tenant, "warm-up")));
        var results = await Task.WhenAll(nodes.Select((n, i) => Task.Run(() => n.ClaimAsync(tenant, "mac-1", $"10.0.1.{i}", Ttl))));
        Assert.Single(results, r => r);
        var winner = Array.IndexOf(results, true);
        Assert.Equal($"10.0.1.{winner}", await nodes[0].GetAsync(tenant, "mac-1"));
    }

    [Fact]
    public async Task Claim_AfterTtl_BindsAnew()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var store = new InProcessDeviceBindingStore(time);
        await store.ClaimAsync("t", "mac-1", "10.0.0.1", TimeSpan.FromHours(1));
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(await store.ClaimAsync("t", "mac-1", "10.0.0.2", TimeSpan.FromHours(1)));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await store.ClaimAsync("t", "mac-1", "10.0.0.2", TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task Claim_WhenFull_RefusesNewMacsButKeepsKnownOnes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var store = new InProcessDeviceBindingStore(time, capacity: 2);
        Assert.True(await store.ClaimAsync("t", "mac-1", "10.0.0.1", Ttl));
        Assert.True(await store.ClaimAsync("t", "mac-2", "10.0.0.2", Ttl));
        Assert.False(await store.ClaimAsync("t", "mac-3", "10.0.0.3", Ttl));
        Assert.True(await store.ClaimAsync("t", "mac-1", "10.0.0.1", Ttl));
        // Expired bindings make room.
        time.Advance(Ttl + TimeSpan.FromSeconds(1));
        Assert.True(await store.ClaimAsync("t", "mac-3", "10.0.0.3", Ttl));
    }
}
