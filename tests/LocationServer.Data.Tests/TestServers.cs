using LocationServer.Data.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LocationServer.Data.Tests;

/// <summary>Connection details of the real servers the test script starts; a missing one fails the test that needs it.</summary>
internal static class TestServers
{
    public const string PostgresVariable = "LOCATIONSERVER_TEST_POSTGRES";
    public const string RedisVariable = "LOCATIONSERVER_TEST_REDIS";
    public const string PostgresRestartVariable = "LOCATIONSERVER_TEST_POSTGRES_RESTART";
    public const string RedisRestartVariable = "LOCATIONSERVER_TEST_REDIS_RESTART";
    public const string RedisStopVariable = "LOCATIONSERVER_TEST_REDIS_STOP";
    public const string RedisStartVariable = "LOCATIONSERVER_TEST_REDIS_START";

    public static string Postgres => Required(PostgresVariable, "an Npgsql connection string to a PostgreSQL server where tests may create databases, e.g. Host=127.0.0.1;Port=55432;Username=postgres");

    public static string Redis => Required(RedisVariable, "host:port of a Redis server, e.g. 127.0.0.1:56379");

    public static string PostgresRestart => Required(PostgresRestartVariable, "a shell command that restarts the PostgreSQL server");

    public static string RedisRestart => Required(RedisRestartVariable, "a shell command that restarts the Redis server (kill, then start)");

    public static string RedisStop => Required(RedisStopVariable, "a shell command that stops the Redis server");

    public static string RedisStart => Required(RedisStartVariable, "a shell command that starts the Redis server again");

    private static string Required(string name, string what)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException($"Environment variable {name} is not set: it must hold {what}. The project's test script sets it; database and Redis tests never skip.");
        return value;
    }

    /// <summary>Runs a restart command through the shell and fails the test when it fails.</summary>
    public static async Task RunShellAsync(string command)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' exited with {process.ExitCode}: {await stdout} {await stderr}");
    }

    /// <summary>Retries <paramref name="action"/> until it succeeds or <paramref name="within"/> passes.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> action, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}

/// <summary>A database for one test class: a fresh SQLite file or a fresh PostgreSQL database, dropped afterwards.</summary>
public abstract class DatabaseFixture : IAsyncLifetime
{
    internal abstract StorageSettings Settings { get; }

    internal IDbContextFactory<LocationDbContext> CreateFactory(IInterceptor? interceptor = null)
    {
        var builder = new DbContextOptionsBuilder<LocationDbContext>();
        StorageSetup.Configure(builder, Settings);
        if (interceptor is not null) builder.AddInterceptors(interceptor);
        return new FixedContextFactory(builder.Options);
    }

    internal WiremapStore CreateStore(IInterceptor? interceptor = null, TimeProvider? time = null) =>
        new(CreateFactory(interceptor), null, time ?? TimeProvider.System, NullLogger<WiremapStore>.Instance);

    public virtual async Task InitializeAsync() =>
        await StorageSetup.MigrateAsync(CreateFactory(), Settings, CancellationToken.None);

    public abstract Task DisposeAsync();
}

public sealed class SqliteDatabaseFixture : DatabaseFixture
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ls-data-tests-" + Guid.NewGuid().ToString("N"));

    internal override StorageSettings Settings => new(null, Path.Combine(_directory, "test.db"), null);

    public override Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PostgresDatabaseFixture : DatabaseFixture
{
    private readonly string _name = "ls_test_" + Guid.NewGuid().ToString("N")[..16];
    private string? _connectionString;

    internal override StorageSettings Settings => new(_connectionString ?? throw new InvalidOperationException("not initialised"), "", null);

    internal string ConnectionString => _connectionString!;

    public override async Task InitializeAsync()
    {
        var server = new NpgsqlConnectionStringBuilder(TestServers.Postgres);
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{_name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        _connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = _name, Timeout = 5 }.ConnectionString;
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        if (_connectionString is null) return;
        NpgsqlConnection.ClearAllPools();
        await TestServers.EventuallyAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(TestServers.Postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_name}\" WITH (FORCE)", connection);
            return await command.ExecuteNonQueryAsync();
        }, TimeSpan.FromSeconds(20));
    }
}

/// <summary>Test classes that use PostgreSQL run one after another: one of them restarts the server.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection
{
    public const string Name = "postgres";
}

/// <summary>Test classes that use Redis run one after another: one of them restarts the server.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection
{
    public const string Name = "redis";
}
