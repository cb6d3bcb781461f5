using System.Buffers.Binary;
using LocationServer.Core.Gis;
using LocationServer.Core.Wiremap;
using LocationServer.Locating.Gis;
using Microsoft.Data.Sqlite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

namespace LocationServer.Tests.Gis;

/// <summary>
/// The GeoPackage reader on the encodings real exports use (OGC 12-128r18 §2.1.3 headers with and without an envelope,
/// little- and big-endian WKB, Z ordinates, multi-geometries, empty geometries) and on values stored with other
/// types than the template's (numbers as text or reals): every feature lands where its geometry says, and every
/// unusable one is reported with its id.
/// </summary>
public sealed class GeoPackageReadingTests : IDisposable
{
    private static readonly GeometryFactory Factory = new(new PrecisionModel(), 4326);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gpkg-read-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Read_PointEncodings_EachPointAtItsCoordinates()
    {
        var path = Write(
            points:
            [
                (Blob(Header(envelope: 0), Point(little: true, -89.001, 40.001)), "p-le", "101"),
                (Blob(Header(envelope: 1, x: (-89.002, -89.002), y: (40.002, 40.002)), Point(little: false, -89.002, 40.002)), "p-be-envelope", "103"),
                (Blob(Header(envelope: 2), PointZ(-89.003, 40.003, 212.5)), "p-z", "105"),
                (Blob(Header(envelope: 0), MultiPoint(-89.004, 40.004)), "p-multi", "107"),
                (Library(Factory.CreatePoint(new Coordinate(-89.005, 40.005))), "p-library", "109"),
            ],
            lines: [(Library(Factory.CreateLineString([new(-89.01, 40.0), new(-88.99, 40.0)])), "l-1", "101", "199", "100", "198")]);

        var (report, index) = Load(path);

        Assert.Empty(report.Problems);
        Assert.Equal(5, report.Loaded["SiteStructureAddressPoint"]);
        AssertPoint(index, "101", -89.001, 40.001);
        AssertPoint(index, "103", -89.002, 40.002);
        AssertPoint(index, "105", -89.003, 40.003);
        AssertPoint(index, "107", -89.004, 40.004);
        AssertPoint(index, "109", -89.005, 40.005);
    }

    [Fact]
    public void Read_EmptyPointGeometry_FallsBackToLongitudeAndLatitude()
    {
        var empty = Header(envelope: 0);
        empty[3] |= 0x10;
        var path = Write(
            points: [(Blob(empty, Point(little: true, double.NaN, double.NaN)), "p-empty", "111")],
            lines: [(Library(Factory.CreateLineString([new(-89.01, 40.0), new(-88.99, 40.0)])), "l-1", "101", "199", "100", "198")],
            longitude: -89.006,
            latitude: 40.006);

        var (report, index) = Load(path);

        Assert.Empty(report.Problems);
        AssertPoint(index, "111", -89.006, 40.006);
    }

