using LocationServer.Core.Routing;

namespace LocationServer.Routing;

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
    /// <summary>Not routed by our location data (policy testOnly or disabled): the call server's own emergency route.</summary>
    CallServerDefault,
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
    /// <summary>The emergency policy that decided the route, when one did.</summary>
    public string? PolicyId { get; init; }
}
