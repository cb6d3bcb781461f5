using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Matching;

/// <summary>The rule that located a device, in fixed precedence order (DOMAIN.md): lower values win.</summary>
public enum MatchRule
{
    /// <summary>No wiremap element matched.</summary>
    None = 0,
    Bssid = 1,
    BssidPrefix = 2,
    ChassisPort = 3,
    Chassis = 4,
    DeviceMac = 5,
    Subnet = 6,
    GatewayMac = 7,
    PublicIp = 8,
    /// <summary>A user-entered (nomadic) address stored for this device and network.</summary>
    Nomadic = 9,
}

/// <summary>Which piece of evidence an answer rests on.</summary>
public enum EvidenceField
{
    None = 0,
    ServingBssid,
    NeighbourBssid,
    Lldp,
    DeviceMac,
    ReportedAddress,
    SourceAddress,
    GatewayMac,
    NetworkFingerprint,
}

/// <summary>
/// The answer of a wiremap lookup: which rule matched, on what evidence, which element, and the resolved
/// location. <see cref="OffPremises"/> marks a match on a VPN/NAT range: such devices are answered
/// <c>notLocatable</c>, never with an address.
/// </summary>
public readonly record struct MatchResult(
    MatchRule Rule,
    EvidenceField Evidence,
    NetworkElement? Element,
    ResolvedLocation? Location,
    bool OffPremises)
{
    public static MatchResult NoMatch => default;

    /// <summary>True when a location was found.</summary>
    public bool Found => Location is not null && !OffPremises;
}

/// <summary>
/// A dispatchable location with everything an answer needs precomputed at index build time: the effective civic
/// address (site address refined by floor, unit, room, text), point, ELINs and callback number.
/// </summary>
public sealed class ResolvedLocation
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string SiteId { get; init; }
    public required CivicAddress Civic { get; init; }
    public GeoPoint? Point { get; init; }
    public IReadOnlyList<string> Elins { get; init; } = [];
    /// <summary>Effective ECBN: location, else site, else tenant.</summary>
    public string? CallbackNumber { get; init; }
    /// <summary>True when this is a whole site (matched by gateway or public IP), not a room or floor.</summary>
    public bool IsSiteLevel { get; init; }
    /// <summary>One-line address for people.</summary>
    public required string Display { get; init; }
    /// <summary>
    /// For a user-entered (nomadic) address: how the GIS data judged it when it was stored (e.g. "valid: address
    /// point", "unchecked: …"), so a call record can say why the call went where it did. Null for wiremap locations.
    /// </summary>
    public string? Validation { get; init; }
}
