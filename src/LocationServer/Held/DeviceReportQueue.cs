using System.Net;
using System.Threading.Channels;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Data;
using Microsoft.Extensions.Options;

namespace LocationServer.Held;

/// <summary>
/// Keeps each device's last network report (shared through Redis when configured) so identity queries and location
/// URIs see where a device was last seen. Writes leave the HELD path through a bounded queue: a slow or absent
/// Redis never delays an answer; reads used by dereference are bounded by a short timeout.
/// </summary>
internal sealed partial class DeviceReportQueue : BackgroundService
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMilliseconds(250);
    private readonly Channel<(string Tenant, string DeviceKey, DeviceReport Report)> _channel =
        Channel.CreateBounded<(string, string, DeviceReport)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
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
    }

    public void Enqueue(string tenant, string deviceKey, Evidence evidence) =>
        _channel.Writer.TryWrite((tenant, deviceKey, ToReport(evidence, _time.GetUtcNow())));

    /// <summary>The device's last report as evidence, or null (unknown, older than <paramref name="newerThan"/>, or store unavailable).</summary>
    public async Task<Evidence?> GetAsync(string tenant, string deviceKey, CancellationToken cancellationToken, DateTimeOffset? newerThan = null)
    {
        try
        {
            var report = await _store.GetAsync(tenant, deviceKey).WaitAsync(ReadTimeout, cancellationToken).ConfigureAwait(false);
            if (report is null || (newerThan is { } t && report.Time < t)) return null;
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

    internal static DeviceReport ToReport(Evidence e, DateTimeOffset now) => new()
    {
        SourceIp = e.SourceAddress?.ToString(),
        ReportedIp = e.ReportedAddress?.ToString(),
        Mac = e.DeviceMac?.ToDashString(),
        ServingBssid = e.ServingBssid?.ToDashString(),
        NeighbourBssids = [.. e.NeighbourBssids.Select(b => b.ToDashString())],
        Lldp = [.. e.Lldp.Select(n => new LldpReport(n.Chassis.Subtype, Convert.ToHexStringLower(n.Chassis.Octets), n.Port.Subtype, Convert.ToHexStringLower(n.Port.Octets)))],
        GatewayMac = e.GatewayMac?.ToDashString(),
        Time = now,
    };

    internal static Evidence ToEvidence(DeviceReport r) => new()
    {
        SourceAddress = ParseIp(r.SourceIp),
        ReportedAddress = ParseIp(r.ReportedIp),
        DeviceMac = ParseMac(r.Mac),
        ServingBssid = ParseMac(r.ServingBssid),
        GatewayMac = ParseMac(r.GatewayMac),
        NeighbourBssids = [.. (r.NeighbourBssids ?? []).Select(ParseMac).Where(m => m.HasValue).Select(m => m!.Value)],
        Lldp = [.. (r.Lldp ?? []).Select(ParseLldp).OfType<LldpNeighbour>()],
    };

    private static IPAddress? ParseIp(string? text) => text is not null && IPAddress.TryParse(text, out var ip) ? ip : null;

    private static MacAddress? ParseMac(string? text) => text is not null && MacAddress.TryParse(text, out var mac) ? mac : null;

    private static LldpNeighbour? ParseLldp(LldpReport l) =>
        LldpId.TryParseHex(l.ChassisSubtype, l.ChassisHex, out var chassis) && LldpId.TryParseHex(l.PortSubtype, l.PortHex, out var port)
            ? new LldpNeighbour(chassis!, port!)
            : null;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Could not store a device report; location URIs fall back to the evidence they carry")]
        public static partial void WriteFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Could not read a device report; using the evidence the request or token carries")]
        public static partial void ReadFailed(ILogger logger, Exception exception);
    }
}
