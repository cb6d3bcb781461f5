using System.Net;
using System.Security.Cryptography;
using LocationServer.Tests.Hosting;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>
/// The bootstrap of a PostgreSQL deployment: <c>migrate</c>, then <c>admin-key create --role system</c> prints the key
/// alone on standard output; the service started on that database accepts it (and nothing from loopback alone);
/// <c>admin-key list</c> and <c>revoke</c> manage keys from the command line. The built binary as a process.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class AdminKeyCommandTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("locationserver-adminkey-").FullName;
    private readonly string _tokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private string _database = "";
    private string _connectionString = "";

    public async Task InitializeAsync() => (_database, _connectionString) = await RealServers.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        await RealServers.DropDatabaseAsync(_database);
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }

    private Dictionary<string, string> Environment(int? port = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = _connectionString,
            ["Tokens__Key"] = _tokenKey,
            ["Held__PublicBaseUrl"] = "http://lis.test",
            ["Storage__DataDirectory"] = _directory,
            ["Routing__PsapBoundaryFile"] = ServiceLaunch.DemoBoundaryFile(),
            ["Routing__RelayCenter__Uri"] = "sip:ecrc@relay.invalid",
            ["Routing__TestService__Uri"] = "sip:933@test-service.invalid",
            ["Logging__LogLevel__Default"] = "Information",
        };
        if (port is { } p)
        {
            environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{p}";
            environment["Routing__GrpcPort"] = BuiltHost.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return environment;
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] arguments) =>
        BuiltHost.RunAsync(_directory, Environment(), arguments, TimeSpan.FromMinutes(2));

    [Fact]
    public async Task AdminKeyCreate_SystemOnPostgres_PrintsTheKeyOnceAndTheServiceAcceptsIt()
    {
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);
        var (exit, output, error) = await RunAsync("admin-key", "create", "--role", "system", "--expires", "30d", "--name=bootstrap");
        Assert.True(exit == 0, error);
        var key = output.Trim();
        Assert.Matches("^lsk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", key);
        Assert.Contains("shown only now", error, StringComparison.Ordinal);

        var (listed, list, _) = await RunAsync("admin-key", "list");
        Assert.Equal(0, listed);
        Assert.Contains(AdminApi.IdOf(key) + "\tsystem\t*", list, StringComparison.Ordinal);
        Assert.DoesNotContain(key[21..], list, StringComparison.Ordinal);

        var port = BuiltHost.FreePort();
        await using (var host = BuiltHost.Start(_directory, Environment(port), []))
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await host.WaitReadyAsync(port);
            Assert.Equal(HttpStatusCode.Unauthorized, (await AdminApi.GetAsync(client, null, "/admin/keys")).Status);
            var (status, body) = await AdminApi.GetAsync(client, key, "/admin/audit?kind=key.create");
            Assert.True(status == HttpStatusCode.OK, body);
            Assert.Contains("\"actor\":\"cli\"", body, StringComparison.Ordinal);

            Assert.Equal(0, (await RunAsync("admin-key", "revoke", AdminApi.IdOf(key))).ExitCode);
            // Revoked by another process: refused once this service's cached lookup expires (Admin:KeyCacheSeconds, 10 s).
            var refused = await RealServers.EventuallyAsync(async () =>
            {
                var (s, _) = await AdminApi.GetAsync(client, key, "/admin/keys");
                Assert.Equal(HttpStatusCode.Unauthorized, s);
                return s;
            }, TimeSpan.FromSeconds(15));
            Assert.Equal(HttpStatusCode.Unauthorized, refused);
        }
        var (badExit, _, badError) = await RunAsync("admin-key", "create", "--role", "siteManager", "--tenant", "demo");
        Assert.Equal(1, badExit);
        Assert.Contains("/sites", badError, StringComparison.Ordinal);
    }
}
