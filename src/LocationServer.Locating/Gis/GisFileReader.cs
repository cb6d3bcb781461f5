using System.Globalization;
using System.IO.Compression;
using CsvHelper;
using LocationServer.Core.Gis;
using Microsoft.Data.Sqlite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using NetTopologySuite.IO.Esri;

namespace LocationServer.Gis;

/// <summary>The file formats a GIS data set can arrive in.</summary>
internal enum GisFormat
{
    /// <summary>An OGC GeoPackage with the NENA template's layers (NENA-STA-006.3).</summary>
    GeoPackage,
    /// <summary>A zip of Esri shapefiles, one per layer, named after the layer (RoadCenterLine.shp, …).</summary>
    ShapefileZip,
    /// <summary>A legacy MSAG as CSV: Community, Street, Low, High, optional OddEven (O/E/B), ESN, State, PostCode.</summary>
    MsagCsv,
}

/// <summary>What a load read: feature counts per layer and the per-feature problems.</summary>
internal sealed record GisLoadReport(IReadOnlyDictionary<string, int> Loaded, IReadOnlyList<GisProblem> Problems)
{
    /// <summary>Problems that made the loader skip a feature.</summary>
    public int Skipped => Problems.Count(p => p.Skipped);
}

/// <summary>
/// Reads the authority's GIS layers in the NENA NG9-1-1 GIS Data Model (SiteStructureAddressPoint, RoadCenterLine,
/// PsapPolygon, PolicePolygon, FirePolygon, EmsPolygon, A1Polygon..A5Polygon) from a GeoPackage or shapefiles, or
/// ranges from a legacy MSAG CSV, into a <see cref="GisIndexBuilder"/>. Field names are matched case-insensitively.
/// A feature that cannot be used is reported with its id (NGUID, else the row or record number) and skipped; the
/// rest load. Coordinates must be WGS 84 (EPSG:4326), as the template requires.
/// </summary>
internal static class GisFileReader
{
    public static readonly IReadOnlyList<string> PolygonLayers =
        ["PsapPolygon", "PolicePolygon", "FirePolygon", "EmsPolygon", "A1Polygon", "A2Polygon", "A3Polygon", "A4Polygon", "A5Polygon"];

