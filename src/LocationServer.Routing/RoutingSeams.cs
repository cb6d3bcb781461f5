using LocationServer.Core.Matching;
using LocationServer.Core.Routing;

namespace LocationServer.Routing;

/// <summary>Whether a location token (RFC 5985 §6.5 location URI) redeemed, and if not, why.</summary>
internal enum TokenStatus
{
    Resolved,
    /// <summary>No such token (never issued, or purged).</summary>
    Unknown,
    /// <summary>The token's lifetime ended.</summary>
    Expired,
    /// <summary>The token failed its integrity check.</summary>
    Forged,
    /// <summary>The token belongs to another tenant than the one asking.</summary>
    ForeignTenant,
}

/// <summary>The outcome of redeeming a location token: the device's current location and RFC 4119 method, or why not.</summary>
internal readonly record struct TokenResolution(TokenStatus Status, ResolvedLocation? Location, string? Method)
{
    public static TokenResolution Resolved(ResolvedLocation location, string method) => new(TokenStatus.Resolved, location, method);

    public static TokenResolution Failed(TokenStatus status) => new(status, null, null);
}

/// <summary>Redeems location URIs or bare tokens; provided by the HELD side, which issues them.</summary>
internal interface ILocationTokenResolver
{
    /// <summary>
    /// Resolves <paramref name="reference"/> (a location URI or a bare token) for <paramref name="tenant"/> (the
    /// tenant's canonical id) to the device's <em>current</em> location (RFC 5985 §6.5, RFC 6753).
    /// </summary>
    ValueTask<TokenResolution> ResolveAsync(string tenant, string reference, CancellationToken cancellationToken);
}

/// <summary>A station located from its signalled MAC/IP.</summary>
internal sealed record StationMatch(ResolvedLocation Location, string Method, string Rule);

/// <summary>Locates a calling station from the MAC/IP its call server signalled.</summary>
internal interface IStationLocator
{
    ValueTask<StationMatch?> LocateAsync(TenantIndex tenant, StationIdentity station, CancellationToken cancellationToken);
}

/// <summary>Renders a PIDF-LO (RFC 4119, RFC 5491) for a location; provided by the HELD writer.</summary>
internal interface IPidfLoRenderer
{
    string Render(ResolvedLocation location, string method);
}

/// <summary>Durable record of every routed call; committed in the background after the routing answer, within 100 ms normally.</summary>
internal interface ICallRecordSink
{
    /// <summary>
    /// Queues <paramref name="record"/> to be made durable in the background and returns at once (the call is never
    /// kept waiting for its record): true when the store is taking writes, false when it is away and the record is
    /// held to be written when it returns.
    /// </summary>
    bool Enqueue(CallRecord record);
}

/// <summary>Where alerts are handed off; enqueueing never blocks or throws.</summary>
internal interface IAlertSink
{
    /// <summary>Queues <paramref name="alert"/> for delivery; false when it was dropped (queue full or stopped).</summary>
    bool TryEnqueue(AlertMessage alert);
}

/// <summary>
/// The durable copy of ELIN → caller assignments (the ELIN gateway's callback window), shared by every node.
/// Assignments are written with the call record that made them (<see cref="CallRecord.CallbackWindow"/>); the call
/// path itself reads only <see cref="ElinWindow"/>.
/// </summary>
internal interface IElinAssignmentStore
{
    /// <summary>Every tenant's assignments still inside their window at <paramref name="now"/> (loaded at start).</summary>
    Task<IReadOnlyList<ElinAssignment>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The active assignment of <paramref name="elin"/> (E.164), if any.</summary>
    Task<ElinAssignment?> FindAsync(string tenant, string elin, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="onAssigned"/> as nodes lend ELINs, this one included (best effort; taking in an
    /// assignment already held changes nothing). Dispose to unsubscribe.
    /// </summary>
    IDisposable Subscribe(Action<ElinAssignment> onAssigned);
}

/// <summary>Where a call's location came from (proto LocationSource).</summary>
internal enum LocationSourceKind
{
    None,
    Token,
    Station,
    Did,
}

/// <summary>Where a call is sent (proto RouteKind).</summary>
internal enum RouteDestination
{
    Psap,
    RelayCenter,
    TestService,
}

/// <summary>The durable record of one routed emergency or test call: what was asked, what was found and why, where it went.</summary>
internal sealed record CallRecord
{
    public required string Id { get; init; }
    public required string Tenant { get; init; }
    public required DateTimeOffset At { get; init; }
    public string? CallId { get; init; }
    public required string Dialed { get; init; }
    public required bool TestCall { get; init; }
    public string? CallingNumber { get; init; }
    public string? LocationReference { get; init; }
    public string? StationMac { get; init; }
    public string? StationIp { get; init; }
    public required LocationSourceKind Source { get; init; }
    public string? LocationId { get; init; }
    /// <summary>The location's address as one line, as it was at call time.</summary>
    public string? Address { get; init; }
    public string? Method { get; init; }
    /// <summary>Why this source was used (failed token, station miss, DID switch off).</summary>
    public required string Reason { get; init; }
    public required RouteDestination Destination { get; init; }
    public required string RouteUri { get; init; }
    public required string RouteName { get; init; }
    public string? PsapBoundaryId { get; init; }
    public required string CallbackNumber { get; init; }
    public required bool CallbackIsElin { get; init; }
    /// <summary>The callback window this call opened (the ELIN lent to the caller), made durable with the record.</summary>
    public ElinAssignment? CallbackWindow { get; init; }
}

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
