using System.Globalization;
using Microsoft.Data.Sqlite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace LocationServer.Tests.Gis;

/// <summary>
/// Writes GIS data sets in the NENA NG9-1-1 GIS Data Model (NENA-STA-006.3 field names) as GeoPackages:
/// <list type="bullet">
/// <item><see cref="WriteTown"/>: Maple Falls, IL, a grid of five east-west and six north-south streets with odd
/// numbers on the left and even on the right, a few hundred address points (some addresses only on the ranges), the
/// Adams/Brown county line along Jefferson St with one PSAP on each side, town-wide police, fire and EMS, A1-A3
/// polygons, the neighbouring community of Riverton (its own Main St), and three faulty features.</item>
/// <item><see cref="WriteSynthetic"/>: a large grid of communities for benchmarks.</item>
/// </list>
/// </summary>
internal static class GisFixtures
{
    public const string WestPsapUri = "sip:psap@adams-county-911.il.example";
    public const string EastPsapUri = "sip:psap@brown-county-911.il.example";
    public const string WestPsapName = "Adams County 9-1-1";
    public const string EastPsapName = "Brown County 9-1-1";
    public const string PoliceUri = "sip:dispatch@maple-falls-pd.il.example";
    public const string FireUri = "sip:dispatch@maple-falls-fd.il.example";

    public static readonly string[] EastWest = ["Main St", "Oak Ave", "Elm St", "Maple Dr", "Cedar Ln"];
    public static readonly string[] NorthSouth = ["Washington Ave", "Lincoln Ave", "Jefferson St", "Adams St", "Madison St", "Monroe St"];

    private const double West = -89.010;
    private const double South = 40.000;
    private const double ColumnStep = 0.003;
    private const double RowStep = 0.002;

