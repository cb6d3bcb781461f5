using System.Globalization;
using System.IO.Compression;
using CsvHelper;
using LocationServer.Core.Gis;
using Microsoft.Data.Sqlite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using NetTopologySuite.IO.Esri;

namespace LocationServer.Locating.Gis;

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
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        var shared = new SharedValues();
        using var database = GeoPackageLayer.Open(path);
        foreach (var layer in (string[])["SiteStructureAddressPoint", "RoadCenterLine", .. PolygonLayers])
        {
            if (!columns.TryGetValue(layer, out var geometryColumn)) continue;
            using var table = new GeoPackageLayer(database, layer, [geometryColumn, .. FieldNames], strings);
            var row = new GeoPackageRow(table);
            var geometryOrdinal = table.Ordinal(geometryColumn);
            while (table.Read())
            {
                row.Next();
                var blob = table.Blob(geometryOrdinal);
                if (layer == "SiteStructureAddressPoint" && GeoPackageGeometry.TryReadPoint(blob, out var x, out var y))
                {
                    AddAddressPoint(layer, row, x, y, shared, builder, loaded, problems);
                    continue;
                }
                if (layer == "RoadCenterLine" && GeoPackageGeometry.TryReadLine(blob, LineFactory, out var line))
                {
                    AddCenterline(layer, row, line, shared, builder, loaded, problems);
                    continue;
                }
                Geometry? geometry = null;
                if (!table.IsNull(geometryOrdinal))
                {
                    try
                    {
                        geometry = geometryReader.Read(blob.ToArray());
                    }
                    catch (Exception ex) when (ex is ParseException or ArgumentException or IOException or InvalidOperationException)
                    {
                        problems.Add(new GisProblem(layer, row.Id, "bad geometry: " + ex.Message));
                        continue;
                    }
                }
                AddFeature(layer, row, geometry, shared, builder, loaded, problems);
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
            var shared = new SharedValues();
            foreach (var layer in (string[])["SiteStructureAddressPoint", "RoadCenterLine", .. PolygonLayers])
            {
                var file = files.FirstOrDefault(f => Path.GetFileNameWithoutExtension(f).Equals(layer, StringComparison.OrdinalIgnoreCase));
                if (file is null) continue;
                var record = 0;
                ShapefileRow? row = null;
                foreach (var feature in Shapefile.ReadAllFeatures(file))
                {
                    record++;
                    // Every record of a shapefile has the same attribute names: they are matched to the NENA fields once.
                    row ??= new ShapefileRow(feature.Attributes.GetNames());
                    row.Next(feature.Attributes, record);
                    AddFeature(layer, row, feature.Geometry, shared, builder, loaded, problems);
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

    private static void AddFeature(string layer, FeatureRow fields, Geometry? geometry, SharedValues shared, GisIndexBuilder builder, Dictionary<string, int> loaded, List<GisProblem> problems)
    {
        switch (layer)
        {
            case "SiteStructureAddressPoint":
                {
                    var (x, y) = geometry switch
                    {
                        Point p when !p.IsEmpty => (p.X, p.Y),
                        MultiPoint { NumGeometries: > 0 } m => (m.GetGeometryN(0).Coordinate.X, m.GetGeometryN(0).Coordinate.Y),
                        _ => (fields.Double(Field.Longitude), fields.Double(Field.Latitude)),
                    };
                    AddAddressPoint(layer, fields, x, y, shared, builder, loaded, problems);
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
                    AddCenterline(layer, fields, line, shared, builder, loaded, problems);
                    break;
                }
            default:
                {
                    var kind = Enum.Parse<ServiceAreaKind>(layer[..^"Polygon".Length], ignoreCase: true);
                    var area = new AreaNames(fields.Text(Field.Country), fields.Text(Field.A1), fields.Text(Field.A2), fields.Text(Field.A3));
                    var name = kind switch
                    {
                        ServiceAreaKind.A1 => fields.Text(Field.A1),
                        ServiceAreaKind.A2 => fields.Text(Field.A2),
                        ServiceAreaKind.A3 => fields.Text(Field.A3),
                        ServiceAreaKind.A4 => fields.Text(Field.A4),
                        ServiceAreaKind.A5 => fields.Text(Field.A5),
                        _ => fields.Text(Field.DsplayName) ?? fields.Text(Field.Agency_ID),
                    };
                    if (name is null)
                    {
                        problems.Add(new GisProblem(layer, fields.Id, "no name (DsplayName/Agency_ID, or the area's A1..A5 value)"));
                        return;
                    }
                    if (kind <= ServiceAreaKind.Ems && fields.Text(Field.ServiceURI) is null)
                    {
                        problems.Add(new GisProblem(layer, fields.Id, "no ServiceURI to route to"));
                        return;
                    }
                    if (geometry is null)
                    {
                        problems.Add(new GisProblem(layer, fields.Id, "bad geometry: missing"));
                        return;
                    }
                    var serviceArea = new ServiceArea(kind, fields.Id, name, fields.Text(Field.ServiceURI), fields.Text(Field.ServiceURN), area, geometry);
                    if (builder.Add(serviceArea, layer) is { } problem) problems.Add(problem);
                    else Count(loaded, layer);
                    break;
                }
        }
    }

    private static void AddAddressPoint(string layer, FeatureRow fields, double x, double y, SharedValues shared, GisIndexBuilder builder, Dictionary<string, int> loaded, List<GisProblem> problems)
    {
        if (!fields.TryNumber(Field.Add_Number, out var number))
        {
            problems.Add(new GisProblem(layer, fields.Id, "missing or non-numeric address number (Add_Number)"));
            return;
        }
        var area = shared.Area(fields.Text(Field.Country), fields.Text(Field.A1), fields.Text(Field.A2), fields.Text(Field.A3), fields.Text(Field.Post_Comm),
            fields.Text(Field.MSAGComm), fields.Text(Field.Post_Code), fields.Text(Field.ESN));
        // The builder keeps no address point's id: it is read only when the point is reported.
        var feature = new AddressPointFeature("", Street(fields, shared), number, fields.Text(Field.AddNum_Suf), area, x, y);
        if (builder.Add(feature) is { } problem) problems.Add(problem with { FeatureId = fields.Id });
        else Count(loaded, layer);
    }

    private static void AddCenterline(string layer, FeatureRow fields, LineString line, SharedValues shared, GisIndexBuilder builder, Dictionary<string, int> loaded, List<GisProblem> problems)
    {
        var left = Side(fields, shared, Field.FromAddr_L);
        var right = Side(fields, shared, Field.FromAddr_R);
        if (left is null || right is null)
        {
            problems.Add(new GisProblem(layer, fields.Id, "address ranges (FromAddr_L/ToAddr_L/FromAddr_R/ToAddr_R) are not numbers"));
            return;
        }
        var found = builder.Add(new CenterlineFeature(fields.Id, Street(fields, shared), left, right, line), layer);
        problems.AddRange(found);
        if (!found.Any(p => p.Skipped)) Count(loaded, layer);
    }

    private static LineString? Merge(MultiLineString lines)
    {
        var merger = new NetTopologySuite.Operation.Linemerge.LineMerger();
        merger.Add((Geometry)lines);
        var merged = merger.GetMergedLineStrings();
        return merged.Count == 1 ? (LineString)merged.First() : null;
    }

    /// <summary>One side of a centerline; <paramref name="from"/> is that side's FromAddr field, the side's other fields follow it in <see cref="Field"/>.</summary>
    private static CenterlineSide? Side(FeatureRow fields, SharedValues shared, Field from)
    {
        var offset = from - Field.FromAddr_L;
        if (!fields.TryRange(from, out var low) || !fields.TryRange(Field.ToAddr_L + offset, out var high)) return null;
        var parity = fields.Text(Field.Parity_L + offset) switch
        {
            null => Parity.Both,
            var p when p.Equals("O", StringComparison.OrdinalIgnoreCase) => Parity.Odd,
            var p when p.Equals("E", StringComparison.OrdinalIgnoreCase) => Parity.Even,
            var p when p.Equals("Z", StringComparison.OrdinalIgnoreCase) => Parity.None,
            _ => Parity.Both,
        };
        return new CenterlineSide(low, high, parity, shared.Area(
            fields.Text(Field.Country_L + offset), fields.Text(Field.A1_L + offset), fields.Text(Field.A2_L + offset), fields.Text(Field.A3_L + offset),
            fields.Text(Field.PostComm_L + offset), fields.Text(Field.MSAGComm_L + offset), fields.Text(Field.PostCode_L + offset), fields.Text(Field.ESN_L + offset)));
    }

    private static StreetName Street(FeatureRow fields, SharedValues shared) => shared.Street(
        fields.Text(Field.St_PreDir), fields.Text(Field.St_PreTyp), fields.Text(Field.St_Name) ?? "", fields.Text(Field.St_PosTyp), fields.Text(Field.St_PosDir));

    private static bool TryRange(string? text, out int value)
    {
        value = 0;
        return text is null || TryNumber(text, out value);
    }

    private static bool TryNumber(string? text, out int value)
    {
        value = 0;
        return text is not null && TryNumber(text.AsSpan(), out value);
    }

    /// <summary>A whole house number written as an integer or as a real without fraction.</summary>
    internal static bool TryNumber(ReadOnlySpan<char> text, out int value)
    {
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value)) return true;
        value = 0;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && TryWhole(d, out value);
    }

    /// <summary>True when <paramref name="number"/> has no fraction and fits a house number.</summary>
    internal static bool TryWhole(double number, out int value)
    {
        value = 0;
        if (number != Math.Floor(number) || !(Math.Abs(number) < int.MaxValue)) return false;
        value = (int)number;
        return true;
    }

    private static void Count(Dictionary<string, int> loaded, string layer) => loaded[layer] = loaded.GetValueOrDefault(layer) + 1;

    /// <summary>The NENA fields the reader uses. Each side's fields of a centerline (_L, _R) are declared in pairs, left first.</summary>
    private enum Field
    {
        NGUID,
        Country,
        A1,
        A2,
        A3,
        A4,
        A5,
        Add_Number,
        AddNum_Suf,
        St_PreDir,
        St_PreTyp,
        St_Name,
        St_PosTyp,
        St_PosDir,
        Post_Code,
        Post_Comm,
        MSAGComm,
        ESN,
        Longitude,
        Latitude,
        DsplayName,
        Agency_ID,
        ServiceURI,
        ServiceURN,
        FromAddr_L,
        FromAddr_R,
        ToAddr_L,
        ToAddr_R,
        Parity_L,
        Parity_R,
        Country_L,
        Country_R,
        A1_L,
        A1_R,
        A2_L,
        A2_R,
        A3_L,
        A3_R,
        PostComm_L,
        PostComm_R,
        MSAGComm_L,
        MSAGComm_R,
        PostCode_L,
        PostCode_R,
        ESN_L,
        ESN_R,
    }

    private static readonly string[] FieldNames = Enum.GetNames<Field>();

    private static readonly GeometryFactory LineFactory = new(new PrecisionModel(), 4326);

    /// <summary>
    /// One feature's attributes by NENA field (names matched case-insensitively, once per layer); <see cref="Id"/>
    /// is NGUID, else the row or record number, read only when a feature is reported or kept by id.
    /// </summary>
    private abstract class FeatureRow
    {
        private string? _id;

        protected int Row { get; private set; }

        public string Id => _id ??= Trimmed(Text(Field.NGUID)) ?? "#" + Row.ToString(CultureInfo.InvariantCulture);

        public abstract string? Text(Field field);

        public abstract double Double(Field field);

        public virtual bool TryNumber(Field field, out int value) => GisFileReader.TryNumber(Text(field), out value);

        public virtual bool TryRange(Field field, out int value) => GisFileReader.TryRange(Text(field), out value);

        protected void Advance(int row)
        {
            Row = row;
            _id = null;
        }

        protected static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>A GeoPackage row: typed reads by ordinal; every field but the unique NGUID comes from the intern table.</summary>
    private sealed class GeoPackageRow : FeatureRow
    {
        private readonly GeoPackageLayer _table;
        private readonly int[] _ordinals;
        private int _row;

        public GeoPackageRow(GeoPackageLayer table)
        {
            _table = table;
            _ordinals = [.. FieldNames.Select(table.Ordinal)];
        }

        public void Next() => Advance(++_row);

        public override string? Text(Field field) =>
            field == Field.NGUID ? _table.Text(_ordinals[(int)field]) : _table.Interned(_ordinals[(int)field]);

        public override double Double(Field field) => _table.Double(_ordinals[(int)field]);

        public override bool TryNumber(Field field, out int value) => _table.TryNumber(_ordinals[(int)field], out value);

        public override bool TryRange(Field field, out int value) => _table.TryRange(_ordinals[(int)field], out value);
    }

    /// <summary>A shapefile record: attributes read as objects, their names matched to the NENA fields once per layer.</summary>
    private sealed class ShapefileRow : FeatureRow
    {
        private readonly string?[] _names;
        private NetTopologySuite.Features.IAttributesTable? _attributes;

        public ShapefileRow(string[] names)
        {
            var byName = names.Distinct(StringComparer.OrdinalIgnoreCase).ToDictionary(n => n, n => n, StringComparer.OrdinalIgnoreCase);
            _names = [.. FieldNames.Select(n => byName.GetValueOrDefault(n))];
        }

        public void Next(NetTopologySuite.Features.IAttributesTable attributes, int record)
        {
            _attributes = attributes;
            Advance(record);
        }

        public override string? Text(Field field) => Text(Get(field));

        public override double Double(Field field) => Get(field) switch
        {
            double d => d,
            float f => f,
            long l => l,
            int i => i,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => double.NaN,
        };

        private object? Get(Field field) => _names[(int)field] is { } name ? _attributes![name] : null;

        private static string? Text(object? value) => value switch
        {
            null => null,
            string s => string.IsNullOrWhiteSpace(s) ? null : s.Trim(),
            double d => d.ToString(CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => Trimmed(value.ToString()),
        };
    }

    /// <summary>
    /// Reuses the street name and area records of the previous features when their parts are the same strings (real
    /// data arrives grouped by street and community, and a GeoPackage's repeating values come interned).
    /// </summary>
    private sealed class SharedValues
    {
        private StreetName? _street;
        private AreaNames? _area;
        private AreaNames? _otherArea;

        public StreetName Street(string? preDirectional, string? preType, string name, string? postType, string? postDirectional)
        {
            if (_street is { } last && ReferenceEquals(last.PreDirectional, preDirectional) && ReferenceEquals(last.PreType, preType) &&
                ReferenceEquals(last.Name, name) && ReferenceEquals(last.PostType, postType) && ReferenceEquals(last.PostDirectional, postDirectional))
                return last;
            return _street = new StreetName(preDirectional, preType, name, postType, postDirectional);
        }

        public AreaNames Area(string? country, string? a1, string? a2, string? a3, string? postalCommunity, string? msagCommunity, string? postCode, string? esn)
        {
            if (Same(_area, country, a1, a2, a3, postalCommunity, msagCommunity, postCode, esn)) return _area!;
            if (Same(_otherArea, country, a1, a2, a3, postalCommunity, msagCommunity, postCode, esn))
            {
                (_area, _otherArea) = (_otherArea, _area);
                return _area!;
            }
            _otherArea = _area;
            return _area = new AreaNames(country, a1, a2, a3, postalCommunity, msagCommunity, postCode, esn);
        }

        private static bool Same(AreaNames? area, string? country, string? a1, string? a2, string? a3, string? postalCommunity, string? msagCommunity, string? postCode, string? esn) =>
            area is not null && ReferenceEquals(area.Country, country) && ReferenceEquals(area.A1, a1) && ReferenceEquals(area.A2, a2) &&
            ReferenceEquals(area.A3, a3) && ReferenceEquals(area.PostalCommunity, postalCommunity) && ReferenceEquals(area.MsagCommunity, msagCommunity) &&
            ReferenceEquals(area.PostCode, postCode) && ReferenceEquals(area.Esn, esn);
    }
}
