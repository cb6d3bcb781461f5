using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace LocationServer.Data.Storage;

/// <summary>
/// Batched INSERT (optionally an upsert) for the write the call path waits for, instead of EF's per-entity change
/// tracking. Table, columns and parameter types come from the EF model, so both providers store exactly what EF
/// reads back. PostgreSQL gets multi-row statements (one round trip per statement); SQLite, which runs in-process
/// and binds parameters by name, re-executes one prepared single-row statement.
/// </summary>
internal static class BatchCommands
{
    /// <summary>Rows per multi-row statement: far below PostgreSQL's 65,535-parameter limit at the widest table.</summary>
    private const int RowsPerStatement = 200;

    /// <summary>
    /// Inserts <paramref name="rows"/> within <paramref name="transaction"/>. With <paramref name="upsertWhen"/>, a
    /// row whose key exists updates every non-key column instead, where that SQL condition (over <c>excluded</c>
    /// and the table; arguments: the quoted table name and a quoting function) holds.
    /// </summary>
    public static async Task InsertAsync<TRow>(
        DbContext db, DbTransaction transaction, IReadOnlyList<TRow> rows, Func<string, Func<string, string>, string>? upsertWhen, CancellationToken cancellationToken)
        where TRow : class
    {
        if (rows.Count == 0) return;
        var table = TableOf<TRow>(db);
        var connection = transaction.Connection!;
        var perStatement = db.Database.IsSqlite() ? 1 : RowsPerStatement;
        DbCommand? command = null;
        try
        {
            for (var offset = 0; offset < rows.Count; offset += perStatement)
            {
                var count = Math.Min(perStatement, rows.Count - offset);
                if (command is null || count != perStatement)
                {
                    if (command is not null) await command.DisposeAsync().ConfigureAwait(false);
                    command = connection.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = table.Sql(count, upsertWhen);
                }
                command.Parameters.Clear();
                for (var r = 0; r < count; r++) table.Bind(command, r, rows[offset + r]);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (command is not null) await command.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static Table TableOf<TRow>(DbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(TRow)) ?? throw new InvalidOperationException($"{typeof(TRow).Name} is not mapped.");
        return new Table(entity, db.GetService<ISqlGenerationHelper>());
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

        public string Sql(int rows, Func<string, Func<string, string>, string>? upsertWhen)
        {
            var text = new StringBuilder("INSERT INTO ").Append(_sql.DelimitIdentifier(_name)).Append(" (")
                .AppendJoin(", ", _columns.Select(_sql.DelimitIdentifier)).Append(") VALUES ");
            for (var r = 0; r < rows; r++)
            {
                text.Append(r == 0 ? "(" : ", (");
                for (var c = 0; c < _columns.Count; c++) text.Append(c == 0 ? "" : ", ").Append(_sql.GenerateParameterNamePlaceholder(Name(r, c)));
                text.Append(')');
            }
            if (upsertWhen is not null)
            {
                text.Append(" ON CONFLICT (").AppendJoin(", ", _key.Select(_sql.DelimitIdentifier)).Append(") DO UPDATE SET ")
                    .AppendJoin(", ", _columns.Where(c => !_key.Contains(c)).Select(c => $"{_sql.DelimitIdentifier(c)} = excluded.{_sql.DelimitIdentifier(c)}"))
                    .Append(" WHERE ").Append(upsertWhen(_sql.DelimitIdentifier(_name), _sql.DelimitIdentifier));
            }
            return text.ToString();
        }

        public void Bind(DbCommand command, int row, object value)
        {
            for (var c = 0; c < _properties.Count; c++)
                command.Parameters.Add(_mappings[c].CreateParameter(command, Name(row, c), _properties[c].GetGetter().GetClrValue(value), _properties[c].IsNullable));
        }

        private string Name(int row, int column) => "p" + ((row * _columns.Count) + column).ToString(CultureInfo.InvariantCulture);
    }
}
