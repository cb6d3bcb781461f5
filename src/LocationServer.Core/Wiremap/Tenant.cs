namespace LocationServer.Core.Wiremap;

/// <summary>
/// An enterprise (or a service provider's customer). Everything in the wiremap belongs to exactly one tenant,
/// and no lookup ever crosses tenants.
/// </summary>
/// <param name="Id">Short stable identifier used in URLs, e.g. "acme" (lower-case letters, digits, '-').</param>
/// <param name="Name">Display name.</param>
/// <param name="CompanyUuid">The "Company UUID" a Cisco MPP phone is provisioned with, if any.</param>
/// <param name="DidFallback">When true, HELD devices with no usable token or wiremap match are located by DID.</param>
/// <param name="CallbackNumber">Tenant-wide emergency callback number (ECBN), if any.</param>
public sealed record Tenant(
    string Id,
    string Name,
    Guid? CompanyUuid = null,
    bool DidFallback = false,
    string? CallbackNumber = null);

/// <summary>A building with its civic address (RFC 5139) and an optional geodetic point.</summary>
public sealed record Site(
    string Id,
    string Name,
    CivicAddress Address,
    GeoPoint? Point = null,
    string? CallbackNumber = null)
{
    /// <summary>
    /// The GIS data version <see cref="Point"/> was geocoded from when the server placed it from the address (a site
    /// saved without a point); null when the point was given by the administrator, or there is none.
    /// </summary>
    public long? GeocodedVersion { get; init; }

    /// <summary>
    /// The Microsoft Teams LIS civic address this site was imported from or exported as (<c>CivicAddressId</c>);
    /// null when the site never met a Teams file.
    /// </summary>
    public Guid? TeamsCivicAddressId { get; init; }

    /// <summary>
    /// The Teams LIS <c>DefaultLocationId</c> of that civic address: network rows naming it map to the site itself.
    /// </summary>
    public Guid? TeamsLocationId { get; init; }
}

/// <summary>
/// A dispatchable location (ERL) inside a site: the site's address refined by floor, unit, room and a short
/// location text, optionally with its own point, ELINs and callback number.
/// </summary>
public sealed record DispatchableLocation(
    string Id,
    string SiteId,
    string? Floor = null,
    string? Unit = null,
    string? Room = null,
    string? Text = null,
    GeoPoint? Point = null,
    IReadOnlyList<string>? Elins = null,
    string? CallbackNumber = null)
{
    /// <summary>
    /// The GIS data version <see cref="Point"/> was geocoded from (the site's address) when the server placed it; null
    /// when the point was given by the administrator, or there is none.
    /// </summary>
    public long? GeocodedVersion { get; init; }

    /// <summary>The Microsoft Teams LIS <c>LocationId</c> this location was imported from; null when none.</summary>
    public Guid? TeamsLocationId { get; init; }
}

/// <summary>The kinds of network element a wiremap maps to locations, in precedence order (most specific first).</summary>
public enum ElementKind
{
    /// <summary>Wi-Fi BSSID, exact (48-bit).</summary>
    Bssid = 0,
    /// <summary>Wi-Fi BSSID prefix wildcard for multi-BSSID access points, e.g. "00:11:22:33:44:5*" (bits given by <see cref="NetworkElement.PrefixBits"/>).</summary>
    BssidPrefix = 1,
    /// <summary>LLDP chassis ID plus port ID.</summary>
    ChassisPort = 2,
    /// <summary>LLDP chassis ID alone (the whole switch).</summary>
    Chassis = 3,
    /// <summary>A device MAC pinned to a location.</summary>
    DeviceMac = 4,
    /// <summary>IPv4 or IPv6 subnet; the longest prefix wins.</summary>
    Subnet = 5,
    /// <summary>Upstream gateway MAC identifying a site.</summary>
    GatewayMac = 6,
    /// <summary>Public IP range (as seen by the server, e.g. behind NAT) identifying a site.</summary>
    PublicIp = 7,
}

/// <summary>
/// One wiremap entry. <see cref="Value"/> is the identifier in any accepted spelling; it is normalised when the
/// index is built. Exactly one of <see cref="LocationId"/> and <see cref="SiteId"/> is set, unless
/// <see cref="OffPremises"/> is true, in which case neither is (the range is answered <c>notLocatable</c>).
/// </summary>
/// <param name="Kind">What the value identifies.</param>
/// <param name="Value">
/// Bssid/BssidPrefix/DeviceMac/GatewayMac: a MAC in colon, dash, dot or bare-hex form (a prefix may end in '*');
/// Chassis: "[subtype:]id"; ChassisPort: "[subtype:]chassis|[subtype:]port"; Subnet/PublicIp: CIDR or a single address.
/// </param>
public sealed record NetworkElement(
    ElementKind Kind,
    string Value,
    string? LocationId = null,
    string? SiteId = null,
    bool OffPremises = false,
    string? Description = null);

/// <summary>A telephone number (DID) assigned to a user or device, located at a dispatchable location.</summary>
/// <param name="Number">E.164 digits with '+', e.g. "+15125550100".</param>
/// <param name="LocationId">Where the number's user normally sits.</param>
/// <param name="CallbackNumber">Per-user ECBN override, if any.</param>
/// <param name="HeldCapable">False for devices that never speak HELD: they are always located by DID.</param>
public sealed record DidAssignment(
    string Number,
    string LocationId,
    string? CallbackNumber = null,
    bool HeldCapable = true,
    string? User = null);

/// <summary>
/// A party allowed to make RFC 6155 third-party (identity) requests for a tenant's devices, e.g. a call server.
/// Authenticated by an API key (HTTP Bearer or Basic password) and/or a source address range.
/// </summary>
/// <param name="Name">Requester name, used as the Basic user name and in audit records.</param>
/// <param name="KeySha256">Hex SHA-256 of the API key; null when only <see cref="SourceCidrs"/> authenticate.</param>
/// <param name="SourceCidrs">Source address ranges the requester connects from (return routability), if any.</param>
/// <param name="ReferenceOnly">
/// Answer this requester by reference only (RFC 5985 §6.5, RFC 6753): a <c>locationURI</c> and never a PIDF-LO,
/// whatever location types it asks for; the URI then dereferences only with this requester's own credentials.
/// </param>
public sealed record Requester(
    string Name,
    string? KeySha256 = null,
    IReadOnlyList<string>? SourceCidrs = null,
    bool ReferenceOnly = false);

/// <summary>A tenant's whole wiremap: what an administrator imports, exports and edits.</summary>
public sealed record TenantWiremap(
    Tenant Tenant,
    IReadOnlyList<Site> Sites,
    IReadOnlyList<DispatchableLocation> Locations,
    IReadOnlyList<NetworkElement> Elements,
    IReadOnlyList<DidAssignment> Dids,
    IReadOnlyList<Requester> Requesters)
{
    /// <summary>Emergency policies of the tenant, its sites and its networks (docs/policies.md); empty by default.</summary>
    public IReadOnlyList<EmergencyPolicy> Policies { get; init; } = [];
}
