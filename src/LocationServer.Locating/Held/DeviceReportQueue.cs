using System.Net;
using System.Threading.Channels;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Data.Redis;
using Microsoft.Extensions.Options;

namespace LocationServer.Locating.Held;

/// <summary>
/// Keeps each device's last network report (shared through Redis when configured) so identity queries and location
/// URIs see where a device was last seen. Writes leave the HELD path through a bounded queue of
/// <see cref="Capacity"/> that drops the oldest report when full (counted, logged at most every 10 s): a slow or absent
/// Redis, or a flood of made-up devices, never delays an answer or grows memory; reads used by dereference are
/// bounded by a short timeout.
/// </summary>
internal sealed partial class DeviceReportQueue : BackgroundService
{
    /// <summary>Reports waiting to be stored.</summary>
    public const int Capacity = 10_000;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan DropLogInterval = TimeSpan.FromSeconds(10);
    private readonly Channel<(string Tenant, string DeviceKey, DeviceReport Report)> _channel;
    private long _dropped;
    private long _lastDropLog;
    private readonly IDeviceStateStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly ILogger<DeviceReportQueue> _logger;

    public DeviceReportQueue(IDeviceStateStore store, TimeProvider time, IOptions<HeldOptions> options, ILogger<DeviceReportQueue> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _time = time;
        _lifetime = options.Value.DeviceReportLifetime;
        _logger = logger;
        _channel = Channel.CreateBounded<(string, string, DeviceReport)>(
            new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true }, _ => Dropped());
    }

    /// <summary>Reports dropped unstored because the queue was full, since start.</summary>
    internal long DroppedTotal => Interlocked.Read(ref _dropped);

    private void Dropped()
    {
        var dropped = Interlocked.Increment(ref _dropped);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastDropLog);
        if ((last == 0 || _time.GetElapsedTime(last, now) >= DropLogInterval) && Interlocked.CompareExchange(ref _lastDropLog, now, last) == last)
            Log.Dropped(_logger, dropped, Capacity);
    }

    public void Enqueue(string tenant, string deviceKey, Evidence evidence) =>
        _channel.Writer.TryWrite((tenant, deviceKey, ToReport(evidence, _time.GetUtcNow())));

    /// <summary>The device's last report as evidence, or null (unknown, older than <paramref name="newerThan"/>, or store unavailable).</summary>
    public async Task<Evidence?> GetAsync(string tenant, string deviceKey, CancellationToken cancellationToken, DateTimeOffset? newerThan = null)
    {
        try
        {
            var report = await _store.GetAsync(tenant, deviceKey).WaitAsync(ReadTimeout, cancellationToken).ConfigureAwait(false);
            if (report is null || (newerThan is { } t && new DateTimeOffset(report.ReportedUtc, TimeSpan.Zero) < t)) return null;
            return ToEvidence(report);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ReadFailed(_logger, ex);
            return null;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (tenant, deviceKey, report) in _channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await _store.SetAsync(tenant, deviceKey, report, _lifetime).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.WriteFailed(_logger, ex);
            }
        }
    }

    /// <summary>The report kept for a device: what was seen and measured (the first LLDP neighbour).</summary>
    internal static DeviceReport ToReport(Evidence e, DateTimeOffset now)
    {
        var lldp = e.Lldp.Count > 0 ? e.Lldp[0] : null;
        return new DeviceReport(
            e.SourceAddress?.ToString(),
            e.ReportedAddress?.ToString(),
            e.DeviceMac?.ToDashString(),
            e.ServingBssid?.ToDashString(),
            e.NeighbourBssids.Count == 0 ? null : [.. e.NeighbourBssids.Select(b => b.ToDashString())],
            lldp is null ? null : new LldpReport(lldp.Chassis.Subtype, Convert.ToHexStringLower(lldp.Chassis.Octets)),
            lldp is null ? null : new LldpReport(lldp.Port.Subtype, Convert.ToHexStringLower(lldp.Port.Octets)),
            e.GatewayMac?.ToDashString(),
            now.UtcDateTime);
    }

    internal static Evidence ToEvidence(DeviceReport r) => new()
    {
        SourceAddress = ParseIp(r.SourceIp),
        ReportedAddress = ParseIp(r.ReportedIp),
        DeviceMac = ParseMac(r.Mac),
        ServingBssid = ParseMac(r.ServingBssid),
        GatewayMac = ParseMac(r.GatewayMac),
        NeighbourBssids = [.. (r.NeighbourBssids ?? []).Select(ParseMac).Where(m => m.HasValue).Select(m => m!.Value)],
        Lldp = ParseLldp(r.LldpChassis, r.LldpPort) is { } neighbour ? [neighbour] : [],
    };

    private static IPAddress? ParseIp(string? text) => text is not null && IPAddress.TryParse(text, out var ip) ? ip : null;

    private static MacAddress? ParseMac(string? text) => text is not null && MacAddress.TryParse(text, out var mac) ? mac : null;

    private static LldpNeighbour? ParseLldp(LldpReport? chassis, LldpReport? port) =>
        chassis is not null && port is not null &&
        LldpId.TryParseHex(chassis.Subtype, chassis.Hex, out var c) && LldpId.TryParseHex(port.Subtype, port.Hex, out var p)
            ? new LldpNeighbour(c!, p!)
            : null;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Could not store a device report; location URIs fall back to the evidence they carry")]
        public static partial void WriteFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Device reports dropped unstored, the queue of {Capacity} being full: {Dropped} since start")]
        public static partial void Dropped(ILogger logger, long dropped, int capacity);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Could not read a device report; using the evidence the request or token carries")]
        public static partial void ReadFailed(ILogger logger, Exception exception);
    }
}
