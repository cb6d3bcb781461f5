using System.Xml;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Xml;

namespace LocationServer.Held.Lost;

/// <summary>
/// Reads a LoST <c>findService</c> request (RFC 5222 §8.3) with the baseline <c>civic</c> and <c>geodetic-2d</c>
/// profiles (§12.2, §12.3). Same protections as the HELD reader (no DTD, no resolver, size and depth caps); UTF-8 and
/// UTF-16 are both allowed here (RFC 5222 §16). Every failure is returned as a <see cref="LostError"/>.
/// </summary>
public static class LostRequestReader
{
    /// <summary>Default cap on the request body (bytes).</summary>
    public const int DefaultMaxBytes = 64 * 1024;

    private static readonly string[] OtherQueries =
    [
        "listServices", "listServicesByLocation", "getServiceBoundary", "findServiceResponse", "listServicesResponse",
        "listServicesByLocationResponse", "getServiceBoundaryResponse", "errors", "redirect",
    ];

    /// <summary>Parses a request body read synchronously from <paramref name="body"/>.</summary>
    public static LostParseResult Parse(Stream body, int maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(body);
        byte[] buffer;
        int length;
        bool tooLarge;
        try
        {
            buffer = RequestBody.Read(body, maxBytes, out length, out tooLarge);
        }
        catch (IOException ex)
        {
            return Fail(LostErrorKind.BadRequest, "The request body could not be read: " + ex.Message);
        }
        return tooLarge ? Fail(LostErrorKind.BadRequest, $"The request body exceeds {maxBytes} bytes.") : ParseBuffer(buffer, length, maxBytes);
    }

