using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Google.Protobuf;
using LocationServer.Routing.V1;
using LocationServer.Tests.Grpc;
using LocationServer.Tests.Hosting;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Npgsql;
using Xunit.Abstractions;

namespace LocationServer.Tests.Routing;

/// <summary>
/// The built service as a real process on the shared PostgreSQL server (a database of its own): PostgreSQL stops,
/// calls are routed over gRPC, the service is killed with SIGKILL, PostgreSQL returns, the service restarts, and
/// every routed call's record reaches the database from the journal. The collection runs alone, since PostgreSQL is
/// stopped for every test of this run meanwhile.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed partial class CallRecordCrashTests(ITestOutputHelper output)
{
    private const string RouteCall = "/locationserver.routing.v1.RoutingService/RouteCall";
    private const int Calls = 40;

    [Fact]
    public async Task PostgresAway_KilledThenRestarted_EveryRoutedCallRecorded()
    {
        RealServers.RequireControl("POSTGRES");
        var (database, connectionString) = await RealServers.CreateDatabaseAsync();
        var data = Directory.CreateTempSubdirectory("locationserver-crash-").FullName;
        var work = Directory.CreateTempSubdirectory("locationserver-crash-cwd-").FullName;
        var (http, grpc) = (BuiltHost.FreePort(), BuiltHost.FreePort());
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Tokens__Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Held__PublicBaseUrl"] = $"http://127.0.0.1:{http}",
            ["Demo__Seed"] = "true",
            ["Storage__DataDirectory"] = data,
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}",
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpc}",
            ["Logging__LogLevel__LocationServer.Routing.CallRecordWriter"] = "Debug",
        };
        var journal = Path.Combine(data, "call-records.journal");
        try
        {
            var migrate = await BuiltHost.RunAsync(work, environment, ["migrate"]);
            Assert.True(migrate.ExitCode == 0, migrate.Stdout + migrate.Stderr);

            var routed = new List<string>();
            var first = BuiltHost.Start(work, environment, []);
            await using (first)
            {
                await first.WaitReadyAsync(http);
                var stopped = false;
                try
                {
                    await RealServers.StopPostgresAsync();
                    stopped = true;
                    for (var i = 0; i < Calls; i++)
                    {
                        var callId = $"crash-{i}-{Guid.NewGuid():N}";
                        var request = new RouteCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550199", CallId = callId };
                        var result = await GrpcClients.DotNetAsync($"127.0.0.1:{grpc}", RouteCall, request.ToByteArray(), timeoutSeconds: 10, apiKey: DemoWiremap.CallServerKey);
                        Assert.True(result.Code == 0, $"RouteCall {i} failed with PostgreSQL away: {result.Code} {result.Details}");
                        routed.Add(callId);
                    }
                    // Routing answers before the record is durable (the documented crash window): wait until every
                    // record is on the disk, then kill without a chance to flush anything.
                    var deadline = DateTime.UtcNow.AddSeconds(30);
                    while (Journaled(first.Output) < Calls && DateTime.UtcNow < deadline) await Task.Delay(50);
                    Assert.True(Journaled(first.Output) >= Calls, $"only {Journaled(first.Output)} of {Calls} records were journaled:\n{first.Output}");
                    await first.KillAsync();
                    Assert.True(new FileInfo(journal).Length > 0, "the journal is empty after the kill");
                }
                finally
                {
                    if (stopped) await RealServers.StartPostgresAsync();
                }
            }
            Assert.Empty(await StoredCallIdsAsync(connectionString));

            await using var second = BuiltHost.Start(work, environment, []);
            await second.WaitReadyAsync(http);
            var stored = new HashSet<string>();
            var until = DateTime.UtcNow.AddSeconds(30);
            while (stored.Count < Calls && DateTime.UtcNow < until)
            {
                stored = await StoredCallIdsAsync(connectionString);
                if (stored.Count < Calls) await Task.Delay(100);
            }
            output.WriteLine($"{stored.Count} of {Calls} call records reached PostgreSQL after the restart");
            Assert.Equal(routed.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
            Assert.Contains($"Replaying {Calls} call records from the journal", second.Output, StringComparison.Ordinal);
            var emptied = DateTime.UtcNow.AddSeconds(10);
            while (new FileInfo(journal).Length > 0 && DateTime.UtcNow < emptied) await Task.Delay(50);
            Assert.Equal(0, new FileInfo(journal).Length);
        }
        finally
        {
            await RealServers.DropDatabaseAsync(database);
            try { Directory.Delete(data, recursive: true); }
            catch (IOException) { }
            try { Directory.Delete(work, recursive: true); }
            catch (IOException) { }
        }
    }

    private static int Journaled(string log) => JournaledLine().Matches(log).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<HashSet<string>> StoredCallIdsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT call_id FROM call_records WHERE call_id LIKE 'crash-%'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }

    [GeneratedRegex(@"Journaled (\d+) call records")]
    private static partial Regex JournaledLine();
}
