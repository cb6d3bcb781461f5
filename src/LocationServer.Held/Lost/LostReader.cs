using System.Globalization;
using System.Xml;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Xml;

namespace LocationServer.Held.Lost;

/// <summary>
/// Reads LoST <c>findService</c> requests (RFC 5222 §8) with the same hardened reader as HELD. Understands the
/// baseline profiles: <c>civic</c> (RFC 5139) and <c>geodetic-2d</c> (Point, Circle, Polygon; RFC 5491 shapes).
/// </summary>
public static class LostReader
{
    public const string LostNamespace = "urn:ietf:params:xml:ns:lost1";
    private const string Gml = PidfLoWriter.GmlNamespace;
    private const string Gs = PidfLoWriter.GeoShapeNamespace;

    public static LostParseResult Parse(byte[] body, int maxBytes = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length == 0) return Fail(LostErrorKind.BadRequest, "The request body is empty.");
        if (body.Length > maxBytes) return Fail(LostErrorKind.BadRequest, $"The request is larger than {maxBytes} bytes.");
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body, writable: false), XmlFormat.ReaderSettings(maxBytes));
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (reader.NamespaceURI != LostNamespace)
                    return Fail(LostErrorKind.BadRequest, $"'{reader.LocalName}' is not a LoST message.");
                if (reader.LocalName != "findService")
                    return Fail(LostErrorKind.BadRequest, $"'{reader.LocalName}' is not supported by this server; send findService.");
                var result = ReadFindService(reader);
                if (result.Error is null)
                {
                    while (reader.Read())
                    {
                    }
                }
                return result;
            }
            return Fail(LostErrorKind.BadRequest, "The request has no document element.");
        }
        catch (XmlException ex)
        {
            return Fail(LostErrorKind.BadRequest, "The request is not well-formed XML: " + ex.Message);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return Fail(LostErrorKind.BadRequest, "The request is not valid UTF-8 or UTF-16 (RFC 5222 §16).");
        }
    }

    private static LostParseResult ReadFindService(XmlReader reader)
    {
        var validate = Bool(reader.GetAttribute("validateLocation"));
        var boundary = reader.GetAttribute("serviceBoundary") ?? "reference";
        var recursive = Bool(reader.GetAttribute("recursive"));
        var locations = new List<LostLocation>();
        var unsupported = new List<string>();
        var path = new List<string>();
        string? service = null;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (reader.Depth > XmlFormat.MaxDepth) return Fail(LostErrorKind.BadRequest, "The request is nested too deeply.");
                if (reader.NamespaceURI != LostNamespace)
                {
                    HeldRequestReader.SkipElement(reader);
                    continue;
                }
                switch (reader.LocalName)
                {
                    case "location":
                    {
                        var id = reader.GetAttribute("id");
                        var profile = reader.GetAttribute("profile");
                        if (string.IsNullOrEmpty(id)) return Fail(LostErrorKind.BadRequest, "location needs an id (RFC 5222 §8.3).");
                        var (location, error) = ReadLocation(reader, id, profile);
                        if (error is not null) return Fail(LostErrorKind.LocationInvalid, error);
                        if (location is null) unsupported.Add(profile ?? "(none)");
                        else locations.Add(location);
                        break;
                    }
                    case "service":
                        service = HeldRequestReader.ReadText(reader).Trim();
                        break;
                    case "path":
                        ReadPath(reader, path);
                        break;
                    default:
                        HeldRequestReader.SkipElement(reader);
                        break;
                }
            }
        }
        if (string.IsNullOrEmpty(service)) return Fail(LostErrorKind.BadRequest, "findService needs a service URN.");
        if (locations.Count == 0)
        {
            return unsupported.Count > 0
                ? new LostParseResult(null, new LostError(LostErrorKind.LocationProfileUnrecognized, "No location in a profile this server understands (civic, geodetic-2d).", unsupported))
                : Fail(LostErrorKind.BadRequest, "findService needs a location.");
        }
        return new LostParseResult(new FindServiceRequest
        {
            Locations = locations,
            Service = service,
            ValidateLocation = validate,
            ServiceBoundary = boundary,
            Recursive = recursive,
            Path = path,
            UnsupportedProfiles = unsupported,
        }, null);
    }

    private static (LostLocation? Location, string? Error) ReadLocation(XmlReader reader, string id, string? profile)
    {
        if (reader.IsEmptyElement) return (null, "location is empty.");
        var depth = reader.Depth;
        LostLocation? result = null;
        string? error = null;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
            if (reader.NodeType != XmlNodeType.Element) continue;
            if (result is not null || error is not null)
            {
                HeldRequestReader.SkipElement(reader);
                continue;
            }
            var ns = reader.NamespaceURI;
            var name = reader.LocalName;
            if (ns == PidfLoWriter.CivicNamespace && name == "civicAddress" && profile is null or "civic")
            {
                var (civic, civicError) = CivicAddressReader.Read(reader);
                if (civicError is not null) error = civicError;
                else result = new LostLocation(id, "civic", civic, null);
            }
            else if (profile is null or "geodetic-2d" && ((ns == Gml && name is "Point" or "Polygon") || (ns == Gs && name == "Circle")))
            {
                var (geometry, geometryError) = ReadGeometry(reader, name);
                if (geometryError is not null) error = geometryError;
                else result = new LostLocation(id, "geodetic-2d", null, geometry);
            }
            else
            {
                HeldRequestReader.SkipElement(reader);
            }
        }
        return (result, error);
    }

    private static (LostGeometry? Geometry, string? Error) ReadGeometry(XmlReader reader, string shape)
    {
        var srs = reader.GetAttribute("srsName");
        if (srs is not null && !srs.Contains("4326", StringComparison.Ordinal) && !srs.Contains("4979", StringComparison.Ordinal))
            return (null, $"srsName '{srs}' is not WGS 84 (EPSG 4326).");
        var points = new List<GeoPoint>();
        double? radius = null;
        if (!reader.IsEmptyElement)
        {
            var depth = reader.Depth;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
                if (reader.NodeType != XmlNodeType.Element) continue;
                if (reader.Depth > XmlFormat.MaxDepth) return (null, "The geometry is nested too deeply.");
                switch (reader.LocalName)
                {
                    case "pos":
                    {
                        var values = Numbers(HeldRequestReader.ReadText(reader));
                        if (values is null || values.Count is < 2 or > 3) return (null, "gml:pos must hold 'lat lon'.");
                        points.Add(new GeoPoint(values[0], values[1]));
                        break;
                    }
                    case "posList":
                    {
                        var values = Numbers(HeldRequestReader.ReadText(reader));
                        if (values is null || values.Count < 8 || values.Count % 2 != 0) return (null, "gml:posList must hold pairs of 'lat lon'.");
                        for (var i = 0; i < values.Count; i += 2) points.Add(new GeoPoint(values[i], values[i + 1]));
                        break;
                    }
                    case "radius":
                    {
                        var text = HeldRequestReader.ReadText(reader).Trim();
                        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) || r < 0 || !double.IsFinite(r))
                            return (null, $"radius '{text}' is not a distance.");
                        radius = r;
                        break;
                    }
                }
            }
        }
        if (points.Count == 0 || points.Any(p => !p.IsValid)) return (null, "The geometry has no valid coordinates.");
        return shape switch
        {
            "Point" => (new LostGeometry(LostShape.Point, [points[0]]), null),
            "Circle" when radius is not null => (new LostGeometry(LostShape.Circle, [points[0]], radius), null),
            "Circle" => (null, "A circle needs a radius."),
            _ when points.Count >= 4 => (new LostGeometry(LostShape.Polygon, points), null),
            _ => (null, "A polygon needs at least 4 positions (closed ring)."),
        };
    }

    private static List<double>? Numbers(string text)
    {
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var values = new List<double>(parts.Length);
        foreach (var part in parts)
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v)) return null;
            values.Add(v);
        }
        return values;
    }

    private static void ReadPath(XmlReader reader, List<string> path)
    {
        if (reader.IsEmptyElement) return;
        var depth = reader.Depth;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth) break;
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "via" && reader.GetAttribute("source") is { Length: > 0 } source && path.Count < 32)
                path.Add(source);
        }
    }

    private static bool Bool(string? value) => value is "true" or "1";

    private static LostParseResult Fail(LostErrorKind kind, string message) => new(null, new LostError(kind, message));
}
