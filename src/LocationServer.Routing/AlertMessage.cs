namespace LocationServer.Routing;

/// <summary>
/// Kinds of alert a security desk subscribes to. On the wire (the JSON <c>event</c> and the
/// <c>X-LocationServer-Event</c> header) each kind is written in kebab case (<c>relay-center-call</c>); see
/// <see cref="Alerts.AlertEventNames"/>.
/// </summary>
internal enum AlertEvent
{
    /// <summary>A 911 call routed to a PSAP (Kari's Law notification).</summary>
    EmergencyCall,
    /// <summary>A 933 test call.</summary>
    TestCall,
    /// <summary>A 911 call sent to the relay centre because no dispatchable location or PSAP was found.</summary>
    RelayCenterCall,
    /// <summary>A device asked for its location (HELD) from a network with no wiremap entry and no stored address.</summary>
    UnknownNetwork,
    /// <summary>
    /// A device that placed a 911 call was located somewhere else while the call's callback window was open (its next
    /// HELD answer, a user-entered address, or a wiremap change moved it).
    /// </summary>
    LocationChanged,
}

/// <summary>One alert as posted (JSON) to the tenant's webhooks: the fields every kind carries.</summary>
internal abstract record AlertMessage
{
    /// <summary>Alert id; with the target's name it is the delivery's <c>Idempotency-Key</c>.</summary>
    public required string Id { get; init; }
    public required string Tenant { get; init; }
    public required AlertEvent Event { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>An alert about a routed call (<see cref="AlertEvent.EmergencyCall"/>, <see cref="AlertEvent.TestCall"/>, <see cref="AlertEvent.RelayCenterCall"/>).</summary>
internal sealed record RoutingAlert : AlertMessage
{
    public required string CallRecordId { get; init; }
    public string? CallingNumber { get; init; }
    /// <summary>Who called, when the calling number is a DID assigned to a named user.</summary>
    public string? CallerName { get; init; }
    public string? CallbackNumber { get; init; }
    public string? LocationId { get; init; }
    public string? Address { get; init; }
    public required string RouteName { get; init; }
    public required string RouteUri { get; init; }
    public required LocationSourceKind Source { get; init; }
}

/// <summary>
/// An alert that a device asked for its location from an unknown network (<see cref="AlertEvent.UnknownNetwork"/>):
/// the device key and network fingerprint as recorded in the tenant's unknown-network events.
/// </summary>
internal sealed record UnknownNetworkAlert : AlertMessage
{
    /// <summary>The device: <c>mac:xx-xx-…</c> when its MAC is known, else <c>ip:address</c>.</summary>
    public required string DeviceKey { get; init; }
    /// <summary>The network: <c>gw:</c> gateway MAC, <c>ap:</c> access point, <c>net:</c> address prefix, or <c>unknown</c>.</summary>
    public required string NetworkFingerprint { get; init; }
    /// <summary>Id of the stored unknown-network event; absent when it could not be stored.</summary>
    public string? UnknownNetworkEventId { get; init; }
}

/// <summary>What moved a caller's location during an open emergency-call window.</summary>
internal enum LocationChangeCause
{
    /// <summary>The device's own HELD request (and the network it reported) resolved to another place.</summary>
    Held,
    /// <summary>The device's user entered an address, or changed it, on its network.</summary>
    UserEntered,
    /// <summary>An administrator's wiremap change moved the place the call's location URI, station or DID resolves to.</summary>
    Wiremap,
}

/// <summary>
/// A caller of a 911 call located somewhere else while the call's callback window is open
/// (<see cref="AlertEvent.LocationChanged"/>): who called, the call record, the place at the call (or at the last
/// change) and the place now.
/// </summary>
internal sealed record LocationChangedAlert : AlertMessage
{
    public required string CallRecordId { get; init; }
    /// <summary>When the 911 call was routed.</summary>
    public required DateTimeOffset CallAt { get; init; }
    public string? CallingNumber { get; init; }
    public string? CallerName { get; init; }
    /// <summary>The device as the HELD side names it (<c>mac:…</c>, <c>ip:…</c>); absent for a DID's location.</summary>
    public string? DeviceKey { get; init; }
    public string? PreviousLocationId { get; init; }
    public string? PreviousAddress { get; init; }
    public string? LocationId { get; init; }
    public string? Address { get; init; }
    public required LocationChangeCause Cause { get; init; }
    /// <summary>When the callback window closes.</summary>
    public required DateTimeOffset WindowEnds { get; init; }
}
