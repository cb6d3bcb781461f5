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
