using System.Collections.Concurrent;
using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using LocationServer.Data.Redis;

namespace LocationServer.Routing.Alerts;

/// <summary>
/// Open emergency-call windows, held in memory on every node, and the <see cref="AlertEvent.LocationChanged"/> alert
/// they raise. A 911 call opens a window for its caller's device (the location URI's device, the station MAC and
/// address from signalling) and, when the call was located by DID, for that DID; the window lasts the call's
/// callback window (the policy's <c>callbackWindowMinutes</c>, else <c>Routing:CallbackWindowMinutes</c>), the time
/// a PSAP may call back and still rely on the caller's location. While it is open, the device's next HELD answer
/// at another dispatchable location (or another address: a user-entered address changed on the same network), and
/// a wiremap change that moves where the call's location URI, station or DID resolves to, raise one alert each.
/// <para>
/// The HELD path pays one call to <see cref="Observe"/>: a volatile read and, only while some window is open, a
/// dictionary probe on (tenant, device key); it allocates nothing unless the place changed. Windows reach the other
/// nodes through <see cref="ICallWatchBus"/> (Redis pub/sub, with a hash for nodes started later); when two nodes
/// notice the same change, a claim on (call, change number, new place) lets one of them alert.
/// </para>
/// </summary>
internal sealed partial class EmergencyCallWatch : BackgroundService
{
    /// <summary>How often closed windows are dropped and the shared ones re-read (the backstop for a missed message): 30 s.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly ICallWatchBus _bus;
    private readonly IAlertSink _alerts;
    private readonly WiremapIndexHolder _wiremap;
    private readonly ILocationTokenResolver? _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger<EmergencyCallWatch> _logger;
    private readonly Lock _gate = new();
    // Written under _gate (once per 911 call), read without a lock on the HELD path. Concurrent maps, not copied on
    // write: a burst of calls must not cost the size of the open windows per call. _byDevice also holds each
    // window's caller keys that HELD never asks for (CallerKeys: the DID, the location URI), so that a later call of
    // the same caller replaces the earlier window rather than adding one: the windows held are bounded by the callers
    // of the last callback window, not by the calls.
    private readonly ConcurrentDictionary<(string Tenant, string DeviceKey), Entry> _byDevice = new();
    private readonly ConcurrentDictionary<string, Entry> _byCall = new(StringComparer.Ordinal);
    private IDisposable? _subscription;
    private int _recheckPending;

    public EmergencyCallWatch(ICallWatchBus bus, IAlertSink alerts, WiremapIndexHolder wiremap, TimeProvider time, ILogger<EmergencyCallWatch> logger, ILocationTokenResolver? tokens = null)
    {
        _bus = bus;
        _alerts = alerts;
        _wiremap = wiremap;
        _tokens = tokens;
        _time = time;
        _logger = logger;
    }

    /// <summary>Windows open on this node (closed ones until the next prune).</summary>
    public int Count => _byCall.Count;

    /// <summary>The device key the HELD side gives a device known by its MAC: <c>mac:xx-xx-…</c>.</summary>
    public static string DeviceKey(MacAddress mac) => "mac:" + mac.ToDashString();

