using LocationServer.Core.Wiremap;

namespace LocationServer.Held;

/// <summary>A PIDF-LO document (RFC 3863, RFC 4119, RFC 5491) to write.</summary>
public sealed record PidfLo
{
    /// <summary>The presentity: an unlinkable pseudonym such as <c>pres:3f9c…@lis.example</c> (RFC 5985 §6.6).</summary>
    public required string Entity { get; init; }
    public required IReadOnlyList<PidfLocation> Locations { get; init; }
}

/// <summary>
/// One located place. A civic address and a point of the same place are written as separate tuples, each with its
/// own <c>geopriv</c> (RFC 5491 §3 rule 2), in the order the request asked for the types (civic first otherwise).
/// </summary>
public sealed record PidfLocation
{
    /// <summary>Base of the tuple ids (an xs:ID: a letter or '_' first); "-civic"/"-geo" are appended.</summary>
    public string TupleId { get; init; } = "loc";
    public CivicAddress? Civic { get; init; }
    public GeoPoint? Point { get; init; }
    /// <summary>When set with a point, the point is written as a <c>gs:Circle</c> of this radius (metres).</summary>
    public double? UncertaintyRadiusMeters { get; init; }
    /// <summary>RFC 4119 method token, registered spelling (Wiremap, Manual, DHCP, 802.11, LLDP-MED, …).</summary>
    public required string Method { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
    public required DateTimeOffset RetentionExpiry { get; init; }
    public bool RetransmissionAllowed { get; init; }
    /// <summary>RFC 7105 <c>lmsrc:source</c> list, e.g. "lis" or "lis device"; null to omit.</summary>
    public string? Source { get; init; }
    /// <summary>Requested type order ("Civic", "Geodetic"); decides which tuple comes first.</summary>
    public IReadOnlyList<string>? LocationTypesOrder { get; init; }
}