    /// <summary>Reads <paramref name="body"/> asynchronously, then parses.</summary>
    public static async ValueTask<LostParseResult> ParseAsync(Stream body, int maxBytes = DefaultMaxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        byte[] buffer;
        int length;
        bool tooLarge;
        try
        {
            (buffer, length, tooLarge) = await RequestBody.ReadAsync(body, maxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            return Fail(LostErrorKind.BadRequest, "The request body could not be read: " + ex.Message);
        }
        return tooLarge ? Fail(LostErrorKind.BadRequest, $"The request body exceeds {maxBytes} bytes.") : ParseBuffer(buffer, length, maxBytes);
    }

    private static LostParseResult Fail(LostErrorKind kind, string message) => LostParseResult.Failure(new LostError(kind, message));

    private static LostParseResult ParseBuffer(byte[] buffer, int length, int maxBytes)
    {
        if (length == 0) return Fail(LostErrorKind.BadRequest, "The request body is empty.");
        LostError? error = null;
        FindServiceRequest? request = null;
        try
        {
            using var xml = XmlReader.Create(new MemoryStream(buffer, 0, length, writable: false), WireFormat.ReaderSettings(maxBytes));
            var reader = new GuardedReader(xml);
            if (!reader.MoveToDocumentElement(out _)) return Fail(LostErrorKind.BadRequest, "The request body holds no XML element.");
            if (xml.NamespaceURI != Ns.Lost || xml.LocalName != "findService")
            {
                var known = xml.NamespaceURI == Ns.Lost && OtherQueries.Contains(xml.LocalName);
                var name = known ? xml.LocalName : reader.ExpandedName();
                reader.Drain();
                return LostParseResult.Failure(new LostError(LostErrorKind.BadRequest,
                    known ? $"{name} is not supported by this server; only findService is." : $"{name} is not a LoST request.")
                { RootElement = name });
            }
            request = ReadFindService(reader, ref error);
            reader.Drain();
        }
        catch (XmlException ex)
        {
            return Fail(LostErrorKind.BadRequest, "The request is not well-formed XML: " + ex.Message);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return Fail(LostErrorKind.BadRequest, "The request body is not valid UTF-8 or UTF-16.");
        }
        return error is not null ? LostParseResult.Failure(error) : LostParseResult.Success(request!);
    }

    private static FindServiceRequest? ReadFindService(GuardedReader reader, ref LostError? error)
    {
        var r = reader.R;
        var validate = false;
        var recursive = false;
        var boundary = ServiceBoundaryKind.Reference;
        if (r.GetAttribute("validateLocation") is { } v && !WireFormat.TryParseBoolean(v, out validate))
            error ??= new LostError(LostErrorKind.BadRequest, "validateLocation is not a boolean.");
        if (r.GetAttribute("recursive") is { } rec && !WireFormat.TryParseBoolean(rec, out recursive))
            error ??= new LostError(LostErrorKind.BadRequest, "recursive is not a boolean.");
        switch (r.GetAttribute("serviceBoundary")?.Trim())
        {
            case null or "reference": break;
            case "value": boundary = ServiceBoundaryKind.Value; break;
            default: error ??= new LostError(LostErrorKind.BadRequest, "serviceBoundary must be reference or value."); break;
        }

        var locations = new List<LostLocation>(2);
        var unsupported = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var sawLocation = false;
        string? service = null;
        var path = new List<string>();
        if (!r.IsEmptyElement)
        {
            var depth = r.Depth;
            while (reader.NextChild(depth))
            {
                if (r.NamespaceURI != Ns.Lost) continue;
                switch (r.LocalName)
                {
                    case "location":
                        sawLocation = true;
                        var id = WireFormat.CollapseWhitespace(r.GetAttribute("id") ?? string.Empty);
                        if (id.Length == 0) error ??= new LostError(LostErrorKind.BadRequest, "location without id (RFC 5222 §8.3).");
                        else if (!ids.Add(id)) error ??= new LostError(LostErrorKind.BadRequest, $"location id \"{id}\" is not unique (RFC 5222 §8.3.1).");
                        var location = ReadLocation(reader, id, unsupported, ref error);
                        if (location is not null) locations.Add(location);
                        break;
                    case "service":
                        var text = reader.ReadText().Trim();
                        service = text.Length == 0 ? null : text;
                        break;
                    case "path":
                        ReadPath(reader, path);
                        break;
                }
            }
        }
        if (error is not null) return null;
        if (!sawLocation)
        {
            error = new LostError(LostErrorKind.BadRequest, "findService needs at least one location (RFC 5222 §8.3).");
            return null;
        }
        if (locations.Count == 0)
        {
            error = new LostError(LostErrorKind.LocationProfileUnrecognized, "No location uses a profile this server implements (civic, geodetic-2d).")
            { UnsupportedProfiles = unsupported };
            return null;
        }
        return new FindServiceRequest
        {
            ValidateLocation = validate,
            Recursive = recursive,
            ServiceBoundary = boundary,
            Locations = locations,
            Service = service,
            Path = path,
        };
    }

    private static void ReadPath(GuardedReader reader, List<string> path)
    {
        var r = reader.R;
        if (r.IsEmptyElement) return;
        var depth = r.Depth;
        while (reader.NextChild(depth))
        {
            if (r.NamespaceURI == Ns.Lost && r.LocalName == "via" && r.GetAttribute("source") is { } source && source.Trim().Length > 0)
                path.Add(source.Trim());
        }
    }

    private static LostLocation? ReadLocation(GuardedReader reader, string id, List<string> unsupported, ref LostError? error)
    {
        var r = reader.R;
        var profile = r.GetAttribute("profile")?.Trim();
        if (r.IsEmptyElement)
        {
            error ??= new LostError(LostErrorKind.LocationInvalid, $"location \"{id}\" is empty.");
            return null;
        }
        var depth = r.Depth;
        LostLocation? result = null;
        var understood = profile is null or "civic" or "geodetic-2d";
        if (!understood) unsupported.Add(WireFormat.IsNmToken(profile) ? profile! : "unknown");
        while (reader.NextChild(depth))
        {
            if (!understood || result is not null) continue;
            if (profile is null or "civic" && r.NamespaceURI == Ns.Civic && r.LocalName == "civicAddress")
            {
                result = new LostLocation(id, "civic") { Civic = CivicAddressReader.Read(reader) };
            }
            else if (profile is null or "geodetic-2d" && r.NamespaceURI is Ns.Gml or Ns.GeoShape)
            {
                var geometry = GeometryReader.Read(reader, out var problem);
                if (geometry is null) error ??= new LostError(LostErrorKind.LocationInvalid, $"location \"{id}\": {problem}");
                else result = new LostLocation(id, "geodetic-2d") { Geometry = geometry };
            }
        }
        if (understood && result is null && error is null)
            error = new LostError(LostErrorKind.LocationInvalid, $"location \"{id}\" holds no {profile ?? "civic or geodetic-2d"} location.");
        return result;
    }
}

/// <summary>Reads the RFC 5491 §5 shapes the geodetic-2d profile allows (RFC 5222 §12.2) into <see cref="LostGeometry"/>.</summary>
internal static class GeometryReader
{
    public static LostGeometry? Read(GuardedReader reader, out string? problem)
    {
        var r = reader.R;
        problem = null;
        var shape = r.LocalName;
        var ns = r.NamespaceURI;
        var srs = r.GetAttribute("srsName")?.Trim();
        var dimension = 2;
        if (srs is not null)
        {
            // RFC 5222's own figures misspell the CRS URN ("EPSG:4326", "def::crs"); accept those, reject other CRSs.
            if (srs.EndsWith(":4326", StringComparison.Ordinal) && srs.Contains("EPSG", StringComparison.OrdinalIgnoreCase)) dimension = 2;
            else if (srs.EndsWith(":4979", StringComparison.Ordinal) && srs.Contains("EPSG", StringComparison.OrdinalIgnoreCase)) dimension = 3;
            else
            {
                problem = $"srsName \"{srs}\" is not WGS 84 (EPSG::4326 or EPSG::4979).";
                return null;
            }
        }
        var points = new List<GeoPoint>(4);
        double? radius = null;
        var kind = (ns, shape) switch
        {
            (Ns.Gml, "Point") => LostGeometryKind.Point,
            (Ns.GeoShape, "Circle" or "Ellipse" or "ArcBand") => LostGeometryKind.Circle,
            (Ns.Gml, "Polygon") => LostGeometryKind.Polygon,
            _ => (LostGeometryKind?)null,
        };
        if (kind is null)
        {
            problem = $"shape {shape} is not supported in geodetic-2d.";
            return null;
        }
        if (!r.IsEmptyElement)
        {
            var depth = r.Depth;
            while (reader.Read())
            {
                if (r.NodeType == XmlNodeType.EndElement && r.Depth == depth) break;
                if (r.NodeType != XmlNodeType.Element) continue;
                switch (r.LocalName)
                {
                    case "pos" or "posList" when r.NamespaceURI == Ns.Gml:
                        if (!ReadPositions(reader.ReadText(), dimension, points)) { problem = $"gml:{r.LocalName} is not a list of lat lon values."; return null; }
                        break;
                    case "radius" or "semiMajorAxis" or "outerRadius" when r.NamespaceURI == Ns.GeoShape:
                        var uom = r.GetAttribute("uom")?.Trim();
                        var text = reader.ReadText();
                        if (uom is not (null or Ns.UomMetre) || !WireFormat.TryParseDouble(text.Trim(), out var d) || d < 0)
                        {
                            problem = $"gs:{r.LocalName} must be a distance in metres ({Ns.UomMetre}).";
                            return null;
                        }
                        radius = Math.Max(radius ?? 0, d);
                        break;
                }
            }
        }
        foreach (var p in points)
        {
            if (!p.IsValid) { problem = "a position is outside WGS 84 ranges."; return null; }
        }
        switch (kind)
        {
            case LostGeometryKind.Point when points.Count == 1:
                return new LostGeometry(LostGeometryKind.Point, points);
            case LostGeometryKind.Circle when points.Count == 1 && radius is not null:
                return new LostGeometry(LostGeometryKind.Circle, points, radius);
            case LostGeometryKind.Polygon when points.Count >= 4:
                return new LostGeometry(LostGeometryKind.Polygon, points);
            default:
                problem = $"{shape} has the wrong number of positions or no radius.";
                return null;
        }
    }

    private static bool ReadPositions(string text, int dimension, List<GeoPoint> points)
    {
        Span<double> values = stackalloc double[3];
        var n = 0;
        var span = text.AsSpan();
        foreach (var range in span.SplitAny(" \t\r\n"))
        {
            var token = span[range];
            if (token.IsEmpty) continue;
            if (!WireFormat.TryParseDouble(token, out values[n])) return false;
            if (++n == dimension)
            {
                points.Add(new GeoPoint(values[0], values[1], dimension == 3 ? values[2] : null));
                n = 0;
                if (points.Count > 1000) return false;
            }
        }
        return n == 0;
    }
}
