using System.Diagnostics;
using Npgsql;

namespace LocationServer.Tests.Scale;

/// <summary>
/// The PostgreSQL and Redis servers the test script starts, read from the environment. A missing variable fails the
/// test that needs it: these tests never skip.
/// </summary>
internal static class RealServers
{
    public const string PostgresVariable = "LOCATIONSERVER_TEST_POSTGRES";
    public const string RedisVariable = "LOCATIONSERVER_TEST_REDIS";

    public static string Postgres => Required(PostgresVariable, "an Npgsql connection string to a PostgreSQL server where tests may create databases, e.g. Host=127.0.0.1;Port=55432;Username=postgres");

    public static string Redis => Required(RedisVariable, "host:port of a Redis server, e.g. 127.0.0.1:56379");

    public static Task StopRedisAsync() => RunShellAsync(Required("LOCATIONSERVER_TEST_REDIS_STOP", "a shell command that stops the Redis server"));

    public static Task StartRedisAsync() => RunShellAsync(Required("LOCATIONSERVER_TEST_REDIS_START", "a shell command that starts the Redis server"));

    public static Task StopPostgresAsync() => RunShellAsync(Required("LOCATIONSERVER_TEST_POSTGRES_STOP", "a shell command that stops the PostgreSQL server"));

    public static Task StartPostgresAsync() => RunShellAsync(Required("LOCATIONSERVER_TEST_POSTGRES_START", "a shell command that starts the PostgreSQL server"));

    /// <summary>Fails early, with the variable's name, when a stop/start command the test will need is missing.</summary>
    public static void RequireControl(string server)
    {
        Required($"LOCATIONSERVER_TEST_{server}_STOP", $"a shell command that stops the {server} server");
        Required($"LOCATIONSERVER_TEST_{server}_START", $"a shell command that starts the {server} server");
    }

    private static string Required(string name, string what)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException($"Environment variable {name} is not set: it must hold {what}. The project's test script (tests/run.sh) sets it; tests against real servers never skip.");
        return value;
    }

    private static async Task RunShellAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command])
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

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<(string Name, string ConnectionString)> CreateDatabaseAsync()
    {
        var name = "ls_scale_" + Guid.NewGuid().ToString("N")[..16];
        var server = new NpgsqlConnectionStringBuilder(Postgres);
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return (name, new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name, Timeout = 5 }.ConnectionString);
    }

    public static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await EventuallyAsync(async () =>
        {
            await using var connection = new NpgsqlConnection(Postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            return await command.ExecuteNonQueryAsync();
        }, TimeSpan.FromSeconds(20));
    }

    /// <summary>Retries <paramref name="action"/> until it succeeds or <paramref name="within"/> passes; the last failure is rethrown.</summary>
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

/// <summary>
/// Tests that share, stop and start the real servers run one at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealServersCollection
{
    public const string Name = "real servers";
}
