using System.Globalization;
using System.Text.Json;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using NetTopologySuite.Operation.Valid;

namespace LocationServer.Core.Routing;

/// <summary>The geometry factory for PSAP boundaries: WGS 84 (EPSG:4326), floating precision.</summary>
internal static class PsapGeometry
{
    public const int Srid = 4326;

    public static GeometryFactory Factory { get; } = new(new PrecisionModel(), Srid);
}

/// <summary>
/// Reads PSAP service boundaries from GeoJSON (RFC 7946: a FeatureCollection of Polygon or MultiPolygon features
/// with properties <c>id</c>, <c>name</c>, <c>uri</c>) and from WKT, and validates them: rings closed and at least
/// four positions, no self-intersection (OGC validity), longitude within ±180 and latitude within ±90.
/// Every rejected feature is reported with its index; valid features are returned alongside.
/// </summary>
public static class PsapBoundaryImport
{
    /// <summary>Parses a GeoJSON FeatureCollection (a lone Feature is accepted too).</summary>
    /// <param name="json">The document.</param>
    /// <param name="tenantId">Owning tenant of every boundary, or null for shared boundaries.</param>
    public static PsapBoundaryImportResult FromGeoJson(string json, string? tenantId)
    {
        ArgumentNullException.ThrowIfNull(json);
        var boundaries = new List<PsapBoundary>();
        var errors = new List<PsapBoundaryError>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            errors.Add(new PsapBoundaryError(-1, null, "not valid JSON: " + ex.Message));
            return new PsapBoundaryImportResult(boundaries, errors);
        }
        using (document)
        {
            var root = document.RootElement;
            var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()
                : null;
            if (type == "Feature")
            {
                ReadFeature(root, 0, tenantId, boundaries, errors, ids);
            }
            else if (type == "FeatureCollection" && root.TryGetProperty("features", out var features) && features.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var feature in features.EnumerateArray())
                {
                    ReadFeature(feature, index++, tenantId, boundaries, errors, ids);
                }
            }
            else
            {
                errors.Add(new PsapBoundaryError(-1, null, "the document must be a GeoJSON FeatureCollection with a \"features\" array"));
            }
        }
        return new PsapBoundaryImportResult(boundaries, errors);
    }

    /// <summary>Parses one boundary from WKT (POLYGON or MULTIPOLYGON, x = longitude, y = latitude).</summary>
    public static PsapBoundaryImportResult FromWkt(string id, string? tenantId, string name, string sipUri, string wkt)
    {
        var boundaries = new List<PsapBoundary>();
        var errors = new List<PsapBoundaryError>();
        Geometry? geometry = null;
        string? error = null;
        try
        {
            geometry = new WKTReader(PsapGeometry.Factory.GeometryServices).Read(wkt);
        }
        catch (ParseException ex)
        {
            error = "WKT does not parse: " + ex.Message;
        }
        catch (ArgumentException ex)
        {
            // LinearRing's constructor rejects unclosed rings and rings of fewer than four points.
            error = ex.Message;
        }
        if (geometry is not null)
        {
            geometry.SRID = PsapGeometry.Srid;
            error = geometry is Polygon or MultiPolygon
                ? Validate(geometry)
                : $"geometry type {geometry.GeometryType} is not Polygon or MultiPolygon";
        }
        error ??= ValidateAttributes(id, name, sipUri);
        if (error is null) boundaries.Add(new PsapBoundary(id, tenantId, name, sipUri, geometry!));
        else errors.Add(new PsapBoundaryError(0, string.IsNullOrWhiteSpace(id) ? null : id, error));
        return new PsapBoundaryImportResult(boundaries, errors);
    }

    private static void ReadFeature(JsonElement feature, int index, string? tenantId, List<PsapBoundary> boundaries, List<PsapBoundaryError> errors, HashSet<string> ids)
    {
        if (feature.ValueKind != JsonValueKind.Object || !feature.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "Feature")
        {
            errors.Add(new PsapBoundaryError(index, null, "not a GeoJSON Feature"));
            return;
        }
        string? id = null, name = null, uri = null;
        if (feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            id = ReadText(properties, "id");
            name = ReadText(properties, "name");
            uri = ReadText(properties, "uri");
        }
        // RFC 7946 §3.2 allows the id as a Feature member as well.
        id ??= ReadText(feature, "id");
        var error = ValidateAttributes(id, name, uri);
        if (error is not null)
        {
            errors.Add(new PsapBoundaryError(index, id, error));
            return;
        }
        if (!feature.TryGetProperty("geometry", out var geometryElement) || geometryElement.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new PsapBoundaryError(index, id, "the feature has no geometry"));
            return;
        }
        var geometry = ReadGeometry(geometryElement, out error);
        error ??= Validate(geometry!);
        if (error is not null)
        {
            errors.Add(new PsapBoundaryError(index, id, error));
            return;
        }
        if (!ids.Add(id!))
        {
            errors.Add(new PsapBoundaryError(index, id, "duplicate id"));
            return;
        }
        boundaries.Add(new PsapBoundary(id!, tenantId, name!, uri!, geometry!));
    }

    private static string? ReadText(JsonElement element, string property)
    {
        if (!element.TryGetProperty(property, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => string.IsNullOrWhiteSpace(value.GetString()) ? null : value.GetString()!.Trim(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }

    private static string? ValidateAttributes(string? id, string? name, string? uri)
    {
        if (string.IsNullOrWhiteSpace(id)) return "property \"id\" is missing";
        if (string.IsNullOrWhiteSpace(name)) return "property \"name\" is missing";
        if (string.IsNullOrWhiteSpace(uri)) return "property \"uri\" is missing";
        if (!uri.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) && !uri.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
            return $"property \"uri\" must be a sip: or sips: URI, not \"{uri}\"";
        return null;
    }

    private static Geometry? ReadGeometry(JsonElement element, out string? error)
    {
        error = null;
        var type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (!element.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array)
        {
            error = "the geometry has no \"coordinates\" array";
            return null;
        }
        var factory = PsapGeometry.Factory;
        switch (type)
        {
            case "Polygon":
                return ReadPolygon(coordinates, out error);
            case "MultiPolygon":
                var polygons = new List<Polygon>();
                var i = 0;
                foreach (var polygonElement in coordinates.EnumerateArray())
                {
                    var polygon = ReadPolygon(polygonElement, out error);
                    if (polygon is null)
                    {
                        error = $"polygon {i}: {error}";
                        return null;
                    }
                    polygons.Add(polygon);
                    i++;
                }
                if (polygons.Count == 0)
                {
                    error = "the MultiPolygon is empty";
                    return null;
                }
                return factory.CreateMultiPolygon([.. polygons]);
            default:
                error = $"geometry type \"{type}\" is not Polygon or MultiPolygon";
                return null;
        }
    }

    private static Polygon? ReadPolygon(JsonElement element, out string? error)
    {
        error = null;
        if (element.ValueKind != JsonValueKind.Array)
        {
            error = "a polygon must be an array of rings";
            return null;
        }
        var rings = new List<LinearRing>();
        var r = 0;
        foreach (var ringElement in element.EnumerateArray())
        {
            var ring = ReadRing(ringElement, out error);
            if (ring is null)
            {
                error = $"ring {r}: {error}";
                return null;
            }
            rings.Add(ring);
            r++;
        }
        if (rings.Count == 0)
        {
            error = "the polygon has no rings";
            return null;
        }
        return PsapGeometry.Factory.CreatePolygon(rings[0], [.. rings.Skip(1)]);
    }

    private static LinearRing? ReadRing(JsonElement element, out string? error)
    {
        error = null;
        if (element.ValueKind != JsonValueKind.Array)
        {
            error = "a ring must be an array of positions";
            return null;
        }
        var coordinates = new List<Coordinate>();
        foreach (var position in element.EnumerateArray())
        {
            if (position.ValueKind != JsonValueKind.Array || position.GetArrayLength() < 2 ||
                position[0].ValueKind != JsonValueKind.Number || position[1].ValueKind != JsonValueKind.Number)
            {
                error = $"position {coordinates.Count} is not [longitude, latitude]";
                return null;
            }
            var lon = position[0].GetDouble();
            var lat = position[1].GetDouble();
            if (!IsLonLat(lon, lat))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"position {coordinates.Count} [{lon}, {lat}] is outside longitude ±180 / latitude ±90");
                return null;
            }
            coordinates.Add(new Coordinate(lon, lat));
        }
        if (coordinates.Count < 4)
        {
            error = "a ring needs at least four positions";
            return null;
        }
        if (!coordinates[0].Equals2D(coordinates[^1]))
        {
            error = "the ring is not closed (first and last positions differ)";
            return null;
        }
        return PsapGeometry.Factory.CreateLinearRing([.. coordinates]);
    }

    private static bool IsLonLat(double lon, double lat) =>
        double.IsFinite(lon) && double.IsFinite(lat) && lon is >= -180 and <= 180 && lat is >= -90 and <= 90;

    private static string? Validate(Geometry geometry)
    {
        if (geometry.IsEmpty) return "the geometry is empty";
        foreach (var c in geometry.Coordinates)
        {
            if (!IsLonLat(c.X, c.Y))
                return string.Create(CultureInfo.InvariantCulture, $"position ({c.X} {c.Y}) is outside longitude ±180 / latitude ±90");
        }
        var validity = new IsValidOp(geometry).ValidationError;
        if (validity is not null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"invalid polygon: {validity.Message} at ({validity.Coordinate?.X} {validity.Coordinate?.Y})");
        }
        return null;
    }
}
