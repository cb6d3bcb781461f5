using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Implementation;
using SQLitePCL;

namespace LocationServer.Locating.Gis;

/// <summary>
/// One GeoPackage feature table read row by row through SQLite's own column accessors: only the columns the reader
/// uses are selected, each is read by ordinal with a typed getter, and text is decoded from the row's UTF-8 bytes, so
/// a value that repeats (a community, a street name) comes from the intern table, or straight from the previous row
/// when the bytes are the same, without allocating a string per row. A large load spends its time here, not in
/// building the index.
/// </summary>
internal sealed class GeoPackageLayer : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _strings;
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly byte[]?[] _lastBytes;
    private readonly int[] _lastLength;
    private readonly string?[] _lastText;
    private char[] _chars = new char[256];

    /// <summary>
    /// Prepares a query over <paramref name="table"/> for those of <paramref name="columns"/> it has (matched
    /// case-insensitively); <paramref name="strings"/> is the intern table.
    /// </summary>
    public GeoPackageLayer(sqlite3 database, string table, IEnumerable<string> columns, Dictionary<string, string> strings)
    {
        _database = database;
        _strings = strings;
        _lookup = strings.GetAlternateLookup<ReadOnlySpan<char>>();
        var present = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        using (var all = Prepare($"SELECT * FROM {Quote(table)} LIMIT 0"))
        {
            for (var i = 0; i < raw.sqlite3_column_count(all); i++)
                present.TryAdd(raw.sqlite3_column_name(all, i).utf8_to_string(), "");
        }
        var selected = new List<string>();
        foreach (var column in columns)
        {
            if (!present.ContainsKey(column) || !_ordinals.TryAdd(column, selected.Count)) continue;
            selected.Add(Quote(column));
        }
        _statement = Prepare(selected.Count == 0 ? $"SELECT NULL FROM {Quote(table)}" : $"SELECT {string.Join(", ", selected)} FROM {Quote(table)}");
        _lastBytes = new byte[]?[selected.Count];
        _lastLength = new int[selected.Count];
        _lastText = new string?[selected.Count];
    }

    /// <summary>Opens <paramref name="path"/> read-only for one thread's use (no locking on each column read).</summary>
    public static sqlite3 Open(string path)
    {
        var result = raw.sqlite3_open_v2(path, out var database, raw.SQLITE_OPEN_READONLY | raw.SQLITE_OPEN_NOMUTEX, null);
        if (result == raw.SQLITE_OK) return database;
        var message = raw.sqlite3_errmsg(database).utf8_to_string();
        database.Dispose();
        throw new SqliteException($"SQLite Error {result.ToString(CultureInfo.InvariantCulture)}: '{message}'.", result);
    }

    /// <summary>The ordinal of column <paramref name="name"/> in this query, or -1 when the table has none.</summary>
    public int Ordinal(string name) => _ordinals.GetValueOrDefault(name, -1);

    /// <summary>Moves to the next row; false after the last.</summary>
    public bool Read()
    {
        var result = raw.sqlite3_step(_statement);
        if (result == raw.SQLITE_ROW) return true;
        if (result == raw.SQLITE_DONE) return false;
        throw Error(result);
    }

    /// <summary>True when the column is absent or its value in this row is NULL.</summary>
    public bool IsNull(int ordinal) => ordinal < 0 || raw.sqlite3_column_type(_statement, ordinal) == raw.SQLITE_NULL;

    /// <summary>The row's bytes of a BLOB column (empty when absent or NULL), valid until the next read.</summary>
    public ReadOnlySpan<byte> Blob(int ordinal) => ordinal < 0 ? default : raw.sqlite3_column_blob(_statement, ordinal);

    /// <summary>The value as a number (SQLite's conversion for text), NaN when absent or NULL.</summary>
    public double Double(int ordinal) => IsNull(ordinal) ? double.NaN : raw.sqlite3_column_double(_statement, ordinal);

    /// <summary>The trimmed text, or null when absent, NULL or blank; a new string each call.</summary>
    public string? Text(int ordinal)
    {
        var chars = Chars(Bytes(ordinal));
        return chars.IsEmpty ? null : new string(chars);
    }

    /// <summary>The trimmed text from the intern table (added on first sight), or null when absent, NULL or blank.</summary>
    public string? Interned(int ordinal)
    {
        var bytes = Bytes(ordinal);
        if (bytes.IsEmpty) return null;
        // Real data arrives grouped by street and community: most values are the previous row's, byte for byte.
        if (_lastBytes[ordinal] is { } last && bytes.SequenceEqual(last.AsSpan(0, _lastLength[ordinal]))) return _lastText[ordinal];
        var chars = Chars(bytes);
        string? value = null;
        if (!chars.IsEmpty && !_lookup.TryGetValue(chars, out value))
        {
            value = new string(chars);
            _strings.Add(value, value);
        }
        if (_lastBytes[ordinal] is not { } buffer || buffer.Length < bytes.Length) _lastBytes[ordinal] = buffer = new byte[Math.Max(bytes.Length, 32)];
        bytes.CopyTo(buffer);
        _lastLength[ordinal] = bytes.Length;
        _lastText[ordinal] = value;
        return value;
    }

    /// <summary>
    /// The value as a whole house number: an integer, a real without fraction, or text holding either (the same
    /// reading as <see cref="GisFileReader"/> gives a text field). False when absent, blank, or not a whole number.
    /// </summary>
    public bool TryNumber(int ordinal, out int value)
    {
        value = 0;
        if (ordinal < 0) return false;
        var type = raw.sqlite3_column_type(_statement, ordinal);
        if (type == raw.SQLITE_NULL) return false;
        if (type == raw.SQLITE_INTEGER)
        {
            var number = raw.sqlite3_column_int64(_statement, ordinal);
            if (number is < int.MinValue or > int.MaxValue) return false;
            value = (int)number;
            return true;
        }
        if (type == raw.SQLITE_FLOAT) return GisFileReader.TryWhole(raw.sqlite3_column_double(_statement, ordinal), out value);
        var chars = Chars(Bytes(ordinal));
        return !chars.IsEmpty && GisFileReader.TryNumber(chars, out value);
    }

    /// <summary>Like <see cref="TryNumber"/>, but an absent or blank value is 0 (no range on that side).</summary>
    public bool TryRange(int ordinal, out int value)
    {
        value = 0;
        if (ordinal < 0) return true;
        var type = raw.sqlite3_column_type(_statement, ordinal);
        if (type == raw.SQLITE_NULL) return true;
        if (type is not (raw.SQLITE_INTEGER or raw.SQLITE_FLOAT) && Chars(Bytes(ordinal)).IsEmpty) return true;
        return TryNumber(ordinal, out value);
    }

    public void Dispose() => _statement.Dispose();

    /// <summary>The value's UTF-8 bytes; for a number SQLite gives its text form, as a text read through ADO.NET would.</summary>
    private ReadOnlySpan<byte> Bytes(int ordinal) => ordinal < 0 ? default : raw.sqlite3_column_blob(_statement, ordinal);

    private ReadOnlySpan<char> Chars(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return default;
        if (bytes.Length > _chars.Length) _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        var length = Encoding.UTF8.GetChars(bytes, _chars);
        return _chars.AsSpan(0, length).Trim();
    }

    private sqlite3_stmt Prepare(string sql)
    {
        var result = raw.sqlite3_prepare_v2(_database, sql, out var statement);
        if (result != raw.SQLITE_OK) throw Error(result);
        return statement;
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private SqliteException Error(int result) => new(
        string.Create(CultureInfo.InvariantCulture, $"SQLite Error {result}: '{raw.sqlite3_errmsg(_database).utf8_to_string()}'."), result);
}

