using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LocationServer.Data.Redis;

/// <summary>An LLDP chassis or port ID as reported: IEEE 802.1AB subtype and the ID octets in hex (RFC 7105 §5.1).</summary>
public sealed record LldpReport(byte Subtype, string Hex);

/// <summary>
/// The last network report a device made (HELD request or HELD+ post): what the server saw and what the device
/// measured. Kept for a short time so that a later reference dereference or a routing lookup by station
/// MAC/IP can locate the device without it asking again.
/// </summary>
/// <param name="SourceIp">The address the request came from, as the server saw it (after trusted proxies).</param>
/// <param name="ReportedIp">The address the device reported about itself (RFC 6155 ip), if any.</param>
/// <param name="Mac">The device's MAC, if reported.</param>
/// <param name="ServingBssid">The Wi-Fi access point the device is associated with.</param>
/// <param name="NeighbourBssids">Other access points the device hears.</param>
/// <param name="LldpChassis">LLDP chassis ID of the switch the device is plugged into.</param>
/// <param name="LldpPort">LLDP port ID on that switch.</param>
/// <param name="GatewayMac">The upstream gateway's MAC.</param>
/// <param name="ReportedUtc">When the report arrived.</param>
public sealed record DeviceReport(
    string? SourceIp,
    string? ReportedIp,
    string? Mac,
    string? ServingBssid,
    IReadOnlyList<string>? NeighbourBssids,
    LldpReport? LldpChassis,
    LldpReport? LldpPort,
    string? GatewayMac,
    DateTime ReportedUtc);

/// <summary>Short-lived last-report-per-device state, shared between nodes when Redis is configured.</summary>
public interface IDeviceStateStore
{
    /// <summary>Stores <paramref name="report"/> for the device, replacing the previous one; it expires after <paramref name="ttl"/>.</summary>
    Task SetAsync(string tenant, string deviceKey, DeviceReport report, TimeSpan ttl);

    /// <summary>The device's last unexpired report, or null.</summary>
    Task<DeviceReport?> GetAsync(string tenant, string deviceKey);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeviceReport))]
internal sealed partial class DeviceStateJsonContext : JsonSerializerContext;

/// <summary>
/// Device state in this process only (single node, no Redis), holding at most <paramref name="capacity"/> devices:
/// past it, expired reports go first, then those closest to expiry (the oldest), an eighth of the capacity at a
/// time, so a flood of made-up devices costs bounded memory and evicts only reports older than its own.
/// </summary>
internal sealed class InProcessDeviceStateStore(TimeProvider time, int capacity = InProcessDeviceStateStore.DefaultCapacity) : IDeviceStateStore
{
    /// <summary>Devices held by default (about 45 MB at roughly 450 bytes each).</summary>
    public const int DefaultCapacity = 100_000;

    private readonly ConcurrentDictionary<(string, string), (DeviceReport Report, DateTimeOffset Expires)> _reports = new();
    private readonly Lock _evicting = new();
    private int _writes;

    /// <summary>Devices held now.</summary>
    internal int Count => _reports.Count;

    public Task SetAsync(string tenant, string deviceKey, DeviceReport report, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(report);
        var now = time.GetUtcNow();
        _reports[(tenant, deviceKey)] = (report, now + ttl);
        // Sweep expired entries now and then so the map does not grow with devices that left.
        var sweepDue = Interlocked.Increment(ref _writes) % 1024 == 0;
        if (sweepDue || _reports.Count > capacity)
            Evict(now, sweepDue);
        return Task.CompletedTask;
    }

    public Task<DeviceReport?> GetAsync(string tenant, string deviceKey)
    {
        if (_reports.TryGetValue((tenant, deviceKey), out var entry) && entry.Expires > time.GetUtcNow())
            return Task.FromResult<DeviceReport?>(entry.Report);
        return Task.FromResult<DeviceReport?>(null);
    }

    private void Evict(DateTimeOffset now, bool sweepDue)
    {
        lock (_evicting)
        {
            // Another writer may have made room while this one waited for the lock.
            if (!sweepDue && _reports.Count <= capacity) return;
            foreach (var (key, value) in _reports)
                if (value.Expires <= now) _reports.TryRemove(key, out _);
            var excess = _reports.Count - capacity;
            if (excess <= 0) return;
            // Room for an eighth of the capacity, so the (linear) pass runs once per that many new devices.
            var remove = excess + Math.Max(1, capacity / 8);
            foreach (var (key, _) in _reports.OrderBy(x => x.Value.Expires).Take(remove).ToList())
                _reports.TryRemove(key, out _);
        }
    }
}

/// <summary>Device state in Redis: one string key per device with a TTL, JSON value.</summary>
internal sealed class RedisDeviceStateStore(RedisConnection connection) : IDeviceStateStore
{
    internal static string Key(string tenant, string deviceKey) => $"locationserver:device:{tenant}:{deviceKey}";

    public async Task SetAsync(string tenant, string deviceKey, DeviceReport report, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(report);
        var json = JsonSerializer.Serialize(report, DeviceStateJsonContext.Default.DeviceReport);
        await connection.RunAsync(db => db.StringSetAsync(Key(tenant, deviceKey), json, ttl)).ConfigureAwait(false);
    }

    public async Task<DeviceReport?> GetAsync(string tenant, string deviceKey)
    {
        var value = await connection.RunAsync(db => db.StringGetAsync(Key(tenant, deviceKey))).ConfigureAwait(false);
        if (value.IsNullOrEmpty) return null;
        return JsonSerializer.Deserialize((string)value!, DeviceStateJsonContext.Default.DeviceReport);
    }
}
