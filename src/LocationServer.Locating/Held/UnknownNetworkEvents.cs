using System.Threading.Channels;
using LocationServer.Data.Storage;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using Microsoft.Extensions.Options;

namespace LocationServer.Held;

/// <summary>
/// Records "unknown network location" events (a device asked from a network with no wiremap entry and no stored
/// address) off the request path, for wiremap gap reports, and hands each to the alert sink as an
/// <see cref="AlertEvent.UnknownNetwork"/> alert for the tenant's security desks. A device polling from the same
/// unknown network is alerted at most once per <see cref="AlertOptions.UnknownNetworkIntervalMinutes"/>; every
/// request is still recorded.
/// </summary>
internal sealed partial class UnknownNetworkEvents(
    IServiceProvider services,
    IAlertSink alerts,
    IOptions<AlertOptions> options,
    TimeProvider time,
    ILogger<UnknownNetworkEvents> logger) : BackgroundService
{
    private readonly Channel<(string Tenant, string DeviceKey, string? Fingerprint, DateTimeOffset Time)> _channel =
        Channel.CreateBounded<(string, string, string?, DateTimeOffset)>(new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    // Touched only by the single reader loop.
    private readonly Dictionary<(string Tenant, string DeviceKey, string Fingerprint), DateTimeOffset> _lastAlerted = [];
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    private TimeSpan Interval => TimeSpan.FromMinutes(options.Value.UnknownNetworkIntervalMinutes);

    public void Enqueue(string tenant, string deviceKey, string? fingerprint) =>
        _channel.Writer.TryWrite((tenant, deviceKey, fingerprint, time.GetUtcNow()));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (tenant, deviceKey, fingerprint, at) in _channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            var recorded = new UnknownNetworkEvent(tenant, deviceKey, fingerprint ?? "unknown", at.UtcDateTime);
            Guid? storedId = null;
            try
            {
                var store = services.GetRequiredService<WiremapStore>();
                storedId = (await store.AddUnknownNetworkEventAsync(recorded, stoppingToken).ConfigureAwait(false)).Id;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.RecordFailed(logger, ex);
            }
            // The desk still hears of the request when the store is down; only the event id is missing then.
            try
            {
                Alert(recorded, at, storedId);
            }
            catch (Exception ex)
            {
                Log.AlertFailed(logger, ex);
            }
        }
    }

    private void Alert(UnknownNetworkEvent recorded, DateTimeOffset at, Guid? storedId)
    {
        var interval = Interval;
        Sweep(at, interval);
        var key = (recorded.TenantId, recorded.DeviceKey, recorded.NetworkFingerprint);
        if (_lastAlerted.TryGetValue(key, out var last) && at - last < interval) return;
        var alert = new UnknownNetworkAlert
        {
            Id = Guid.CreateVersion7(at).ToString("N"),
            Tenant = recorded.TenantId,
            Event = AlertEvent.UnknownNetwork,
            At = at,
            DeviceKey = recorded.DeviceKey,
            NetworkFingerprint = recorded.NetworkFingerprint,
            UnknownNetworkEventId = storedId?.ToString("N"),
        };
        // A full queue drops the alert (the dispatcher logs drops); the next request from the network tries again.
        if (alerts.TryEnqueue(alert)) _lastAlerted[key] = at;
    }

    /// <summary>Forgets devices not alerted within the interval, so the table holds only recently alerted ones.</summary>
    private void Sweep(DateTimeOffset now, TimeSpan interval)
    {
        if (now - _lastSweep < interval) return;
        _lastSweep = now;
        foreach (var (key, last) in _lastAlerted)
            if (now - last >= interval) _lastAlerted.Remove(key);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Could not record an unknown-network event")]
        public static partial void RecordFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Could not queue an unknown-network alert")]
        public static partial void AlertFailed(ILogger logger, Exception exception);
    }
}