    /// <summary>The device key the HELD side gives a device known by its address only: <c>ip:address</c>.</summary>
    public static string DeviceKey(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return "ip:" + (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    /// <summary>Opens the window of a routed 911 call here and on every node.</summary>
    public void Open(CallWatchMessage window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var replaced = Take(window);
        _ = AnnounceAsync(window, replaced);
    }

    /// <summary>
    /// The HELD path's one call: device <paramref name="deviceKey"/> of <paramref name="tenant"/> was just answered
    /// with <paramref name="location"/> (a wiremap match, or a user-entered address when <paramref name="rule"/> is
    /// <see cref="MatchRule.Nomadic"/>). Alerts when a window of the device is open and the place differs from the
    /// last one seen; otherwise returns at once.
    /// </summary>
    public void Observe(string tenant, string deviceKey, ResolvedLocation location, MatchRule rule)
    {
        if (_byDevice.IsEmpty || !_byDevice.TryGetValue((tenant, deviceKey), out var entry)) return;
        var seen = Volatile.Read(ref entry.State);
        if (string.Equals(seen.LocationId, location.Id, StringComparison.Ordinal) && string.Equals(seen.Address, location.Display, StringComparison.Ordinal)) return;
        Changed(entry, deviceKey, location.Id, location.Display, rule == MatchRule.Nomadic ? LocationChangeCause.UserEntered : LocationChangeCause.Held);
    }

    /// <summary>Takes in a window announced by any node, or a later state of one held (more changes seen).</summary>
    public void Merge(CallWatchMessage window) => Take(window);

    /// <summary>
    /// <see cref="Merge"/>; returns the calls whose windows <paramref name="window"/> replaced: every key of theirs
    /// now names a later call of the same caller, whose window is the one a PSAP calls back in.
    /// </summary>
    private List<string>? Take(CallWatchMessage window)
    {
        ArgumentNullException.ThrowIfNull(window);
        lock (_gate)
        {
            if (_byCall.TryGetValue(window.CallRecordId, out var held))
            {
                lock (held)
                {
                    if (window.Moves > held.State.Moves) Volatile.Write(ref held.State, window);
                }
                return null;
            }
            if (window.Until <= _time.GetUtcNow()) return null;
            var entry = new Entry(window);
            List<string>? replaced = null;
            foreach (var key in CallerKeys(window))
            {
                // A later call of the same caller takes its place: its window is the one a PSAP calls back in.
                if (_byDevice.TryGetValue((window.Tenant, key), out var earlier))
                {
                    if (earlier.State.CallAt > window.CallAt) continue;
                    if (--earlier.Keys == 0 && _byCall.TryRemove(earlier.State.CallRecordId, out _)) (replaced ??= []).Add(earlier.State.CallRecordId);
                }
                _byDevice[(window.Tenant, key)] = entry;
                entry.Keys++;
            }
            // Every key already names a later call (an old window read back late): nothing to hold.
            if (entry.Keys > 0) _byCall[window.CallRecordId] = entry;
            return replaced;
        }
    }

    /// <summary>
    /// The keys a window is held under: the device keys HELD asks about, and (never asked about by HELD) the DID the
    /// call was located by and, for a call known only by its location URI, that URI.
    /// </summary>
    private static List<string> CallerKeys(CallWatchMessage window)
    {
        var keys = new List<string>(window.DeviceKeys.Count + 1);
        foreach (var key in window.DeviceKeys)
            if (!keys.Contains(key)) keys.Add(key);
        if (window.Did is not null) keys.Add("call-did:" + window.Did);
        if (keys.Count == 0 && window.Reference is not null) keys.Add("call-uri:" + window.Reference);
        return keys;
    }

    /// <summary>Drops windows closed before <paramref name="now"/>; returns how many.</summary>
    public int Prune(DateTimeOffset now)
    {
        lock (_gate)
        {
            var closed = _byCall.Values.Where(e => e.State.Until <= now).ToList();
            if (closed.Count == 0) return 0;
            foreach (var call in _byCall.Where(p => p.Value.State.Until <= now).Select(p => p.Key).ToList()) _byCall.TryRemove(call, out _);
            foreach (var device in _byDevice.Where(p => p.Value.State.Until <= now).Select(p => p.Key).ToList()) _byDevice.TryRemove(device, out _);
            return closed.Count;
        }
    }

    /// <summary>
    /// Re-resolves every open window's call after a wiremap change (the location URI, else the station, else the
    /// DID) and alerts those whose place moved. Returns when done (tests await it; the index swap does not).
    /// </summary>
    public async Task RecheckAsync(CancellationToken cancellationToken)
    {
        var index = _wiremap.Current;
        foreach (var entry in _byCall.Values)
        {
            var state = Volatile.Read(ref entry.State);
            if (!index.TryGetTenant(state.Tenant, out var tenant)) continue;
            ResolvedLocation? now = null;
            try
            {
                if (state.Reference is not null && _tokens is not null)
                {
                    var resolution = await _tokens.ResolveAsync(state.Tenant, state.Reference, cancellationToken).ConfigureAwait(false);
                    now = resolution.Status == TokenStatus.Resolved ? resolution.Location : null;
                }
                else if (Station(state) is { IsEmpty: false } station)
                {
                    now = WiremapStationLocator.Locate(tenant, station)?.Location;
                }
                else if (state.Did is not null && tenant.TryGetDid(state.Did, out var did))
                {
                    now = did.Location;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.RecheckFailed(_logger, state.CallRecordId, ex);
                continue;
            }
            // A call that no longer resolves anywhere has not been located somewhere else.
            if (now is null) continue;
            if (string.Equals(state.LocationId, now.Id, StringComparison.Ordinal) && string.Equals(state.Address, now.Display, StringComparison.Ordinal)) continue;
            Changed(entry, state.DeviceKeys.Count > 0 ? state.DeviceKeys[0] : null, now.Id, now.Display, LocationChangeCause.Wiremap);
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = _bus.Subscribe(Merge);
        _wiremap.Swapped += OnSwapped;
        await LoadAsync().ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _wiremap.Swapped -= OnSwapped;
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Prune(_time.GetUtcNow());
            await LoadAsync().ConfigureAwait(false);
        }
    }

    private async Task LoadAsync()
    {
        try
        {
            foreach (var window in await _bus.ListAsync(_time.GetUtcNow()).ConfigureAwait(false)) Merge(window);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.LoadFailed(_logger, ex);
        }
    }

    private void OnSwapped(WiremapIndex index)
    {
        // Nothing open, nothing to re-resolve; several swaps in a row are re-checked once.
        if (_byCall.IsEmpty || Interlocked.Exchange(ref _recheckPending, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            Interlocked.Exchange(ref _recheckPending, 0);
            try
            {
                await RecheckAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Log.RecheckFailed(_logger, "*", ex);
            }
        });
    }

    /// <summary>Records the new place under the entry's lock (so later polls from there are quiet) and raises the alert off the caller's path.</summary>
    private void Changed(Entry entry, string? deviceKey, string locationId, string address, LocationChangeCause cause)
    {
        var now = _time.GetUtcNow();
        CallWatchMessage before, after;
        lock (entry)
        {
            before = entry.State;
            if (before.Until <= now) return;
            if (string.Equals(before.LocationId, locationId, StringComparison.Ordinal) && string.Equals(before.Address, address, StringComparison.Ordinal)) return;
            after = before with { LocationId = locationId, Address = address, Moves = before.Moves + 1 };
            Volatile.Write(ref entry.State, after);
        }
        _ = RaiseAsync(before, after, deviceKey, cause, now);
    }

    private async Task RaiseAsync(CallWatchMessage before, CallWatchMessage after, string? deviceKey, LocationChangeCause cause, DateTimeOffset now)
    {
        await Task.Yield();
        try
        {
            bool first;
            try
            {
                first = await _bus.TryClaimAsync($"{after.CallRecordId}:{after.Moves}:{after.LocationId}", after.Until - now + TimeSpan.FromMinutes(1)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Without the shared claim a duplicate is possible; a missed alert is the worse failure.
                Log.ClaimFailed(_logger, after.CallRecordId, ex);
                first = true;
            }
            if (!first) return;
            _alerts.TryEnqueue(new LocationChangedAlert
            {
                Id = RandomIds.NewVersion7String(now),
                Tenant = after.Tenant,
                Event = AlertEvent.LocationChanged,
                At = now,
                CallRecordId = after.CallRecordId,
                CallAt = after.CallAt,
                CallingNumber = after.CallingNumber,
                CallerName = after.CallerName,
                DeviceKey = deviceKey,
                PreviousLocationId = before.LocationId,
                PreviousAddress = before.Address,
                LocationId = after.LocationId,
                Address = after.Address,
                Cause = cause,
                WindowEnds = after.Until,
            });
            Log.LocationChanged(_logger, after.CallRecordId, after.Tenant, cause, after.Moves);
            await AnnounceAsync(after).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.RaiseFailed(_logger, after.CallRecordId, ex);
        }
    }

    private async Task AnnounceAsync(CallWatchMessage window, IReadOnlyList<string>? replaced = null)
    {
        try
        {
            await _bus.PublishAsync(window, replaced ?? []).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.AnnounceFailed(_logger, window.CallRecordId, ex);
        }
    }

    private static StationIdentity Station(CallWatchMessage state)
    {
        MacAddress? mac = state.StationMac is not null && MacAddress.TryParse(state.StationMac, out var parsed) ? parsed : null;
        var address = state.StationIp is not null && IPAddress.TryParse(state.StationIp, out var ip) ? ip : null;
        return new StationIdentity(mac, address);
    }

    /// <summary>One open window; <see cref="State"/> is replaced whole, under the entry's lock.</summary>
    private sealed class Entry(CallWatchMessage state)
    {
        public CallWatchMessage State = state;

        /// <summary>How many of its caller keys still name this window (under the watch's gate); none: replaced.</summary>
        public int Keys;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5701, Level = LogLevel.Information, Message = "Caller of 911 call {CallRecordId} (tenant {Tenant}) located elsewhere during the callback window ({Cause}, change {Change})")]
        public static partial void LocationChanged(ILogger logger, string callRecordId, string tenant, LocationChangeCause cause, int change);

        [LoggerMessage(EventId = 5702, Level = LogLevel.Warning, Message = "Emergency-call windows could not be read from the other nodes; retried in 30 s")]
        public static partial void LoadFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5703, Level = LogLevel.Warning, Message = "Emergency-call window of call {CallRecordId} could not be announced to the other nodes")]
        public static partial void AnnounceFailed(ILogger logger, string callRecordId, Exception exception);

        [LoggerMessage(EventId = 5704, Level = LogLevel.Warning, Message = "A location change of call {CallRecordId} could not be claimed across nodes; alerted here")]
        public static partial void ClaimFailed(ILogger logger, string callRecordId, Exception exception);

        [LoggerMessage(EventId = 5705, Level = LogLevel.Error, Message = "Location-change alert of call {CallRecordId} could not be raised")]
        public static partial void RaiseFailed(ILogger logger, string callRecordId, Exception exception);

        [LoggerMessage(EventId = 5706, Level = LogLevel.Warning, Message = "Emergency-call window of call {CallRecordId} could not be re-resolved after a wiremap change")]
        public static partial void RecheckFailed(ILogger logger, string callRecordId, Exception exception);
    }
}