    [Fact]
    public void Read_NumbersStoredAsTextOrReal_ReadAsWholeNumbersAndReportTheRestById()
    {
        var line = Library(Factory.CreateLineString([new(-89.01, 40.0), new(-88.99, 40.0)]));
        var path = Write(
            points:
            [
                (Library(Factory.CreatePoint(new Coordinate(-89.001, 40.001))), "p-text", " 121 "),
                (Library(Factory.CreatePoint(new Coordinate(-89.002, 40.002))), "p-real", 123.0),
                (Library(Factory.CreatePoint(new Coordinate(-89.003, 40.003))), "p-suffix", "125A"),
                (Library(Factory.CreatePoint(new Coordinate(-89.004, 40.004))), null, null),
            ],
            lines: [(line, "l-text", " 101 ", "199.0", "100", "198"), (line, "l-bad", "1O1", "199", "100", "198")]);

        var (report, index) = Load(path);

        AssertPoint(index, "121", -89.001, 40.001);
        AssertPoint(index, "123", -89.002, 40.002);
        Assert.Contains(report.Problems, p => p.FeatureId == "p-suffix" && p.Message.Contains("Add_Number", StringComparison.Ordinal));
        // No NGUID: the row number names the feature.
        Assert.Contains(report.Problems, p => p.FeatureId == "#4" && p.Message.Contains("Add_Number", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.FeatureId == "l-bad" && p.Message.Contains("address ranges", StringComparison.Ordinal));
        Assert.Equal(1, report.Loaded["RoadCenterLine"]);
        Assert.Equal(GeocodeSource.Interpolated, index.Validate(Address("151")).Source);
    }

    [Fact]
    public void Read_LineEncodings_EachLineInterpolatesAlongItsOwnGeometry()
    {
        // Three blocks of Main St, one per encoding: 100-198 west, 200-298 middle, 300-398 east.
        var path = Write(
            points: [],
            lines:
            [
                (Blob(Header(envelope: 1, x: (-89.03, -89.02), y: (40.0, 40.0)), MultiLine(little: false, [(-89.03, 40.0), (-89.02, 40.0)])), "l-be-multi", "101", "199", "100", "198"),
                (Blob(Header(envelope: 0), LineZ([(-89.02, 40.0, 200), (-89.01, 40.0, 201)])), "l-z", "201", "299", "200", "298"),
                (Library(Factory.CreateMultiLineString([
                    Factory.CreateLineString([new(-89.01, 40.0), new(-89.005, 40.0)]),
                    Factory.CreateLineString([new(-89.005, 40.0), new(-89.0, 40.0)])])), "l-two-parts", "301", "399", "300", "398"),
            ]);

        var (report, index) = Load(path);

        Assert.Empty(report.Problems);
        Assert.Equal(3, report.Loaded["RoadCenterLine"]);
        Assert.InRange(index.Validate(Address("151")).Point!.Value.Longitude, -89.0256, -89.0244);
        Assert.InRange(index.Validate(Address("251")).Point!.Value.Longitude, -89.0156, -89.0144);
        Assert.InRange(index.Validate(Address("351")).Point!.Value.Longitude, -89.0056, -89.0044);
    }

    [Fact]
    public void Read_MalformedGeometry_ReportedAsBadGeometryWithItsIdAndTheRestLoads()
    {
        var truncated = Blob(Header(envelope: 0), Point(little: true, -89.001, 40.001))[..12];
        var path = Write(
            points:
            [
                (truncated, "p-truncated", "131"),
                (Library(Factory.CreatePoint(new Coordinate(-89.002, 40.002))), "p-good", "133"),
            ],
            lines: [([(byte)'G', (byte)'P', 0, 1, 0, 0, 0, 0, 9, 9], "l-garbage", "101", "199", "100", "198")]);

        var (report, index) = Load(path);

        Assert.Contains(report.Problems, p => p.Skipped && p.FeatureId == "p-truncated" && p.Message.StartsWith("bad geometry", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Skipped && p.FeatureId == "l-garbage" && p.Message.StartsWith("bad geometry", StringComparison.Ordinal));
        Assert.Equal(1, report.Loaded["SiteStructureAddressPoint"]);
        AssertPoint(index, "133", -89.002, 40.002);
    }

    private static CivicAddress Address(string number) =>
        new() { Country = "US", A1 = "IL", A3 = "Maple Falls", HNO = number, RD = "Main", STS = "St" };

    private static void AssertPoint(GisIndex index, string number, double longitude, double latitude)
    {
        var check = index.Validate(Address(number));
        Assert.Equal(GeocodeSource.AddressPoint, check.Source);
        Assert.Equal(longitude, check.Point!.Value.Longitude, 9);
        Assert.Equal(latitude, check.Point!.Value.Latitude, 9);
    }

    private static (GisLoadReport Report, GisIndex Index) Load(string path)
    {
        var builder = new GisIndexBuilder();
        var report = GisFileReader.Read(path, GisFormat.GeoPackage, builder);
        return (report, builder.Build(new GisVersion(1, "test.gpkg", DateTimeOffset.UnixEpoch)));
    }

    private string Write(
        IReadOnlyList<(byte[] Geometry, string? Id, object? Number)> points,
        IReadOnlyList<(byte[] Geometry, string Id, object FromLeft, object ToLeft, object FromRight, object ToRight)> lines,
        double? longitude = null,
        double? latitude = null)
    {
        var path = Path.Combine(_directory.FullName, Guid.NewGuid().ToString("N") + ".gpkg");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, """
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
            INSERT INTO gpkg_geometry_columns VALUES ('SiteStructureAddressPoint', 'geom', 'POINT', 4326, 0, 0), ('RoadCenterLine', 'geom', 'LINESTRING', 4326, 0, 0);
            CREATE TABLE SiteStructureAddressPoint (fid INTEGER PRIMARY KEY, geom BLOB, NGUID TEXT, Country TEXT, A1 TEXT, A3 TEXT, Add_Number, St_Name TEXT, St_PosTyp TEXT, Longitude REAL, Latitude REAL);
            CREATE TABLE RoadCenterLine (fid INTEGER PRIMARY KEY, geom BLOB, NGUID TEXT, FromAddr_L, ToAddr_L, FromAddr_R, ToAddr_R, Parity_L TEXT, Parity_R TEXT, St_Name TEXT, St_PosTyp TEXT, Country_L TEXT, Country_R TEXT, A1_L TEXT, A1_R TEXT, A3_L TEXT, A3_R TEXT);
            """);
        foreach (var (geometry, id, number) in points)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO SiteStructureAddressPoint (geom, NGUID, Country, A1, A3, Add_Number, St_Name, St_PosTyp, Longitude, Latitude) VALUES ($g, $id, 'US', 'IL', 'Maple Falls', $n, 'Main', 'Street', $x, $y)";
            command.Parameters.AddWithValue("$g", geometry);
            command.Parameters.AddWithValue("$id", (object?)id ?? DBNull.Value);
            command.Parameters.AddWithValue("$n", number ?? DBNull.Value);
            command.Parameters.AddWithValue("$x", (object?)longitude ?? DBNull.Value);
            command.Parameters.AddWithValue("$y", (object?)latitude ?? DBNull.Value);
            command.ExecuteNonQuery();
        }
        foreach (var (geometry, id, fromLeft, toLeft, fromRight, toRight) in lines)
        {
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO RoadCenterLine (geom, NGUID, FromAddr_L, ToAddr_L, FromAddr_R, ToAddr_R, Parity_L, Parity_R, St_Name, St_PosTyp, Country_L, Country_R, A1_L, A1_R, A3_L, A3_R) VALUES ($g, $id, $fl, $tl, $fr, $tr, 'O', 'E', 'Main', 'Street', 'US', 'US', 'IL', 'IL', 'Maple Falls', 'Maple Falls')";
            command.Parameters.AddWithValue("$g", geometry);
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$fl", fromLeft);
            command.Parameters.AddWithValue("$tl", toLeft);
            command.Parameters.AddWithValue("$fr", fromRight);
            command.Parameters.AddWithValue("$tr", toRight);
            command.ExecuteNonQuery();
        }
        return path;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static byte[] Library(Geometry geometry)
    {
        geometry.SRID = 4326;
        return new GeoPackageGeoWriter().Write(geometry);
    }

    /// <summary>A GeoPackage binary header (little-endian), SRS 4326, with an XY (1), XYZ (2) or no (0) envelope.</summary>
    private static byte[] Header(int envelope, (double Min, double Max)? x = null, (double Min, double Max)? y = null)
    {
        var size = envelope switch { 0 => 0, 1 => 32, _ => 48 };
        var header = new byte[8 + size];
        header[0] = (byte)'G';
        header[1] = (byte)'P';
        header[3] = (byte)(1 | (envelope << 1));
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), 4326);
        var values = new[] { x?.Min ?? 0, x?.Max ?? 0, y?.Min ?? 0, y?.Max ?? 0, 0, 0 };
        for (var i = 0; i < size / 8; i++) BinaryPrimitives.WriteDoubleLittleEndian(header.AsSpan(8 + (8 * i)), values[i]);
        return header;
    }

    private static byte[] Blob(byte[] header, byte[] wkb) => [.. header, .. wkb];

    private static byte[] Point(bool little, double x, double y) => [.. Type(little, 1), .. Doubles(little, x, y)];

    private static byte[] PointZ(double x, double y, double z) => [.. Type(true, 1001), .. Doubles(true, x, y, z)];

    private static byte[] MultiPoint(double x, double y) => [.. Type(true, 4), .. Count(true, 1), .. Point(little: false, x, y)];

    private static byte[] MultiLine(bool little, (double X, double Y)[] vertices) =>
        [.. Type(little, 5), .. Count(little, 1), .. Type(little, 2), .. Count(little, vertices.Length), .. vertices.SelectMany(v => Doubles(little, v.X, v.Y))];

    private static byte[] LineZ((double X, double Y, double Z)[] vertices) =>
        [.. Type(true, 1002), .. Count(true, vertices.Length), .. vertices.SelectMany(v => Doubles(true, v.X, v.Y, v.Z))];

    private static byte[] Type(bool little, uint type)
    {
        var bytes = new byte[5];
        bytes[0] = little ? (byte)1 : (byte)0;
        if (little) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(1), type);
        else BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), type);
        return bytes;
    }

    private static byte[] Count(bool little, int count)
    {
        var bytes = new byte[4];
        if (little) BinaryPrimitives.WriteInt32LittleEndian(bytes, count);
        else BinaryPrimitives.WriteInt32BigEndian(bytes, count);
        return bytes;
    }

    private static byte[] Doubles(bool little, params double[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (little) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), values[i]);
            else BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(8 * i), values[i]);
        }
        return bytes;
    }
}
