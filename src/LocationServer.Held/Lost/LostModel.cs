using System.Diagnostics.CodeAnalysis;
using LocationServer.Core.Wiremap;

namespace LocationServer.Held.Lost;

/// <summary>Geometry kinds this server maps (RFC 5222 §12.2 geodetic-2d, simplified).</summary>
public enum LostGeometryKind
{
    Point,
    Circle,
    Polygon,
}

/// <summary>
/// A geodetic-2d location: a point, a circle (one centre point plus <see cref="Radius"/> in metres), or a polygon
/// exterior ring (closing point included as sent). Ellipse and ArcBand arrive as their covering circle.
/// </summary>
public sealed record LostGeometry(LostGeometryKind Kind, IReadOnlyList<GeoPoint> Points, double? Radius = null);

/// <summary>One <c>location</c> of a <c>findService</c> request (RFC 5222 §8.3, §12).</summary>
public sealed record LostLocation(string Id, string? Profile)
{
    public CivicAddress? Civic { get; init; }
    public LostGeometry? Geometry { get; init; }
}

/// <summary><c>serviceBoundary</c> attribute of <c>findService</c> (RFC 5222 §8.3).</summary>
public enum ServiceBoundaryKind
{
    Reference,
    Value,
}

/// <summary>
/// A parsed LoST <c>findService</c> (RFC 5222 §8). <see cref="Location"/> is the first location whose profile this
/// server understands (RFC 5222 §12.1: order shows preference); <see cref="Locations"/> holds every understood one.
/// </summary>
public sealed record FindServiceRequest
{
    public bool ValidateLocation { get; init; }
    public ServiceBoundaryKind ServiceBoundary { get; init; }
    public bool Recursive { get; init; }
    public required IReadOnlyList<LostLocation> Locations { get; init; }
    public LostLocation Location => Locations[0];
    public string? Service { get; init; }

    /// <summary>The <c>source</c> of each <c>via</c> in the request's <c>path</c>, in order (RFC 5222 §6).</summary>
    public IReadOnlyList<string> Path { get; init; } = [];
}

/// <summary>LoST error and warning kinds (RFC 5222 §13.1, schema names).</summary>
public enum LostErrorKind
{
    BadRequest,
    Forbidden,
    InternalError,
    LocationInvalid,
    Loop,
    NotFound,
    ServerError,
    ServerTimeout,
    ServiceNotImplemented,
    LocationProfileUnrecognized,
}

/// <summary>
/// A LoST error to answer with. <see cref="RootElement"/> names the request's document element when it was not a
/// <c>findService</c>; <see cref="UnsupportedProfiles"/> fills <c>locationProfileUnrecognized</c>.
/// </summary>
public sealed record LostError(LostErrorKind Kind, string Message)
{
    public string? RootElement { get; init; }
    public IReadOnlyList<string>? UnsupportedProfiles { get; init; }
}

/// <summary>Either a parsed <c>findService</c> or the LoST error to send; parsing never throws.</summary>
public readonly struct LostParseResult
{
    private LostParseResult(FindServiceRequest? request, LostError? error)
    {
        Request = request;
        Error = error;
    }

    public FindServiceRequest? Request { get; }
    public LostError? Error { get; }

    [MemberNotNullWhen(true, nameof(Request))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsSuccess => Request is not null;

    public static LostParseResult Success(FindServiceRequest request) => new(request ?? throw new ArgumentNullException(nameof(request)), null);

    public static LostParseResult Failure(LostError error) => new(null, error ?? throw new ArgumentNullException(nameof(error)));
}

/// <summary>A <c>displayName</c>; <see cref="Language"/> is always written (Kamailio 5.6 crashes on a mapping without one).</summary>
public sealed record LostDisplayName(string Text, string Language = "en");

/// <summary>A LoST <c>mapping</c> (RFC 5222 §5). A null <see cref="Expires"/> is written as <c>NO-CACHE</c>.</summary>
public sealed record LostMapping
{
    public IReadOnlyList<LostDisplayName> DisplayNames { get; init; } = [];
    public required string Service { get; init; }
    public IReadOnlyList<string> Uris { get; init; } = [];

    /// <summary>Dial string, <c>[0-9*#]+</c> (e.g. "911").</summary>
    public string? ServiceNumber { get; init; }

    public DateTimeOffset? Expires { get; init; }
    public DateTimeOffset LastUpdated { get; init; }

    /// <summary>Authoritative server name (RFC 5222 appUniqueString, e.g. "ecrf.example").</summary>
    public required string Source { get; init; }

    public required string SourceId { get; init; }
}

/// <summary>LoST warning kinds usable in a response (RFC 5222 §13.2, as the schema allows).</summary>
public enum LostWarningKind
{
    ServiceSubstitution,
    DefaultMappingReturned,
}

/// <summary>One warning in a <c>warnings</c> container.</summary>
public sealed record LostWarning(LostWarningKind Kind, string? Message = null);

/// <summary>
/// <c>locationValidation</c> (RFC 5222 §8.4.2): RFC 5139 civic element names (e.g. "RD", "HNO") that were valid, invalid
/// or not checked; written namespace-qualified (RFC 6848 §6).
/// </summary>
public sealed record LostLocationValidation(IReadOnlyList<string> Valid, IReadOnlyList<string> Invalid, IReadOnlyList<string> Unchecked);

/// <summary>A <c>findServiceResponse</c> to write (RFC 5222 §8.4).</summary>
public sealed record FindServiceResponse
{
    public required IReadOnlyList<LostMapping> Mappings { get; init; }

    /// <summary>Written after the mappings when the request asked <c>validateLocation="true"</c> for a civic location.</summary>
    public LostLocationValidation? LocationValidation { get; init; }

    /// <summary>Warnings, written in one <c>warnings</c> element with <see cref="Source"/>.</summary>
    public IReadOnlyList<LostWarning> Warnings { get; init; } = [];

    /// <summary>The request's <c>via</c> sources; our <see cref="Source"/> is appended (RFC 5222 §6).</summary>
    public IReadOnlyList<string> RequestPath { get; init; } = [];

    /// <summary>This server's name (appUniqueString).</summary>
    public required string Source { get; init; }

    /// <summary>The <c>id</c> of the request location used (RFC 5222 §8.4.1); omitted when null.</summary>
    public string? LocationUsed { get; init; }
}