    /// <summary>Longitude of Jefferson St, the county line and the boundary between the two PSAPs.</summary>
    public static double CountyLine => West + (2 * ColumnStep);

    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);

    /// <summary>Writes the Maple Falls town to <paramref name="path"/>; returns the number of address points written.</summary>
    public static int WriteTown(string path)
    {
        using var gpkg = new GeoPackageFile(path);
        var points = 0;
        var segment = 0;
        // East-west streets run west to east: odd numbers on the left (north), even on the right (south).
        for (var row = 0; row < EastWest.Length; row++)
        {
            var y = South + (row * RowStep);
            for (var block = 0; block < NorthSouth.Length - 1; block++)
            {
                var x0 = West + (block * ColumnStep);
                var x1 = x0 + ColumnStep;
                var baseNumber = 100 * (block + 1);
                var county = x1 <= CountyLine ? "Adams County" : "Brown County";
                var line = Factory.CreateLineString([new Coordinate(x0, y), new Coordinate(x1, y)]);
                gpkg.AddCenterline($"rcl-{++segment}", EastWest[row], line, baseNumber + 1, baseNumber + 99, baseNumber, baseNumber + 98, "Maple Falls", county, county, "61001");
                for (var k = 0; k < 5; k++)
                {
                    // Points for numbers +2..+10 (odd and even); +50.. exist only on the ranges.
                    var odd = baseNumber + 1 + (2 * k);
                    var even = baseNumber + 2 + (2 * k);
                    var fraction = (2 * k + 1) / 98.0;
                    gpkg.AddAddressPoint($"ssap-{++points}", EastWest[row], odd, x0 + (fraction * ColumnStep), y + 0.00015, "Maple Falls", county, "61001");
                    gpkg.AddAddressPoint($"ssap-{++points}", EastWest[row], even, x0 + (fraction * ColumnStep), y - 0.00015, "Maple Falls", county, "61001");
                }
            }
        }
        // North-south streets run south to north: odd on the left (west), even on the right (east).
        for (var column = 0; column < NorthSouth.Length; column++)
        {
            var x = West + (column * ColumnStep);
            for (var block = 0; block < EastWest.Length - 1; block++)
            {
                var y0 = South + (block * RowStep);
                var line = Factory.CreateLineString([new Coordinate(x, y0), new Coordinate(x, y0 + RowStep)]);
                var baseNumber = 1000 + (100 * block);
                var leftCounty = x <= CountyLine ? "Adams County" : "Brown County";
                var rightCounty = x < CountyLine ? "Adams County" : "Brown County";
                gpkg.AddCenterline($"rcl-{++segment}", NorthSouth[column], line, baseNumber + 1, baseNumber + 99, baseNumber, baseNumber + 98, "Maple Falls", leftCounty, rightCounty, "61001");
                for (var k = 0; k < 4; k++)
                {
                    var odd = baseNumber + 1 + (2 * k);
                    var even = baseNumber + 2 + (2 * k);
                    var fraction = (2 * k + 1) / 98.0;
                    gpkg.AddAddressPoint($"ssap-{++points}", NorthSouth[column], odd, x - 0.0002, y0 + (fraction * RowStep), "Maple Falls", leftCounty, "61001");
                    gpkg.AddAddressPoint($"ssap-{++points}", NorthSouth[column], even, x + 0.0002, y0 + (fraction * RowStep), "Maple Falls", rightCounty, "61001");
                }
            }
        }
        // Riverton, east of town in Brown County: its own Main St, numbered from 1.
        var riverton = Factory.CreateLineString([new Coordinate(-88.985, 40.004), new Coordinate(-88.980, 40.004)]);
        gpkg.AddCenterline($"rcl-{++segment}", "Main St", riverton, 1, 99, 2, 98, "Riverton", "Brown County", "Brown County", "61002");
        for (var n = 1; n <= 20; n++)
            gpkg.AddAddressPoint($"ssap-{++points}", "Main St", n, -88.985 + (n * 0.0002), 40.004 + ((n & 1) == 1 ? 0.00015 : -0.00015), "Riverton", "Brown County", "61002");

        // Faults the loader must report and survive.
        gpkg.AddAddressPoint("ssap-bad-street", "", 105, -89.0, 40.0, "Maple Falls", "Adams County", "61001");
        gpkg.AddCenterline("rcl-bad-geometry", "Birch St", Factory.CreateLineString(), 1, 99, 2, 98, "Maple Falls", "Adams County", "Adams County", "61001");
        gpkg.AddCenterline("rcl-reversed", "Birch St", Factory.CreateLineString([new Coordinate(-89.012, 40.0), new Coordinate(-89.012, 40.002)]),
            1, 99, 98, 2, "Maple Falls", "Adams County", "Adams County", "61001");

        var west = Box(-89.03, 39.98, CountyLine, 40.03);
        var east = Box(CountyLine, 39.98, -88.96, 40.03);
        gpkg.AddService("PsapPolygon", "psap-adams", WestPsapName, WestPsapUri, "urn:service:sos", west);
        gpkg.AddService("PsapPolygon", "psap-brown", EastPsapName, EastPsapUri, "urn:service:sos", east);
        var town = Box(-89.012, 39.998, -88.993, 40.010);
        gpkg.AddService("PolicePolygon", "police-maple-falls", "Maple Falls Police", PoliceUri, "urn:emergency:service:responder.police", town);
        gpkg.AddService("FirePolygon", "fire-maple-falls", "Maple Falls Fire", FireUri, "urn:emergency:service:responder.fire", town);
        gpkg.AddArea("A1Polygon", "a1-il", "A1", "IL", Box(-91, 37, -87, 42.5));
        gpkg.AddArea("A2Polygon", "a2-adams", "A2", "Adams County", west);
        gpkg.AddArea("A2Polygon", "a2-brown", "A2", "Brown County", east);
        gpkg.AddArea("A3Polygon", "a3-maple-falls", "A3", "Maple Falls", town);
        gpkg.AddArea("A3Polygon", "a3-riverton", "A3", "Riverton", Box(-88.99, 40.0, -88.97, 40.01));
        gpkg.Commit();
        return points;
    }

    /// <summary>
    /// Writes a synthetic state for benchmarks: <paramref name="segments"/> centerline blocks (1,000 per community: 50
    /// streets of 20 blocks, see <see cref="SyntheticLayout"/>), each with <paramref name="pointsPerSegment"/> address
    /// points alternating left (odd) and right (even); returns the number of address points.
    /// </summary>
    public static int WriteSynthetic(string path, int segments, int pointsPerSegment)
    {
        using var gpkg = new GeoPackageFile(path);
        var points = 0;
        for (var segment = 0; segment < segments; segment++)
        {
            var block = SyntheticLayout.Block(segment);
            gpkg.AddCenterline("s" + segment.ToString(CultureInfo.InvariantCulture), block.Street, Factory.CreateLineString([new Coordinate(block.X, block.Y), new Coordinate(block.X + SyntheticLayout.BlockLength, block.Y)]),
                block.BaseNumber + 1, block.BaseNumber + 99, block.BaseNumber, block.BaseNumber + 98, block.Community, "Synthetic County", "Synthetic County", "70000");
            for (var k = 0; k < pointsPerSegment; k++)
            {
                var (number, x, y) = SyntheticLayout.Point(block, k);
                gpkg.AddAddressPoint("p" + (++points).ToString(CultureInfo.InvariantCulture), block.Street, number, x, y, block.Community, "Synthetic County", "70000");
            }
        }
        gpkg.AddArea("A1Polygon", "a1-tx", "A1", "TX", Box(-106, 25, -93, 37));
        gpkg.Commit();
        return points;
    }

    public static Polygon Box(double minX, double minY, double maxX, double maxY) => Factory.CreatePolygon(
        [new Coordinate(minX, minY), new Coordinate(maxX, minY), new Coordinate(maxX, maxY), new Coordinate(minX, maxY), new Coordinate(minX, minY)]);

    /// <summary>A minimal GeoPackage with the NENA layers' tables (the fields this product reads, NENA names).</summary>
    private sealed class GeoPackageFile : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteTransaction _transaction;
        private readonly GeoPackageGeoWriter _writer = new();
        private readonly SqliteCommand _point;
        private readonly SqliteCommand _line;

        public GeoPackageFile(string path)
        {
            if (File.Exists(path)) File.Delete(path);
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            _connection.Open();
            Execute("PRAGMA application_id = 1196444487; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;");
            Execute("""
                CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
                INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84"]', NULL);
                CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT, description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
                CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
                """);
            Layer("SiteStructureAddressPoint", "POINT", "NGUID TEXT NOT NULL, DiscrpAgID TEXT, Country TEXT, A1 TEXT, A2 TEXT, A3 TEXT, Add_Number INTEGER, AddNum_Suf TEXT, St_PreDir TEXT, St_PreTyp TEXT, St_Name TEXT, St_PosTyp TEXT, St_PosDir TEXT, Post_Code TEXT, Post_Comm TEXT, MSAGComm TEXT, ESN TEXT, Longitude REAL, Latitude REAL");
            Layer("RoadCenterLine", "MULTILINESTRING", "NGUID TEXT NOT NULL, DiscrpAgID TEXT, FromAddr_L INTEGER NOT NULL, ToAddr_L INTEGER NOT NULL, FromAddr_R INTEGER NOT NULL, ToAddr_R INTEGER NOT NULL, Parity_L TEXT NOT NULL, Parity_R TEXT NOT NULL, St_PreDir TEXT, St_PreTyp TEXT, St_Name TEXT NOT NULL, St_PosTyp TEXT, St_PosDir TEXT, Country_L TEXT, Country_R TEXT, A1_L TEXT, A1_R TEXT, A2_L TEXT, A2_R TEXT, A3_L TEXT, A3_R TEXT, PostCode_L TEXT, PostCode_R TEXT, PostComm_L TEXT, PostComm_R TEXT, MSAGComm_L TEXT, MSAGComm_R TEXT");
            foreach (var layer in (string[])["PsapPolygon", "PolicePolygon", "FirePolygon", "EmsPolygon"])
                Layer(layer, "MULTIPOLYGON", "NGUID TEXT NOT NULL, DiscrpAgID TEXT, Agency_ID TEXT, ServiceURI TEXT, ServiceURN TEXT, ServiceNum TEXT, DsplayName TEXT");
            foreach (var layer in (string[])["A1Polygon", "A2Polygon", "A3Polygon"])
                Layer(layer, "MULTIPOLYGON", "NGUID TEXT NOT NULL, DiscrpAgID TEXT, Country TEXT, A1 TEXT, A2 TEXT, A3 TEXT");
            _transaction = _connection.BeginTransaction();
            _point = Prepare("INSERT INTO SiteStructureAddressPoint (Shape, NGUID, DiscrpAgID, Country, A1, A2, A3, Add_Number, St_Name, St_PosTyp, Post_Code, Post_Comm, MSAGComm, Longitude, Latitude) VALUES ($g, $id, 'maplefalls.il.example', 'US', 'IL', $a2, $a3, $n, $name, $type, $pc, $a3, $a3, $x, $y)");
            _line = Prepare("INSERT INTO RoadCenterLine (Shape, NGUID, DiscrpAgID, FromAddr_L, ToAddr_L, FromAddr_R, ToAddr_R, Parity_L, Parity_R, St_Name, St_PosTyp, Country_L, Country_R, A1_L, A1_R, A2_L, A2_R, A3_L, A3_R, PostCode_L, PostCode_R, PostComm_L, PostComm_R, MSAGComm_L, MSAGComm_R) VALUES ($g, $id, 'maplefalls.il.example', $fl, $tl, $fr, $tr, $pl, $pr, $name, $type, 'US', 'US', 'IL', 'IL', $a2l, $a2r, $a3, $a3, $pc, $pc, $a3, $a3, $a3, $a3)");
        }

        public void AddAddressPoint(string id, string street, int number, double x, double y, string community, string county, string postCode)
        {
            var (name, type) = Split(street);
            Bind(_point, ("$g", Blob(Factory.CreatePoint(new Coordinate(x, y)))), ("$id", Nguid("SSAP", id)), ("$a2", county), ("$a3", community),
                ("$n", number), ("$name", name), ("$type", type), ("$pc", postCode), ("$x", x), ("$y", y));
        }

        public void AddCenterline(string id, string street, LineString line, int fromLeft, int toLeft, int fromRight, int toRight, string community, string countyLeft, string countyRight, string postCode)
        {
            var (name, type) = Split(street);
            var parityLeft = (fromLeft & 1) == 1 ? "O" : "E";
            var parityRight = (fromRight & 1) == 1 ? "O" : "E";
            Bind(_line, ("$g", Blob(line.IsEmpty ? Factory.CreateMultiLineString() : Factory.CreateMultiLineString([line]))), ("$id", Nguid("RCL", id)),
                ("$fl", fromLeft), ("$tl", toLeft), ("$fr", fromRight), ("$tr", toRight), ("$pl", parityLeft), ("$pr", parityRight),
                ("$name", name), ("$type", type), ("$a2l", countyLeft), ("$a2r", countyRight), ("$a3", community), ("$pc", postCode));
        }

        public void AddService(string layer, string id, string name, string uri, string urn, Polygon polygon)
        {
            using var command = Prepare($"INSERT INTO {layer} (Shape, NGUID, DiscrpAgID, Agency_ID, ServiceURI, ServiceURN, DsplayName) VALUES ($g, $id, 'maplefalls.il.example', $agency, $uri, $urn, $name)");
            Bind(command, ("$g", Blob(Factory.CreateMultiPolygon([polygon]))), ("$id", Nguid("SVC", id)), ("$agency", id + ".il.example"), ("$uri", uri), ("$urn", urn), ("$name", name));
        }

        public void AddArea(string layer, string id, string level, string value, Polygon polygon)
        {
            using var command = Prepare(level == "A1"
                ? $"INSERT INTO {layer} (Shape, NGUID, DiscrpAgID, Country, A1) VALUES ($g, $id, 'maplefalls.il.example', 'US', $v)"
                : $"INSERT INTO {layer} (Shape, NGUID, DiscrpAgID, Country, A1, {level}) VALUES ($g, $id, 'maplefalls.il.example', 'US', 'IL', $v)");
            Bind(command, ("$g", Blob(Factory.CreateMultiPolygon([polygon]))), ("$id", Nguid(level, id)), ("$v", value));
        }

        public void Commit() => _transaction.Commit();

        public void Dispose()
        {
            _point.Dispose();
            _line.Dispose();
            _transaction.Dispose();
            _connection.Dispose();
        }

        private static (string Name, string? Type) Split(string street)
        {
            var space = street.LastIndexOf(' ');
            return space < 0 ? (street, null) : (street[..space], street[(space + 1)..] switch
            {
                "St" => "Street",
                "Ave" => "Avenue",
                "Dr" => "Drive",
                "Ln" => "Lane",
                var other => other,
            });
        }

        private static string Nguid(string layer, string id) => $"urn:emergency:uid:gis:{layer}:{id}:maplefalls.il.example";

        private byte[] Blob(Geometry geometry)
        {
            geometry.SRID = 4326;
            return _writer.Write(geometry);
        }

        private void Layer(string name, string geometryType, string columns)
        {
            Execute($"CREATE TABLE {name} (fid INTEGER PRIMARY KEY AUTOINCREMENT, Shape BLOB, {columns});");
            Execute($"INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('{name}', 'features', '{name}', 4326);");
            Execute($"INSERT INTO gpkg_geometry_columns VALUES ('{name}', 'Shape', '{geometryType}', 4326, 0, 0);");
        }

        private SqliteCommand Prepare(string sql)
        {
            var command = _connection.CreateCommand();
            command.Transaction = _transaction;
            command.CommandText = sql;
            return command;
        }

        private static void Bind(SqliteCommand command, params (string Name, object? Value)[] values)
        {
            command.Parameters.Clear();
            foreach (var (name, value) in values) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            command.ExecuteNonQuery();
        }

        private void Execute(string sql)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }
}

