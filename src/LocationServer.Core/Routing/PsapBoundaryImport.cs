using System.Globalization;
using System.Text.Json;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using NetTopologySuite.IO.Converters;
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
/// with properties <c>id</c>, <c>name</c>, <c>uri</c>; each feature read by NetTopologySuite's GeoJSON reader on its
/// own, so one bad feature does not hide the others) and from WKT, and validates them: rings closed and at least
/// four positions, no self-intersection (OGC validity), longitude within ±180 and latitude within ±90.
/// Every rejected feature is reported with its index; valid features are returned alongside.
/// </summary>
public static class PsapBoundaryImport
{
    private static readonly JsonSerializerOptions GeoJsonOptions = new() { Converters = { new GeoJsonConverterFactory(PsapGeometry.Factory) } };

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

    private static void ReadFeature(JsonElement element, int index, string? tenantId, List<PsapBoundary> boundaries, List<PsapBoundaryError> errors, HashSet<string> ids)
    {
        IFeature? feature;
        try
        {
            feature = element.Deserialize<IFeature>(GeoJsonOptions);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            errors.Add(new PsapBoundaryError(index, FeatureId(element), DescribeRingError(element) ?? "not a valid GeoJSON Feature: " + ex.Message));
            return;
        }
        if (feature is null)
        {
            errors.Add(new PsapBoundaryError(index, null, "not a GeoJSON Feature"));
            return;
        }
        var attributes = feature.Attributes;
        var id = Text(attributes?.GetOptionalValue("id"));
        var name = Text(attributes?.GetOptionalValue("name"));
        var uri = Text(attributes?.GetOptionalValue("uri"));
        // RFC 7946 §3.2 allows the id as a Feature member as well.
        id ??= Text((feature as IUnique)?.Id);
        var error = ValidateAttributes(id, name, uri);
        if (error is not null)
        {
            errors.Add(new PsapBoundaryError(index, id, error));
            return;
        }
        var geometry = feature.Geometry;
        if (geometry is null)
        {
            errors.Add(new PsapBoundaryError(index, id, "the feature has no geometry"));
            return;
        }
        error = geometry is Polygon or MultiPolygon
            ? DescribeRingError(element) ?? Validate(geometry)
            : $"geometry type \"{geometry.GeometryType}\" is not Polygon or MultiPolygon";
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
        boundaries.Add(new PsapBoundary(id!, tenantId, name!, uri!, geometry));
    }

    private static string? Text(object? value) => value switch
    {
        string text => string.IsNullOrWhiteSpace(text) ? null : text.Trim(),
        decimal or double or long or int => Convert.ToString(value, CultureInfo.InvariantCulture),
        JsonElement { ValueKind: JsonValueKind.String } element => Text(element.GetString()),
        JsonElement { ValueKind: JsonValueKind.Number } element => element.GetRawText(),
        _ => null,
    };

    private static string? FeatureId(JsonElement feature)
    {
        if (feature.ValueKind != JsonValueKind.Object) return null;
        if (feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object &&
            properties.TryGetProperty("id", out var id) && Text(id) is { } fromProperties)
            return fromProperties;
        return feature.TryGetProperty("id", out var memberId) ? Text(memberId) : null;
    }

    /// <summary>
    /// Names the first ring of fewer than four positions or not closed (the GeoJSON reader either refuses such a ring
    /// without saying which or reads it into a polygon that is merely invalid), so the author can find it. Null when
    /// every ring is well formed.
    /// </summary>
    private static string? DescribeRingError(JsonElement feature)
    {
        if (feature.ValueKind != JsonValueKind.Object || !feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object ||
            !geometry.TryGetProperty("coordinates", out var coordinates) || coordinates.ValueKind != JsonValueKind.Array ||
            !geometry.TryGetProperty("type", out var type))
            return null;
        var polygons = type.ValueEquals("MultiPolygon")
            ? coordinates.EnumerateArray().Select((polygon, i) => (Prefix: $"polygon {i}: ", Polygon: polygon))
            : type.ValueEquals("Polygon") ? [(Prefix: "", Polygon: coordinates)] : [];
        foreach (var (prefix, polygon) in polygons)
        {
            if (polygon.ValueKind != JsonValueKind.Array) continue;
            var r = 0;
            foreach (var ring in polygon.EnumerateArray())
            {
                if (ring.ValueKind == JsonValueKind.Array)
                {
                    var count = ring.GetArrayLength();
                    if (count < 4) return $"{prefix}ring {r}: a ring needs at least four positions";
                    if (!SamePosition(ring[0], ring[count - 1])) return $"{prefix}ring {r}: the ring is not closed (first and last positions differ)";
                }
                r++;
            }
        }
        return null;
    }

    private static bool SamePosition(JsonElement a, JsonElement b) =>
        a.ValueKind == JsonValueKind.Array && b.ValueKind == JsonValueKind.Array && a.GetArrayLength() >= 2 && b.GetArrayLength() >= 2 &&
        a[0].TryGetDouble(out var ax) && b[0].TryGetDouble(out var bx) && a[1].TryGetDouble(out var ay) && b[1].TryGetDouble(out var by) &&
        ax == bx && ay == by;

    private static string? ValidateAttributes(string? id, string? name, string? uri)
    {
        if (string.IsNullOrWhiteSpace(id)) return "property \"id\" is missing";
        if (string.IsNullOrWhiteSpace(name)) return "property \"name\" is missing";
        if (string.IsNullOrWhiteSpace(uri)) return "property \"uri\" is missing";
        if (!uri.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) && !uri.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
            return $"property \"uri\" must be a sip: or sips: URI, not \"{uri}\"";
        return null;
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
