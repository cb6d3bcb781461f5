using System.Data.Common;
using System.Net.Sockets;
using LocationServer.Core.Wiremap;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LocationServer.Data.Storage;

/// <summary>
/// The database could not be reached or could not complete the operation (connection refused or lost, server
/// shutting down, disk full, SQLite busy beyond the timeout). Nothing was committed; the caller may retry.
/// The host maps this to HTTP 503 with a Retry-After header. Every <see cref="WiremapStore"/> method throws
/// only this type for infrastructure failures; any other exception is a bug.
/// </summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException() : this("The location database is unavailable.") { }

    public StorageUnavailableException(string message) : base(message) { }

    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// Data offered to the store failed validation (<see cref="WiremapValidator"/>, <see cref="CivicAddressValidator"/>);
/// nothing was written. The host maps this to HTTP 400 (or 422) listing <see cref="Errors"/>.
/// </summary>
public sealed class StoreValidationException : Exception
{
    public StoreValidationException() : this([]) { }

    public StoreValidationException(string message) : base(message) => Errors = [];

    public StoreValidationException(string message, Exception innerException) : base(message, innerException) => Errors = [];

    public StoreValidationException(IReadOnlyList<ValidationError> errors)
        : base(errors is { Count: > 0 } ? $"{errors.Count} validation error(s); first: {errors[0]}" : "Validation failed.") =>
        Errors = errors ?? [];

    /// <summary>Every problem found, with its path.</summary>
    public IReadOnlyList<ValidationError> Errors { get; }
}

internal static partial class StorageFailure
{
    /// <summary>
    /// Runs <paramref name="work"/> on a context of its own; the database being away becomes
    /// <see cref="StorageUnavailableException"/> (logged once here), anything else propagates as it is.
    /// </summary>
    public static async Task<T> RunAsync<T>(IDbContextFactory<LocationDbContext> factory, ILogger logger, Func<LocationDbContext, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            var db = await factory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
                return await work(db).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && IsInfrastructure(e))
        {
            Unavailable(logger, e.GetType().Name, e.Message);
            throw new StorageUnavailableException("The location database is unavailable: " + e.Message, e);
        }
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Location database unavailable ({Type}): {Reason}")]
    private static partial void Unavailable(ILogger logger, string type, string reason);

    /// <summary>True when <paramref name="exception"/> is the database being unreachable or unable to work, not a bug.</summary>
    public static bool IsInfrastructure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    // 08 connection, 53 resources, 57P admin shutdown / cannot connect now, 58 system, 40 serialization.
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) ||
                        pg.SqlState.StartsWith("53", StringComparison.Ordinal) ||
                        pg.SqlState.StartsWith("57P", StringComparison.Ordinal) ||
                        pg.SqlState.StartsWith("58", StringComparison.Ordinal) ||
                        pg.SqlState is "40001" or "40P01" or "3D000";
                case NpgsqlException:
                    // Not a server-reported error: the connection itself failed (refused, reset, timed out, pool exhausted).
                    return true;
                case SqliteException sqlite:
                    // BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB
                    return sqlite.SqliteErrorCode is 5 or 6 or 7 or 8 or 10 or 11 or 13 or 14 or 26;
                case RetryLimitExceededException:
                case TimeoutException:
                case SocketException:
                    return true;
                case DbUpdateException:
                case DbException:
                    continue;
            }
        }
        return false;
    }
}
