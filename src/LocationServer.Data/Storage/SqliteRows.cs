using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using SQLitePCL;

namespace LocationServer.Data.Storage;

/// <summary>How a column's values are bound: the way Microsoft.Data.Sqlite binds a value of that CLR type.</summary>
internal enum SqliteColumn
{
    Text,
    Integer,
    Boolean,
    Real,
    DateTime,
    Guid,
    Blob,
}

/// <summary>
/// The hot inserts on SQLite (every routed call's record, ELIN assignment and alert) through SQLite's own statement
/// API: the single-row statement is prepared once per batch and each value bound by position, stored exactly as
/// Microsoft.Data.Sqlite stores it: text as UTF-8, <see cref="DateTime"/> as <c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>,
/// <see cref="Guid"/> as upper-case text, <see cref="bool"/> as 0 or 1 (a test compares the stored values with EF's).
/// The provider binds every parameter by name, a search of the statement's names per parameter, and type-tests every
/// value; on the call-record commit that was about half of the commit's time.
/// </summary>
internal static class SqliteRows
{
    private const string DateTimeFormat = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";

    /// <summary>Each column's binding, or null when a column's type is not one of <see cref="SqliteColumn"/>.</summary>
    public static SqliteColumn[]? Columns(IReadOnlyList<IProperty> properties, IReadOnlyList<RelationalTypeMapping> mappings)
    {
        ArgumentNullException.ThrowIfNull(properties);
        ArgumentNullException.ThrowIfNull(mappings);
        var columns = new SqliteColumn[properties.Count];
        for (var i = 0; i < columns.Length; i++)
        {
            var type = mappings[i].Converter?.ProviderClrType ?? properties[i].ClrType;
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type == typeof(string)) columns[i] = SqliteColumn.Text;
            else if (type == typeof(bool)) columns[i] = SqliteColumn.Boolean;
            else if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)) columns[i] = SqliteColumn.Integer;
            else if (type == typeof(double)) columns[i] = SqliteColumn.Real;
            else if (type == typeof(DateTime)) columns[i] = SqliteColumn.DateTime;
            else if (type == typeof(Guid)) columns[i] = SqliteColumn.Guid;
            else if (type == typeof(byte[])) columns[i] = SqliteColumn.Blob;
            else return null;
        }
        return columns;
    }

    /// <summary>
    /// Runs <paramref name="sql"/> (one row's INSERT, parameters in column order) once per row on
    /// <paramref name="database"/>, inside whatever transaction it has open; <paramref name="value"/> gives a row's
    /// column value as the store takes it. Failures throw <see cref="SqliteException"/>, as the provider's would.
    /// </summary>
    public static void Insert<TRow>(sqlite3 database, string sql, SqliteColumn[] columns, IReadOnlyList<TRow> rows, Func<object, int, object?> value)
        where TRow : class
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(value);
        var result = raw.sqlite3_prepare_v2(database, sql, out var statement);
        using (statement)
        {
            Check(result, raw.SQLITE_OK, database);
            if (raw.sqlite3_bind_parameter_count(statement) != columns.Length) throw new InvalidOperationException("The statement's parameters are not the table's columns.");
            foreach (var row in rows)
            {
                for (var c = 0; c < columns.Length; c++) Check(Bind(statement, c + 1, columns[c], value(row, c)), raw.SQLITE_OK, database);
                Check(raw.sqlite3_step(statement), raw.SQLITE_DONE, database);
                raw.sqlite3_reset(statement);
            }
        }
    }

    private static void Check(int result, int expected, sqlite3 database)
    {
        if (result != expected) SqliteException.ThrowExceptionForRC(result, database);
    }

    private static int Bind(sqlite3_stmt statement, int index, SqliteColumn column, object? value)
    {
        if (value is null) return raw.sqlite3_bind_null(statement, index);
        switch (column)
        {
            case SqliteColumn.Text:
                return BindText(statement, index, (string)value);
            case SqliteColumn.Boolean:
                return raw.sqlite3_bind_int64(statement, index, (bool)value ? 1 : 0);
            case SqliteColumn.Integer:
                return raw.sqlite3_bind_int64(statement, index, Convert.ToInt64(value, CultureInfo.InvariantCulture));
            case SqliteColumn.Real:
                return raw.sqlite3_bind_double(statement, index, (double)value);
            case SqliteColumn.DateTime:
                {
                    Span<char> text = stackalloc char[32];
                    if (!((DateTime)value).TryFormat(text, out var length, DateTimeFormat, CultureInfo.InvariantCulture)) throw new FormatException("A DateTime did not fit its format.");
                    return BindText(statement, index, text[..length]);
                }
            case SqliteColumn.Guid:
                {
                    Span<char> text = stackalloc char[36];
                    ((Guid)value).TryFormat(text, out _, "D");
                    for (var i = 0; i < text.Length; i++) text[i] = char.ToUpperInvariant(text[i]);
                    return BindText(statement, index, text);
                }
            default:
                return raw.sqlite3_bind_blob(statement, index, (byte[])value);
        }
    }

    private static int BindText(sqlite3_stmt statement, int index, ReadOnlySpan<char> text)
    {
        // An empty span has no address, which SQLite would take for NULL: the empty string is bound as one.
        if (text.IsEmpty) return raw.sqlite3_bind_text(statement, index, "");
        var most = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = most > 512 ? ArrayPool<byte>.Shared.Rent(most) : null;
        try
        {
            Span<byte> bytes = rented ?? stackalloc byte[512];
            var length = Encoding.UTF8.GetBytes(text, bytes);
            return raw.sqlite3_bind_text(statement, index, bytes[..length]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
