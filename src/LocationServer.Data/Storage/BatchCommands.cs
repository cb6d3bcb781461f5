using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace LocationServer.Data.Storage;

/// <summary>
/// Batched INSERT (optionally an upsert) for large or hot writes, instead of EF's per-entity change tracking.
/// Table, columns and parameter types come from the EF model, so both providers store exactly what EF reads back,
/// and the statements run through EF (<c>ExecuteSqlRaw</c>) inside the context's transaction, so its interceptors,
/// logging and error handling apply as to any other command.
/// </summary>
internal static class BatchCommands
{
    /// <summary>Rows per statement on PostgreSQL: far below its 65,535-parameter limit at the widest table.</summary>
    private const int PostgresRowsPerStatement = 200;

    /// <summary>
    /// Rows per statement on SQLite: one. It runs in-process (no round trip to save) and binds parameters by name,
    /// which grows with the square of a statement's parameters (measured at batches of 64: 1 row per statement
    /// 18k records/s, 4 rows 16k, 16 rows 11k).
    /// </summary>
    private const int SqliteRowsPerStatement = 1;

    /// <summary>
    /// Inserts <paramref name="rows"/> within the context's current transaction. With <paramref name="upsertWhen"/>,
    /// a row whose key exists updates every non-key column instead, where that SQL condition (over <c>excluded</c>
    /// and the table; arguments: the quoted table name and a quoting function) holds. With
    /// <paramref name="skipExisting"/>, a row whose key exists is left as it is (an idempotent retry). With
    /// <paramref name="hot"/> (a write on every routed call), SQLite runs one prepared statement for every row on the
    /// context's connection instead of going through EF (so EF's command interceptors do not see those rows).
    /// </summary>
    public static async Task InsertAsync<TRow>(
        DbContext db, IReadOnlyList<TRow> rows, Func<string, Func<string, string>, string>? upsertWhen, CancellationToken cancellationToken, bool skipExisting = false, bool hot = false)
        where TRow : class
    {
        if (rows.Count == 0) return;
        if (skipExisting && upsertWhen is not null) throw new ArgumentException("Either an upsert or skipping existing rows.", nameof(skipExisting));
        var table = TableOf<TRow>(db);
        var sqlite = db.Database.IsSqlite();
        if (sqlite && hot)
        {
            await InsertPreparedAsync(db, table, rows, upsertWhen, skipExisting, cancellationToken).ConfigureAwait(false);
            return;
        }
        var perStatement = sqlite ? SqliteRowsPerStatement : PostgresRowsPerStatement;
        // Only a factory for provider parameters; the statements run through EF.
        using var factory = db.Database.GetDbConnection().CreateCommand();
        string? sql = null;
        var sqlRows = 0;
        for (var offset = 0; offset < rows.Count; offset += perStatement)
        {
            var count = Math.Min(perStatement, rows.Count - offset);
            if (sql is null || count != sqlRows)
            {
                sql = table.Sql(count, upsertWhen, skipExisting);
                sqlRows = count;
            }
            var parameters = new List<object>(count * table.Columns);
            for (var r = 0; r < count; r++) table.Bind(factory, parameters, r, rows[offset + r]);
            await db.Database.ExecuteSqlRawAsync(sql, parameters, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// PostgreSQL: appends <paramref name="rows"/> by binary COPY within the context's transaction, each column
    /// converted and typed as EF stores it. No statement to build, parse or plan, and no parameter per value, which
    /// was most of a commit's cost in this process and in the server. A row whose key is already stored fails the
    /// COPY and with it the transaction: for new rows only (callers fall back to <see cref="InsertAsync"/>).
    /// </summary>
    public static async Task CopyAsync<TRow>(DbContext db, IReadOnlyList<TRow> rows, CancellationToken cancellationToken)
        where TRow : class
    {
        if (rows.Count == 0) return;
        var table = TableOf<TRow>(db);
        var connection = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
        var importer = await connection.BeginBinaryImportAsync(table.CopySql, cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                for (var c = 0; c < table.Columns; c++)
                {
                    if (table.Value(row, c) is { } value) await importer.WriteAsync(value, table.StoreType(c), cancellationToken).ConfigureAwait(false);
                    else await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// SQLite: one single-row statement, prepared once and executed per row on the context's connection and
    /// transaction. Parsing the statement again for every row cost more than the insert itself (measured with
    /// <c>callwrite</c>, see the note on <see cref="SqliteRowsPerStatement"/>).
    /// </summary>
    private static async Task InsertPreparedAsync<TRow>(
        DbContext db, Table table, IReadOnlyList<TRow> rows, Func<string, Func<string, string>, string>? upsertWhen, bool skipExisting, CancellationToken cancellationToken)
        where TRow : class
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) throw new InvalidOperationException("Batched inserts run inside the context's transaction.");
        if (connection is SqliteConnection { Handle: { } handle } && table.SqliteColumns is { Length: > 0 } columns)
        {
            SqliteRows.Insert(handle, table.HotSql(upsertWhen, skipExisting), columns, rows, table.Value);
            return;
        }
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = table.HotSql(upsertWhen, skipExisting);
            var parameters = table.CreateParameters(command);
            command.Parameters.AddRange(parameters);
            foreach (var row in rows)
            {
                table.SetValues(parameters, row);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Tables described per model (one per provider and configuration), so a hot write does not walk the model per batch.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IModel, System.Collections.Concurrent.ConcurrentDictionary<Type, Table>> Tables = [];

    private static Table TableOf<TRow>(DbContext db)
    {
        var tables = Tables.GetValue(db.Model, static _ => new());
        if (tables.TryGetValue(typeof(TRow), out var table)) return table;
        var entity = db.Model.FindEntityType(typeof(TRow)) ?? throw new InvalidOperationException($"{typeof(TRow).Name} is not mapped.");
        return tables.GetOrAdd(typeof(TRow), new Table(entity, db.GetService<ISqlGenerationHelper>()));
    }

    private sealed class Table
    {
        private readonly ISqlGenerationHelper _sql;
        private readonly string _name;
        private readonly List<IProperty> _properties;
        private readonly List<RelationalTypeMapping> _mappings;
        private readonly List<string> _columns;
        private readonly List<string> _key;

        public Table(IEntityType entity, ISqlGenerationHelper sql)
        {
            _sql = sql;
            _name = entity.GetTableName()!;
            var store = StoreObjectIdentifier.Table(_name, entity.GetSchema());
            _properties = [.. entity.GetProperties()];
            _mappings = [.. _properties.Select(p => p.GetRelationalTypeMapping())];
            _columns = [.. _properties.Select(p => p.GetColumnName(store)!)];
            _key = [.. entity.FindPrimaryKey()!.Properties.Select(p => p.GetColumnName(store)!)];
        }

        public string Sql(int rows, Func<string, Func<string, string>, string>? upsertWhen, bool skipExisting)
        {
            var text = new StringBuilder("INSERT INTO ").Append(_sql.DelimitIdentifier(_name)).Append(" (")
                .AppendJoin(", ", _columns.Select(_sql.DelimitIdentifier)).Append(") VALUES ");
            for (var r = 0; r < rows; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < _columns.Count; c++) text.Append(c == 0 ? "" : ", ").Append(_sql.GenerateParameterNamePlaceholder(Name(r, c)));
                text.Append(')');
            }
            if (skipExisting) text.Append(" ON CONFLICT (").AppendJoin(", ", _key.Select(_sql.DelimitIdentifier)).Append(") DO NOTHING");
            if (upsertWhen is not null)
            {
                text.Append(" ON CONFLICT (").AppendJoin(", ", _key.Select(_sql.DelimitIdentifier)).Append(") DO UPDATE SET ")
                    .AppendJoin(", ", _columns.Where(c => !_key.Contains(c)).Select(c => $"{_sql.DelimitIdentifier(c)} = excluded.{_sql.DelimitIdentifier(c)}"))
                    .Append(" WHERE ").Append(upsertWhen(_sql.DelimitIdentifier(_name), _sql.DelimitIdentifier));
            }
            return text.ToString();
        }

        private readonly System.Collections.Concurrent.ConcurrentDictionary<(Delegate?, bool), string> _hotSql = new();

        /// <summary>The single-row statement, built once per condition (a hot write passes a static lambda, the same object every time).</summary>
        public string HotSql(Func<string, Func<string, string>, string>? upsertWhen, bool skipExisting) =>
            _hotSql.TryGetValue((upsertWhen, skipExisting), out var sql) ? sql
            : _hotSql.Count < 16 ? _hotSql.GetOrAdd((upsertWhen, skipExisting), Sql(SqliteRowsPerStatement, upsertWhen, skipExisting))
            : Sql(SqliteRowsPerStatement, upsertWhen, skipExisting);

        public int Columns => _columns.Count;

        /// <summary>The binary COPY of every column (PostgreSQL).</summary>
        public string CopySql => _copySql ??= new StringBuilder("COPY ").Append(_sql.DelimitIdentifier(_name)).Append(" (")
            .AppendJoin(", ", _columns.Select(_sql.DelimitIdentifier)).Append(") FROM STDIN (FORMAT BINARY)").ToString();

        private string? _copySql;

        /// <summary>The store type of column <paramref name="column"/> as EF maps it (<c>text</c>, <c>timestamp with time zone</c>).</summary>
        public string StoreType(int column) => _mappings[column].StoreType;

        /// <summary>
        /// How SQLite stores each column, as Microsoft.Data.Sqlite binds its value (<see cref="SqliteRows"/>); empty
        /// when a column has a type that class does not bind, so the table's rows go through the provider instead.
        /// </summary>
        public SqliteColumn[]? SqliteColumns => _sqliteColumns ??= SqliteRows.Columns(_properties, _mappings) ?? [];

        private SqliteColumn[]? _sqliteColumns;

        /// <summary>Column <paramref name="column"/> of <paramref name="row"/>, converted as EF converts it for the store.</summary>
        public object? Value(object row, int column)
        {
            var value = _properties[column].GetGetter().GetClrValue(row);
            return value is not null && _mappings[column].Converter is { } converter ? converter.ConvertToProvider(value) : value;
        }

        public void Bind(DbCommand factory, List<object> parameters, int row, object value)
        {
            for (var c = 0; c < _properties.Count; c++)
                parameters.Add(_mappings[c].CreateParameter(factory, Name(row, c), _properties[c].GetGetter().GetClrValue(value), _properties[c].IsNullable));
        }

        /// <summary>
        /// One row's parameters, typed as EF types them, without values, each named exactly as the statement spells
        /// it (<c>@p0</c>), so binding finds it at the first lookup rather than trying each prefix in turn.
        /// </summary>
        public DbParameter[] CreateParameters(DbCommand command)
        {
            var parameters = new DbParameter[_properties.Count];
            for (var c = 0; c < _properties.Count; c++)
            {
                parameters[c] = _mappings[c].CreateParameter(command, Name(0, c), null, _properties[c].IsNullable);
                parameters[c].ParameterName = _sql.GenerateParameterNamePlaceholder(Name(0, c));
            }
            return parameters;
        }

        /// <summary>Sets <paramref name="parameters"/> to <paramref name="value"/>'s columns, converted as EF converts them.</summary>
        public void SetValues(DbParameter[] parameters, object value)
        {
            for (var c = 0; c < _properties.Count; c++)
            {
                var column = _properties[c].GetGetter().GetClrValue(value);
                if (column is not null && _mappings[c].Converter is { } converter) column = converter.ConvertToProvider(column);
                parameters[c].Value = column ?? DBNull.Value;
            }
        }

        private string Name(int row, int column) => "p" + ((row * _columns.Count) + column).ToString(CultureInfo.InvariantCulture);
    }
}