/// <summary>
/// Reads the common shapes of GeoPackage binary geometry (OGC 12-128r18 §2.1.3: the "GP" header, an optional envelope,
/// then standard WKB) without building intermediate objects: a point's coordinates, or one line as a packed coordinate
/// sequence. Anything else (other shapes, empty geometries, extended types, malformed bytes) is declined, and the
/// caller reads it with NetTopologySuite's GeoPackage reader, so its outcomes and messages stay the library's.
/// </summary>
internal static class GeoPackageGeometry
{
    private const uint WkbPoint = 1;
    private const uint WkbLineString = 2;
    private const uint WkbMultiPoint = 4;
    private const uint WkbMultiLineString = 5;

    /// <summary>The point of a Point, or the first point of a MultiPoint; false when declined.</summary>
    public static bool TryReadPoint(ReadOnlySpan<byte> blob, out double x, out double y)
    {
        x = y = double.NaN;
        if (!TrySkipHeader(ref blob) || !TryReadType(ref blob, out var type, out var little, out var dimensions)) return false;
        if (type == WkbMultiPoint)
        {
            if (!TryReadCount(ref blob, little, out var count) || count == 0) return false;
            if (!TryReadType(ref blob, out type, out little, out dimensions)) return false;
        }
        if (type != WkbPoint || blob.Length < 8 * dimensions) return false;
        x = ReadDouble(blob, little);
        y = ReadDouble(blob[8..], little);
        return double.IsFinite(x) && double.IsFinite(y);
    }

