using LocationServer.Core.Matching;

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

/// <summary>
/// The outcome of redeeming a location token: the device's current location and RFC 4119 method, or why not; and
/// the device's MAC when the token knows it (for a per-device emergency endpoint); and the device key the HELD side
/// knows the device by (<c>mac:…</c>, <c>ip:…</c>), so a 911 call's window can follow the device's next requests.
/// </summary>
internal readonly record struct TokenResolution(TokenStatus Status, ResolvedLocation? Location, string? Method, Core.Identifiers.MacAddress? DeviceMac = null, string? DeviceKey = null)
{
    public static TokenResolution Resolved(ResolvedLocation location, string method, Core.Identifiers.MacAddress? deviceMac = null, string? deviceKey = null) => new(TokenStatus.Resolved, location, method, deviceMac, deviceKey);

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
