using LocationServer.Core.Wiremap;

namespace LocationServer.Data.Storage;

/// <summary>An address a user entered for a device on a network the wiremap does not know (nomadic, off-premises).</summary>
/// <param name="TenantId">Owning tenant.</param>
/// <param name="DeviceKey">Stable device identity (MAC or client instance id).</param>
/// <param name="NetworkFingerprint">Identifies the network (e.g. gateway MAC + SSID hash) so the address is reused there only.</param>
/// <param name="Address">The validated civic address (RFC 5139).</param>
/// <param name="CreatedUtc">Set by the store on first save.</param>
/// <param name="UpdatedUtc">Set by the store on every save.</param>
public sealed record NomadicAddress(
    string TenantId,
    string DeviceKey,
    string NetworkFingerprint,
    CivicAddress Address,
    DateTime CreatedUtc = default,
    DateTime UpdatedUtc = default)
{
    /// <summary>The point the GIS data geocoded the address to when it was stored, if any.</summary>
    public GeoPoint? Point { get; init; }

    /// <summary>How the GIS data judged the address when it was stored ("valid: …", "unchecked: …"), if it was checked.</summary>
    public string? Validation { get; init; }
}

/// <summary>
/// Devices asked from a network the wiremap does not know (alerted to the security desk, reported to admins): one
/// record per network and interval, counting the requests in it.
/// </summary>
/// <param name="TenantId">Tenant asked.</param>
/// <param name="DeviceKey">The first device that asked in the interval.</param>
/// <param name="NetworkFingerprint">The network.</param>
/// <param name="TimeUtc">The first request of the interval.</param>
/// <param name="Id">Record id; <see cref="Guid.Empty"/> lets the store assign one.</param>
/// <param name="RequestCount">Requests from the network in the interval so far.</param>
/// <param name="LastUtc">The latest request of the interval; null when it is the first.</param>
public sealed record UnknownNetworkEvent(
    string TenantId,
    string DeviceKey,
    string NetworkFingerprint,
    DateTime TimeUtc,
    Guid Id = default,
    int RequestCount = 1,
    DateTime? LastUtc = null);

/// <summary>One emergency (911) or test (933) call as routed: the audit trail for Kari's Law / RAY BAUM'S Act questions.</summary>
/// <param name="Id">Record id; <see cref="Guid.Empty"/> lets the store assign one.</param>
/// <param name="TenantId">Tenant of the caller.</param>
/// <param name="TimeUtc">When the call was routed.</param>
/// <param name="Dialed">The dialed string ("911", "933").</param>
/// <param name="CallingNumber">Caller's number, E.164 when known.</param>
/// <param name="TokenHash">SHA-256 of the location URI token used, never the token itself.</param>
/// <param name="LocationSource">How the location was found: "token", "did", "station", "none".</param>
/// <param name="LocationId">Dispatchable location or site id, when one was found.</param>
/// <param name="CivicDisplay">The address as one line, as it was at call time.</param>
/// <param name="RouteKind">"psap", "ecrc", "test".</param>
/// <param name="RouteUri">Where the call was sent.</param>
/// <param name="RouteName">Display name of the PSAP or relay centre.</param>
/// <param name="CallbackNumber">The ECBN sent.</param>
/// <param name="TestCall">True for 933.</param>
/// <param name="CallId">SIP Call-ID, for correlation with the call server.</param>
/// <param name="PolicyId">The emergency policy that decided the route, when one did.</param>
public sealed record CallRecord(
    Guid Id,
    string TenantId,
    DateTime TimeUtc,
    string Dialed,
    string? CallingNumber,
    string? TokenHash,
    string LocationSource,
    string? LocationId,
    string? CivicDisplay,
    string RouteKind,
    string? RouteUri,
    string? RouteName,
    string? CallbackNumber,
    bool TestCall,
    string? CallId,
    string? PolicyId = null);

/// <summary>
/// An ELIN lent to a caller for a PSAP callback window (Lync/ELIN gateway style): calls to the ELIN reach
/// <see cref="CallerNumber"/> until <see cref="ExpiresUtc"/>.
/// </summary>
public sealed record ElinAssignment(string TenantId, string Elin, string CallerNumber, string LocationId, DateTime AssignedUtc, DateTime ExpiresUtc);

/// <summary>Where a tenant's security desk receives alerts (webhook).</summary>
/// <param name="Id">Target id; <see cref="Guid.Empty"/> lets the store assign one.</param>
/// <param name="TenantId">Owning tenant.</param>
/// <param name="Url">HTTPS webhook URL.</param>
/// <param name="Kinds">Event kinds delivered, e.g. "call911", "call933", "ecrc", "unknownNetwork".</param>
/// <param name="Secret">Shared secret for the payload signature, if any.</param>
/// <param name="Scope">Where the target is attached: "tenant" (every alert of the tenant), "site" or "location".</param>
/// <param name="ScopeId">The site or dispatchable location id; null for tenant scope.</param>
/// <param name="Addresses">Every address of the target, <paramref name="Url"/> first, all of its channel; null for a target with one address.</param>
public sealed record AlertTarget(Guid Id, string TenantId, string Url, IReadOnlyList<string> Kinds, string? Secret, string Scope = "tenant", string? ScopeId = null, IReadOnlyList<string>? Addresses = null)
{
    /// <summary>Every address the target is reached at: <see cref="Addresses"/>, else <see cref="Url"/> alone.</summary>
    public IReadOnlyList<string> AllAddresses => Addresses is { Count: > 0 } ? Addresses : [Url];
}

/// <summary>State of an alert delivery.</summary>
public enum AlertDeliveryStatus
{
    Pending = 0,
    Delivered = 1,
    Failed = 2,
}

/// <summary>One alert to one target, retried until delivered or given up.</summary>
public sealed record AlertDelivery(
    Guid Id,
    Guid TargetId,
    string TenantId,
    string EventKind,
    string PayloadJson,
    int Attempts,
    AlertDeliveryStatus Status,
    string? LastError,
    DateTime CreatedUtc,
    DateTime? LastAttemptUtc,
    DateTime NextAttemptUtc,
    DateTime? DeliveredUtc);

/// <summary>
/// One alert as raised (911, 933, relay centre, unknown network, location changed), with its acknowledgement:
/// the first administrator who took it and when.
/// </summary>
/// <param name="Id">Alert id (32 hex digits), as in the webhook JSON and the live feed.</param>
/// <param name="TenantId">Owning tenant.</param>
/// <param name="Kind">Kind in its wire form (<c>emergency-call</c>, …).</param>
/// <param name="TimeUtc">When it was raised.</param>
/// <param name="SummaryJson">The alert JSON as sent to webhooks.</param>
/// <param name="AcknowledgedBy">Who acknowledged it (the audit actor), or null.</param>
/// <param name="AcknowledgedUtc">When it was acknowledged, or null.</param>
public sealed record StoredAlert(string Id, string TenantId, string Kind, DateTime TimeUtc, string SummaryJson, string? AcknowledgedBy = null, DateTime? AcknowledgedUtc = null);