    /// <summary>The format a file name implies, or null.</summary>
    public static GisFormat? FormatOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".gpkg" => GisFormat.GeoPackage,
        ".zip" => GisFormat.ShapefileZip,
        ".csv" => GisFormat.MsagCsv,
        _ => null,
    };

    /// <summary>Reads <paramref name="path"/> in <paramref name="format"/> into <paramref name="builder"/>.</summary>
    public static GisLoadReport Read(string path, GisFormat format, GisIndexBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var loaded = new Dictionary<string, int>(StringComparer.Ordinal);
        var problems = new List<GisProblem>();
        switch (format)
        {
            case GisFormat.GeoPackage:
                ReadGeoPackage(path, builder, loaded, problems);
                break;
            case GisFormat.ShapefileZip:
                ReadShapefileZip(path, builder, loaded, problems);
                break;
            case GisFormat.MsagCsv:
                ReadMsag(path, builder, loaded, problems);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format));
        }
        return new GisLoadReport(loaded, problems);
    }

    private static void ReadGeoPackage(string path, GisIndexBuilder builder, Dictionary<string, int> loaded, List<GisProblem> problems)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        var columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT table_name, column_name FROM gpkg_geometry_columns";
            using var reader = command.ExecuteReader();
            while (reader.Read()) columns[reader.GetString(0)] = reader.GetString(1);
        }
        var geometryReader = new GeoPackageGeoReader();
        foreach (var layer in (string[])["SiteStructureAddressPoint", "RoadCenterLine", .. PolygonLayers])
        {
            if (!columns.TryGetValue(layer, out var geometryColumn)) continue;
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{layer.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            using var reader = command.ExecuteReader();
            var ordinals = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < reader.FieldCount; i++) ordinals[reader.GetName(i)] = i;
            var geometryOrdinal = ordinals.GetValueOrDefault(geometryColumn, -1);
            var row = 0;
            while (reader.Read())
            {
                row++;
                // Typed reads by ordinal: GetValue costs a type probe per column, which dominates a large load.
                var fields = new Fields(
                    name => ordinals.TryGetValue(name, out var o) && !reader.IsDBNull(o) ? reader.GetString(o) : null,
                    name => ordinals.TryGetValue(name, out var o) && !reader.IsDBNull(o) ? reader.GetDouble(o) : double.NaN,
                    row);
                Geometry? geometry = null;
                if (geometryOrdinal >= 0 && !reader.IsDBNull(geometryOrdinal))
                {
                    try
                    {
                        geometry = geometryReader.Read(reader.GetFieldValue<byte[]>(geometryOrdinal));
                    }
                    catch (Exception ex) when (ex is ParseException or ArgumentException or IOException or InvalidOperationException)
                    {
                        problems.Add(new GisProblem(layer, fields.Id, "bad geometry: " + ex.Message));
                        continue;
                    }
                }
                AddFeature(layer, fields, geometry, builder, loaded, problems);
            }
        }
    }

    private static void ReadShapefileZip(string path, GisIndexBuilder builder, Dictionary<string, int> loaded, List<GisProblem> problems)
    {
        var directory = Directory.CreateTempSubdirectory("gis-");
        try
        {
            ZipFile.ExtractToDirectory(path, directory.FullName);
            var files = Directory.EnumerateFiles(directory.FullName, "*.shp", SearchOption.AllDirectories).ToList();
            foreach (var layer in (string[])["SiteStructureAddressPoint", "RoadCenterLine", .. PolygonLayers])
            {
                var file = files.FirstOrDefault(f => Path.GetFileNameWithoutExtension(f).Equals(layer, StringComparison.OrdinalIgnoreCase));
                if (file is null) continue;
                var record = 0;
                foreach (var feature in Shapefile.ReadAllFeatures(file))
                {
                    record++;
                    var attributes = feature.Attributes;
                    var names = attributes.GetNames().ToDictionary(n => n, n => n, StringComparer.OrdinalIgnoreCase);
                    var fields = Fields.Of(name => names.TryGetValue(name, out var actual) ? attributes[actual] : null, record);
                    AddFeature(layer, fields, feature.Geometry, builder, loaded, problems);
                }
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static void ReadMsag(string path, GisIndexBuilder builder, Dictionary<string, int> loaded, List<GisProblem> problems)
    {
        const string Layer = "MSAG";
        using var csv = CsvReader.FromFile(path, CsvReaderOptions.Default, FileOptions.SequentialScan);
        using var data = new CsvDataReader(csv, leaveOpen: false);
        var ordinals = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < data.FieldCount; i++) ordinals[data.GetName(i).Trim()] = i;
        var line = 1;
        while (data.Read())
        {
            line++;
            var id = $"line {line.ToString(CultureInfo.InvariantCulture)}";
            string? Get(string name) => ordinals.TryGetValue(name, out var o) && !data.IsDBNull(o) && data.GetString(o) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
            var community = Get("Community");
            var street = Get("Street");
            if (street is null)
            {
                problems.Add(new GisProblem(Layer, id, "empty street name (Street)"));
                continue;
            }
            if (!TryNumber(Get("Low"), out var low) || !TryNumber(Get("High"), out var high) || low <= 0 || high <= 0)
            {
                problems.Add(new GisProblem(Layer, id, "Low and High must be positive house numbers"));
                continue;
            }
            if (low > high)
            {
                problems.Add(new GisProblem(Layer, id, $"reversed range {low}-{high}"));
                continue;
            }
            var parity = (Get("OddEven") ?? "B").ToUpperInvariant() switch
            {
                "O" or "ODD" => Parity.Odd,
                "E" or "EVEN" => Parity.Even,
                _ => Parity.Both,
            };
            var area = new AreaNames("US", Get("State"), Get("County"), community, MsagCommunity: community, PostCode: Get("PostCode"), Esn: Get("ESN"));
            var side = new CenterlineSide(low, high, parity, area);
            var none = new CenterlineSide(0, 0, Parity.None, area);
            var found = builder.Add(new CenterlineFeature(id, new StreetName(null, null, street, null, null), side, none, null), Layer);
            problems.AddRange(found);
            if (!found.Any(p => p.Skipped)) Count(loaded, Layer);
        }
    }

    private static void AddFeature(string layer, Fields fields, Geometry? geometry, GisIndexBuilder builder, Dictionary<string, int> loaded, List<GisProblem> problems)
    {
        switch (layer)
        {
            case "SiteStructureAddressPoint":
                {
                    var point = geometry switch
                    {
                        Point p when !p.IsEmpty => (p.X, p.Y),
                        MultiPoint { NumGeometries: > 0 } m => (m.GetGeometryN(0).Coordinate.X, m.GetGeometryN(0).Coordinate.Y),
                        _ => (fields.Double("Longitude"), fields.Double("Latitude")),
                    };
                    if (!TryNumber(fields.Text("Add_Number"), out var number))
                    {
                        problems.Add(new GisProblem(layer, fields.Id, "missing or non-numeric address number (Add_Number)"));
                        return;
                    }
                    var feature = new AddressPointFeature(fields.Id, Street(fields, ""), number, fields.Text("AddNum_Suf"),
                        new AreaNames(fields.Text("Country"), fields.Text("A1"), fields.Text("A2"), fields.Text("A3"), fields.Text("Post_Comm"), fields.Text("MSAGComm"), fields.Text("Post_Code"), fields.Text("ESN")),
                        point.Item1, point.Item2);
                    if (builder.Add(feature) is { } problem) problems.Add(problem);
                    else Count(loaded, layer);
                    break;
                }
            case "RoadCenterLine":
                {
                    LineString? line = geometry switch
                    {
                        LineString l => l,
                        MultiLineString { NumGeometries: 1 } m => (LineString)m.GetGeometryN(0),
                        MultiLineString m => Merge(m),
                        _ => null,
                    };
                    if (line is null)
                    {
                        problems.Add(new GisProblem(layer, fields.Id, geometry is null ? "bad geometry: missing" : $"bad geometry: {geometry.GeometryType} where a line was expected"));
                        return;
                    }
                    var left = Side(fields, "L");
                    var right = Side(fields, "R");
                    if (left is null || right is null)
                    {
                        problems.Add(new GisProblem(layer, fields.Id, "address ranges (FromAddr_L/ToAddr_L/FromAddr_R/ToAddr_R) are not numbers"));
                        return;
                    }
                    var found = builder.Add(new CenterlineFeature(fields.Id, Street(fields, ""), left, right, line), layer);
                    problems.AddRange(found);
                    if (!found.Any(p => p.Skipped)) Count(loaded, layer);
                    break;
                }
            default:
                {
                    var kind = Enum.Parse<ServiceAreaKind>(layer[..^"Polygon".Length], ignoreCase: true);
                    var area = new AreaNames(fields.Text("Country"), fields.Text("A1"), fields.Text("A2"), fields.Text("A3"));
                    var name = kind switch
                    {
                        ServiceAreaKind.A1 => fields.Text("A1"),
                        ServiceAreaKind.A2 => fields.Text("A2"),
                        ServiceAreaKind.A3 => fields.Text("A3"),
                        ServiceAreaKind.A4 => fields.Text("A4"),
                        ServiceAreaKind.A5 => fields.Text("A5"),
                        _ => fields.Text("DsplayName") ?? fields.Text("Agency_ID"),
                    };
                    if (name is null)
                    {
                        problems.Add(new GisProblem(layer, fields.Id, "no name (DsplayName/Agency_ID, or the area's A1..A5 value)"));
                        return;
                    }
                    if (kind <= ServiceAreaKind.Ems && fields.Text("ServiceURI") is null)
                    {
                        problems.Add(new GisProblem(layer, fields.Id, "no ServiceURI to route to"));
                        return;
                    }
                    if (geometry is null)
                    {
                        problems.Add(new GisProblem(layer, fields.Id, "bad geometry: missing"));
                        return;
                    }
                    var serviceArea = new ServiceArea(kind, fields.Id, name, fields.Text("ServiceURI"), fields.Text("ServiceURN"), area, geometry);
                    if (builder.Add(serviceArea, layer) is { } problem) problems.Add(problem);
                    else Count(loaded, layer);
                    break;
                }
        }
    }

    private static LineString? Merge(MultiLineString lines)
    {
        var merger = new NetTopologySuite.Operation.Linemerge.LineMerger();
        merger.Add((Geometry)lines);
        var merged = merger.GetMergedLineStrings();
        return merged.Count == 1 ? (LineString)merged.First() : null;
    }

    private static CenterlineSide? Side(Fields fields, string side)
    {
        if (!TryRange(fields.Text($"FromAddr_{side}"), out var from) || !TryRange(fields.Text($"ToAddr_{side}"), out var to)) return null;
        var parity = (fields.Text($"Parity_{side}") ?? "B").ToUpperInvariant() switch
        {
            "O" => Parity.Odd,
            "E" => Parity.Even,
            "Z" => Parity.None,
            _ => Parity.Both,
        };
        return new CenterlineSide(from, to, parity, new AreaNames(
            fields.Text($"Country_{side}"), fields.Text($"A1_{side}"), fields.Text($"A2_{side}"), fields.Text($"A3_{side}"),
            fields.Text($"PostComm_{side}"), fields.Text($"MSAGComm_{side}"), fields.Text($"PostCode_{side}"), fields.Text($"ESN_{side}")));
    }

    private static StreetName Street(Fields fields, string suffix) => new(
        fields.Text("St_PreDir" + suffix), fields.Text("St_PreTyp" + suffix), fields.Text("St_Name" + suffix) ?? "",
        fields.Text("St_PosTyp" + suffix), fields.Text("St_PosDir" + suffix));

    private static bool TryRange(string? text, out int value)
    {
        value = 0;
        return text is null || TryNumber(text, out value);
    }

    private static bool TryNumber(string? text, out int value)
    {
        value = 0;
        if (text is null) return false;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)) return true;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue)
        {
            value = (int)d;
            return true;
        }
        return false;
    }

    private static void Count(Dictionary<string, int> loaded, string layer) => loaded[layer] = loaded.GetValueOrDefault(layer) + 1;

    /// <summary>One feature's attributes by NENA field name; <see cref="Id"/> is NGUID, else the row number.</summary>
    private sealed class Fields(Func<string, string?> text, Func<string, double> number, int row)
    {
        public string Id { get; } = Trimmed(text("NGUID")) ?? "#" + row.ToString(CultureInfo.InvariantCulture);

        /// <summary>Fields read as objects (shapefile attributes).</summary>
        public static Fields Of(Func<string, object?> get, int row) => new(name => Text(get(name)), name => get(name) switch
        {
            double d => d,
            float f => f,
            long l => l,
            int i => i,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => double.NaN,
        }, row);

        public string? Text(string name) => Trimmed(text(name));

        public double Double(string name) => number(name);

        private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

        private static string? Text(object? value) => value switch
        {
            null => null,
            string s => string.IsNullOrWhiteSpace(s) ? null : s.Trim(),
            double d => d.ToString(CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
    }
}
