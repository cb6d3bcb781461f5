using System.Threading.Channels;
using LocationServer.Data.Storage;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using Microsoft.Extensions.Options;

namespace LocationServer.Locating.Held;

/// <summary>
/// Counts "unknown network location" requests (a device asked from a network with no wiremap entry and no stored
/// address) off the request path, per tenant and network: one record per network and
/// <see cref="AlertOptions.UnknownNetworkIntervalMinutes"/> holding the request count, written every
/// <see cref="HeldLimitOptions.UnknownNetworkFlushMilliseconds"/>, and one <see cref="AlertEvent.UnknownNetwork"/>
/// alert per network and interval (whichever devices ask), carrying that record's id. However many devices a flood
/// makes up, it writes one record per network and interval, and memory holds at most
/// <see cref="HeldLimitOptions.MaxTrackedNetworks"/> networks.
/// </summary>
internal sealed partial class UnknownNetworkEvents(
    IServiceProvider services,
    IAlertSink alerts,
    IOptions<AlertOptions> options,
    IOptions<HeldLimitOptions> limits,
    TimeProvider time,
    ILogger<UnknownNetworkEvents> logger) : BackgroundService
{
    private static readonly TimeSpan DropLogInterval = TimeSpan.FromSeconds(10);
    private readonly Channel<(string Tenant, string DeviceKey, string? Fingerprint, DateTimeOffset Time)> _channel =
        Channel.CreateBounded<(string, string, string?, DateTimeOffset)>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });

    private readonly Lock _gate = new();
    // The current interval of each network; guarded by _gate.
    private readonly Dictionary<(string Tenant, string Fingerprint), Interval> _networks = [];
    // Intervals replaced by a newer one before their last count was written; guarded by _gate.
    private readonly List<Interval> _closed = [];
    private long _notCounted;
    private long _lastDropLog;

    private TimeSpan IntervalLength => TimeSpan.FromMinutes(options.Value.UnknownNetworkIntervalMinutes);

    /// <summary>Requests that could not be counted (queue or network table full) since start.</summary>
    internal long NotCounted => Interlocked.Read(ref _notCounted);

    public void Enqueue(string tenant, string deviceKey, string? fingerprint)
    {
        if (!_channel.Writer.TryWrite((tenant, deviceKey, fingerprint, time.GetUtcNow()))) NotCountedOne();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var flushing = FlushLoopAsync(stoppingToken);
        try
        {
            await foreach (var (tenant, deviceKey, fingerprint, at) in _channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    Count(tenant, deviceKey, fingerprint ?? "unknown", at);
                }
                catch (Exception ex)
                {
                    Log.AlertFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await flushing.ConfigureAwait(false);
        // What was counted since the last flush is still written on the way out.
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private void Count(string tenant, string deviceKey, string fingerprint, DateTimeOffset at)
    {
        var length = IntervalLength;
        UnknownNetworkAlert? alert = null;
        Interval? current;
        lock (_gate)
        {
            var key = (tenant, fingerprint);
            if (!_networks.TryGetValue(key, out current) || at - current.First >= length)
            {
                if (current is null && _networks.Count >= limits.Value.MaxTrackedNetworks)
                {
                    NotCountedOne();
                    return;
                }
                if (current is { Dirty: true }) _closed.Add(current);
                current = new Interval(Guid.CreateVersion7(at), tenant, deviceKey, fingerprint, at);
                _networks[key] = current;
            }
            else
            {
                current.Count++;
                current.Last = at;
                current.Dirty = true;
            }
            if (!current.Alerted)
            {
                alert = new UnknownNetworkAlert
                {
                    Id = Guid.CreateVersion7(at).ToString("N"),
                    Tenant = tenant,
                    Event = AlertEvent.UnknownNetwork,
                    At = at,
                    DeviceKey = current.DeviceKey,
                    NetworkFingerprint = fingerprint,
                    UnknownNetworkEventId = current.Id.ToString("N"),
                };
            }
        }
        // A full queue drops the alert (the dispatcher logs drops); the next request from the network tries again.
        if (alert is not null && alerts.TryEnqueue(alert))
            lock (_gate) current.Alerted = true;
    }

    private async Task FlushLoopAsync(CancellationToken stoppingToken)
    {
        // Write pacing is wall-clock I/O cadence, not the domain time the intervals are measured in.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(limits.Value.UnknownNetworkFlushMilliseconds), TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                await FlushAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes the counts changed since the last flush, and forgets intervals written and ended an interval ago.</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var length = IntervalLength;
        List<(Interval Interval, UnknownNetworkEvent Record)> pending = [];
        lock (_gate)
        {
            foreach (var closed in _closed) pending.Add((closed, closed.ToRecord()));
            _closed.Clear();
            List<(string, string)>? ended = null;
            foreach (var (key, interval) in _networks)
            {
                if (interval.Dirty) pending.Add((interval, interval.ToRecord()));
                // Forgotten a whole interval after it ended, not at once: a request still in the queue (counted by the
                // time it arrived) must find its interval, not open a second one and alert twice.
                else if (now - interval.First >= length * 2) (ended ??= []).Add(key);
                interval.Dirty = false;
            }
            foreach (var key in ended ?? []) _networks.Remove(key);
        }
        if (pending.Count == 0) return;
        try
        {
            var store = services.GetRequiredService<WiremapStore>();
            foreach (var chunk in pending.Chunk(500))
                await store.SaveUnknownNetworkCountsAsync([.. chunk.Select(p => p.Record)], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RecordFailed(logger, pending.Count, ex);
            // Written on the next flush, with whatever was counted meanwhile.
            lock (_gate)
                foreach (var (interval, _) in pending)
                    interval.Dirty = true;
        }
    }

    private void NotCountedOne()
    {
        Interlocked.Increment(ref _notCounted);
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastDropLog);
        if ((last == 0 || time.GetElapsedTime(last, now) >= DropLogInterval) && Interlocked.CompareExchange(ref _lastDropLog, now, last) == last)
            Log.NotCounted(logger, Interlocked.Read(ref _notCounted), limits.Value.MaxTrackedNetworks);
    }

    /// <summary>One network's current interval: its record id, first device, request count and times.</summary>
    private sealed class Interval(Guid id, string tenant, string deviceKey, string fingerprint, DateTimeOffset first)
    {
        public Guid Id { get; } = id;
        public string DeviceKey { get; } = deviceKey;
        public DateTimeOffset First { get; } = first;
        public DateTimeOffset Last { get; set; } = first;
        public int Count { get; set; } = 1;
        public bool Dirty { get; set; } = true;
        public bool Alerted { get; set; }

        public UnknownNetworkEvent ToRecord() =>
            new(tenant, DeviceKey, fingerprint, First.UtcDateTime, Id, Count, Count > 1 ? Last.UtcDateTime : null);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Could not record {Count} unknown-network counts; they are written with the next flush")]
        public static partial void RecordFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = 1303, Level = LogLevel.Error, Message = "Could not queue an unknown-network alert")]
        public static partial void AlertFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Unknown-network requests not counted: {NotCounted} since start (queue full, or {MaxNetworks} networks already tracked)")]
        public static partial void NotCounted(ILogger logger, long notCounted, int maxNetworks);
    }
}
