using LocationServer.Core.Wiremap;

namespace LocationServer.Held.Pidf;

/// <summary>
/// A PIDF-LO document to write (RFC 3863, RFC 4119, RFC 5491). <see cref="Entity"/> should be a fresh, unlinkable
/// presentity such as <c>pres:3f9a…@lis.example</c> (RFC 5985 §6.6).
/// </summary>
public sealed record PidfLo(string Entity, IReadOnlyList<PidfLocation> Locations);

/// <summary>
/// One location for a PIDF-LO: a civic address, a point (with optional uncertainty radius, giving a circle or sphere),
/// or both. All shapes of one <see cref="PidfLocation"/> share method, source and times (RFC 5491 §3 rule 5).
/// </summary>
public sealed record PidfLocation
{
    /// <summary>Tuple id; made into a valid xs:ID when it is not one (RFC 3863 §4.4, digest gotcha 10).</summary>
    public required string TupleId { get; init; }

    public CivicAddress? Civic { get; init; }

    public GeoPoint? Point { get; init; }

    /// <summary>Uncertainty radius in metres (95 % recommended, RFC 5491 §5.2.3): a gs:Circle, or gs:Sphere with altitude.</summary>
    public double? UncertaintyRadiusMeters { get; init; }

    /// <summary>IANA method token, e.g. "Wiremap", "Manual", "802.11", "LLDP-MED", "DHCP" (RFC 4119 §2.2.3).</summary>
    public required string Method { get; init; }

    /// <summary>When the location was determined; written as the tuple timestamp.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary><c>gbp:retention-expiry</c> (RFC 4119 §2.2.2).</summary>
    public DateTimeOffset RetentionExpiry { get; init; }

    /// <summary><c>gbp:retransmission-allowed</c>; false unless the Rule Maker allows it (RFC 4119 §2.2.2).</summary>
    public bool RetransmissionAllowed { get; init; }

    /// <summary>RFC 7105 §4.4 <c>lmsrc:source</c> value list ("lis", "device", "other", space-separated); omitted when null.</summary>
    public string? Source { get; init; }

    /// <summary>Free-text note on who provided the location, written as the tuple's <c>note</c> (RFC 3863 §4.1.7).</summary>
    public string? ProvidedBy { get; init; }

    /// <summary>
    /// Order of the civic and geodetic tuples, usually the request's <c>locationType</c> order (RFC 5985 §6.2);
    /// types other than civic/geodetic are ignored. Null or empty: civic first.
    /// </summary>
    public IReadOnlyList<LocationType>? LocationTypesOrder { get; init; }
}