/// <summary>Where the synthetic state puts each block and address: shared by the GeoPackage writer and the in-memory benchmarks.</summary>
internal static class SyntheticLayout
{
    public const int SegmentsPerCommunity = 1000;
    public const int BlocksPerStreet = 20;
    public const double BlockLength = 0.001;

    public readonly record struct SyntheticBlock(string Community, string Street, int BaseNumber, double X, double Y);

    public static SyntheticBlock Block(int segment)
    {
        var community = segment / SegmentsPerCommunity;
        var street = segment % SegmentsPerCommunity / BlocksPerStreet;
        var block = segment % BlocksPerStreet;
        return new SyntheticBlock(
            "Town " + community.ToString(CultureInfo.InvariantCulture),
            "Street " + street.ToString(CultureInfo.InvariantCulture) + " Ave",
            100 * (block + 1),
            -100 + (community % 200 * 0.1) + (block * BlockLength),
            30 + (community / 200 * 0.1) + (street * 0.0005));
    }

    /// <summary>The k-th address point of a block: 101, 102, 105, 106, 109, … (odd left, even right).</summary>
    public static (int Number, double X, double Y) Point(SyntheticBlock block, int k)
    {
        var number = block.BaseNumber + (4 * (k / 2)) + (k % 2 == 0 ? 1 : 2);
        var x = block.X + ((number - block.BaseNumber) / 100.0 * BlockLength);
        return (number, x, block.Y + (k % 2 == 0 ? 0.0001 : -0.0001));
    }
}
