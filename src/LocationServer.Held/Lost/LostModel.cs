using LocationServer.Core.Wiremap;

namespace LocationServer.Held.Lost;

/// <summary>Geometry shapes of the LoST geodetic-2d profile this server reads (RFC 5222 §12.2).</summary>
public enum LostShape
{
    Point,
    Circle,
    Polygon,
}

/// <summary>A geodetic-2d location: the shape's points (lat, lon) and, for a circle, its radius in metres.</summary>
public sealed record LostGeometry(LostShape Shape, IReadOnlyList<GeoPoint> Points, double? RadiusMeters = null)
{
    /// <summary>A representative point: the point, the circle's centre, or the polygon's vertex average.</summary>
    public GeoPoint Representative()
    {
        if (Shape != LostShape.Polygon || Points.Count < 2) return Points[0];
        // The closing vertex repeats the first.
        var count = Points[0] == Points[^1] ? Points.Count - 1 : Points.Count;
        double lat = 0, lon = 0;
        for (var i = 0; i < count; i++)
        {
            lat += Points[i].Latitude;
            lon += Points[i].Longitude;
        }
        return new GeoPoint(lat / count, lon / count);
    }
}

/// <summary>One <c>location</c> of a findService: its id, profile and content (civic or geodetic).</summary>
public sealed record LostLocation(string Id, string? Profile, CivicAddress? Civic, LostGeometry? Geometry);

/// <summary>A parsed LoST <c>findService</c> (RFC 5222 §8).</summary>
public sealed record FindServiceRequest
{
    public required IReadOnlyList<LostLocation> Locations { get; init; }
    public required string Service { get; init; }
    public bool ValidateLocation { get; init; }
    public string ServiceBoundary { get; init; } = "reference";
    public bool Recursive { get; init; }
    /// <summary>The <c>via</c> sources of the request's <c>path</c>, in order.</summary>
    public IReadOnlyList<string> Path { get; init; } = [];
    /// <summary>Profiles of locations that had none this server understands.</summary>
    public IReadOnlyList<string> UnsupportedProfiles { get; init; } = [];
}

/// <summary>LoST error kinds (RFC 5222 §13.1).</summary>
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

/// <summary>A LoST error as a value.</summary>
public sealed record LostError(LostErrorKind Kind, string Message, IReadOnlyList<string>? UnsupportedProfiles = null)
{
    public static string ElementName(LostErrorKind kind) => kind switch
    {
        LostErrorKind.BadRequest => "badRequest",
        LostErrorKind.Forbidden => "forbidden",
        LostErrorKind.InternalError => "internalError",
        LostErrorKind.LocationInvalid => "locationInvalid",
        LostErrorKind.Loop => "loop",
        LostErrorKind.NotFound => "notFound",
        LostErrorKind.ServerError => "serverError",
        LostErrorKind.ServerTimeout => "serverTimeout",
        LostErrorKind.ServiceNotImplemented => "serviceNotImplemented",
        LostErrorKind.LocationProfileUnrecognized => "locationProfileUnrecognized",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

/// <summary>Either a findService request or the LoST error to answer with.</summary>
public readonly record struct LostParseResult(FindServiceRequest? Request, LostError? Error);

/// <summary>One mapping of a findServiceResponse (RFC 5222 §5).</summary>
public sealed record LostMapping
{
    /// <summary>Always written (Kamailio 5.6's lost module fails without it).</summary>
    public required string DisplayName { get; init; }
    public string DisplayNameLanguage { get; init; } = "en";
    public required string Service { get; init; }
    public required IReadOnlyList<string> Uris { get; init; }
    public string? ServiceNumber { get; init; }
    public required DateTimeOffset Expires { get; init; }
    public required DateTimeOffset LastUpdated { get; init; }
    public required string Source { get; init; }
    public required string SourceId { get; init; }
}

/// <summary>A findServiceResponse to write.</summary>
public sealed record FindServiceResponse
{
    public required IReadOnlyList<LostMapping> Mappings { get; init; }
    /// <summary>Warnings (RFC 5222 §13.2) by element name, e.g. "defaultMappingReturned", with a message.</summary>
    public IReadOnlyList<(string Kind, string Message)> Warnings { get; init; } = [];
    public required string Source { get; init; }
    /// <summary>The request's path; this server's source is appended (RFC 5222 §6).</summary>
    public IReadOnlyList<string> Path { get; init; } = [];
    public string? LocationUsed { get; init; }
}
