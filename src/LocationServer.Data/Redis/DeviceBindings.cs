namespace LocationServer.Data.Redis;

/// <summary>
/// Which address each device MAC speaks from (RFC 5985 §9, RFC 6155 §4): a MAC claimed in a request is believed only
/// when it is consistent with the request's source address. The first claim of an unbound MAC binds it to the
/// claiming address; after that the binding is refreshed only from that address, moves only when a trusted network
/// source asserts it (a DHCP/ARP feed through the admin API), and is released when its address starts speaking for
/// another MAC (the lease changed hands) or when it expires.
/// </summary>
public interface IDeviceBindingStore
{
    /// <summary>
    /// A device at <paramref name="address"/> claims <paramref name="mac"/>: true (and the binding refreshed for
    /// <paramref name="ttl"/>) when the MAC is unbound or already bound to that address; false when it is bound to
    /// another address, or when the store cannot take another binding.
    /// </summary>
    Task<bool> ClaimAsync(string tenant, string mac, string address, TimeSpan ttl);

    /// <summary>A trusted network source says <paramref name="mac"/> is at <paramref name="address"/>: binds it whatever it was bound to.</summary>
    Task AssertAsync(string tenant, string mac, string address, TimeSpan ttl);

    /// <summary>Drops the MAC's binding (a trusted source says the device left); true when there was one.</summary>
    Task<bool> ReleaseAsync(string tenant, string mac);

    /// <summary>The address the MAC is bound to, or null.</summary>
    Task<string?> GetAsync(string tenant, string mac);
}

/// <summary>Bindings in this process only (single node, no Redis); bounded, failing closed when full.</summary>
internal sealed class InProcessDeviceBindingStore(TimeProvider time, int capacity = InProcessDeviceBindingStore.DefaultCapacity) : IDeviceBindingStore
{
    /// <summary>Most bindings held at once: 1,000,000 (about 200 MB at worst). Past it new MACs are not believed.</summary>
    public const int DefaultCapacity = 1_000_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tenant, string Mac), (string Address, DateTimeOffset Expires)> _byMac = [];
    private readonly Dictionary<(string Tenant, string Address), (string Mac, DateTimeOffset Expires)> _byAddress = [];

    public Task<bool> ClaimAsync(string tenant, string mac, string address, TimeSpan ttl) =>
        Task.FromResult(Bind(tenant, mac, address, ttl, force: false));

    public Task AssertAsync(string tenant, string mac, string address, TimeSpan ttl)
    {
        Bind(tenant, mac, address, ttl, force: true);
        return Task.CompletedTask;
    }

    public Task<bool> ReleaseAsync(string tenant, string mac)
    {
        lock (_gate) return Task.FromResult(_byMac.Remove((tenant, mac)));
    }

    public Task<string?> GetAsync(string tenant, string mac)
    {
        var now = time.GetUtcNow();
        lock (_gate)
            return Task.FromResult(_byMac.TryGetValue((tenant, mac), out var bound) && bound.Expires > now ? bound.Address : null);
    }

    private bool Bind(string tenant, string mac, string address, TimeSpan ttl, bool force)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var known = _byMac.TryGetValue((tenant, mac), out var bound) && bound.Expires > now;
            if (known && !force && !string.Equals(bound.Address, address, StringComparison.Ordinal)) return false;
            if (!known && _byMac.Count >= capacity)
            {
                Sweep(now);
                if (_byMac.Count >= capacity) return false;
            }
            if (_byAddress.TryGetValue((tenant, address), out var previous) && previous.Expires > now &&
                !string.Equals(previous.Mac, mac, StringComparison.Ordinal) &&
                _byMac.TryGetValue((tenant, previous.Mac), out var other) && string.Equals(other.Address, address, StringComparison.Ordinal))
            {
                // The address now speaks for another MAC: its lease changed hands, so the old MAC is free to bind elsewhere.
                _byMac.Remove((tenant, previous.Mac));
            }
            _byMac[(tenant, mac)] = (address, now + ttl);
            _byAddress[(tenant, address)] = (mac, now + ttl);
            return true;
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, value) in _byMac)
            if (value.Expires <= now) _byMac.Remove(key);
        foreach (var (key, value) in _byAddress)
            if (value.Expires <= now) _byAddress.Remove(key);
    }
}

/// <summary>
/// Bindings in Redis, shared by every replica: one key per MAC and one per address, changed together by one script so
/// two replicas racing for the same MAC cannot both win.
/// </summary>
internal sealed class RedisDeviceBindingStore(RedisConnection connection) : IDeviceBindingStore
{
    // KEYS[1] mac key, KEYS[2] address key; ARGV: address, mac, ttl ms, force (1/0), mac key prefix.
    private const string BindScript = """
        local bound = redis.call('GET', KEYS[1])
        if bound and bound ~= ARGV[1] and ARGV[4] ~= '1' then return 0 end
        local previous = redis.call('GET', KEYS[2])
        if previous and previous ~= ARGV[2] then
          local previousKey = ARGV[5] .. previous
          if redis.call('GET', previousKey) == ARGV[1] then redis.call('DEL', previousKey) end
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
        redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
        return 1
        """;

    // The tenant in braces keeps a tenant's keys in one hash slot, so the script's keys stay together on a cluster.
    private static string MacPrefix(string tenant) => $"locationserver:binding:{{{tenant}}}:mac:";

    private static string AddressKey(string tenant, string address) => $"locationserver:binding:{{{tenant}}}:ip:{address}";

    public async Task<bool> ClaimAsync(string tenant, string mac, string address, TimeSpan ttl) =>
        await BindAsync(tenant, mac, address, ttl, force: false).ConfigureAwait(false);

    public Task AssertAsync(string tenant, string mac, string address, TimeSpan ttl) => BindAsync(tenant, mac, address, ttl, force: true);

    public Task<bool> ReleaseAsync(string tenant, string mac) =>
        connection.RunAsync(db => db.KeyDeleteAsync(MacPrefix(tenant) + mac));

    public async Task<string?> GetAsync(string tenant, string mac)
    {
        var value = await connection.RunAsync(db => db.StringGetAsync(MacPrefix(tenant) + mac)).ConfigureAwait(false);
        return value.IsNullOrEmpty ? null : (string?)value;
    }

    private async Task<bool> BindAsync(string tenant, string mac, string address, TimeSpan ttl, bool force)
    {
        var prefix = MacPrefix(tenant);
        var result = await connection.RunAsync(db => db.ScriptEvaluateAsync(
            BindScript,
            [prefix + mac, AddressKey(tenant, address)],
            [address, mac, (long)ttl.TotalMilliseconds, force ? "1" : "0", prefix])).ConfigureAwait(false);
        return (long)result == 1;
    }
}