    /// <summary>A LineString, or a MultiLineString of one line, as a two-dimensional line; false when declined.</summary>
    public static bool TryReadLine(ReadOnlySpan<byte> blob, GeometryFactory factory, [NotNullWhen(true)] out LineString? line)
    {
        ArgumentNullException.ThrowIfNull(factory);
        line = null;
        if (!TrySkipHeader(ref blob) || !TryReadType(ref blob, out var type, out var little, out var dimensions)) return false;
        if (type == WkbMultiLineString)
        {
            if (!TryReadCount(ref blob, little, out var lines) || lines != 1) return false;
            if (!TryReadType(ref blob, out type, out little, out dimensions)) return false;
        }
        if (type != WkbLineString || !TryReadCount(ref blob, little, out var count) || count < 2) return false;
        var stride = 8 * dimensions;
        if ((long)blob.Length < (long)count * stride) return false;
        var coordinates = new double[count * 2];
        for (var i = 0; i < count; i++)
        {
            var vertex = blob.Slice(i * stride);
            coordinates[2 * i] = ReadDouble(vertex, little);
            coordinates[(2 * i) + 1] = ReadDouble(vertex[8..], little);
        }
        line = factory.CreateLineString(new PackedDoubleCoordinateSequence(coordinates, 2, 0));
        return true;
    }

    private static bool TrySkipHeader(ref ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 8 || blob[0] != (byte)'G' || blob[1] != (byte)'P' || blob[2] != 0) return false;
        var flags = blob[3];
        // Extended (non-standard) geometry types and the empty flag are left to the library.
        if ((flags & 0x30) != 0) return false;
        var envelope = ((flags >> 1) & 0x07) switch
        {
            0 => 0,
            1 => 32,
            2 or 3 => 48,
            4 => 64,
            _ => -1,
        };
        if (envelope < 0 || blob.Length < 8 + envelope) return false;
        blob = blob[(8 + envelope)..];
        return true;
    }

    private static bool TryReadType(ref ReadOnlySpan<byte> wkb, out uint type, out bool little, out int dimensions)
    {
        type = 0;
        dimensions = 2;
        little = wkb.Length > 0 && wkb[0] == 1;
        if (wkb.Length < 5 || wkb[0] > 1) return false;
        var code = little ? BinaryPrimitives.ReadUInt32LittleEndian(wkb[1..]) : BinaryPrimitives.ReadUInt32BigEndian(wkb[1..]);
        wkb = wkb[5..];
        // ISO WKB dimension thousands (Z 1000, M 2000, ZM 3000) and the EWKB Z/M flags; an EWKB SRID is declined.
        if ((code & 0x20000000) != 0) return false;
        if ((code & 0x80000000) != 0) dimensions++;
        if ((code & 0x40000000) != 0) dimensions++;
        code &= 0x0FFFFFFF;
        dimensions += (code / 1000) switch
        {
            0 => 0,
            1 or 2 => 1,
            3 => 2,
            _ => -10,
        };
        type = code % 1000;
        return dimensions >= 2;
    }

    private static bool TryReadCount(ref ReadOnlySpan<byte> wkb, bool little, out int count)
    {
        count = 0;
        if (wkb.Length < 4) return false;
        var value = little ? BinaryPrimitives.ReadUInt32LittleEndian(wkb) : BinaryPrimitives.ReadUInt32BigEndian(wkb);
        if (value > int.MaxValue / 32) return false;
        count = (int)value;
        wkb = wkb[4..];
        return true;
    }

    private static double ReadDouble(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadDoubleLittleEndian(bytes) : BinaryPrimitives.ReadDoubleBigEndian(bytes);
}
