using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Google.Protobuf;
using LocationServer.Routing.V1;
using LocationServer.Tests.Grpc;
using LocationServer.Tests.Hosting;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;

namespace LocationServer.Tests.Walkthrough;

/// <summary>
/// The "Getting started" walk-through of docs/administration.md, step by step, on the built service as a process with
/// PostgreSQL and Redis: the same requests, sent with the very files the guide points to (docs/examples/walkthrough),
/// so the guide and the service cannot drift apart.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class WalkthroughTests : IAsyncLifetime
{
    /// <summary>The call server key whose SHA-256 the example wiremap holds (the guide says so).</summary>
    private const string CallServerKey = "walkthrough-callserver-key-change-me";
    private const string RouteCall = "/locationserver.routing.v1.RoutingService/RouteCall";

    private readonly string _directory = Directory.CreateTempSubdirectory("locationserver-walkthrough-").FullName;
    private readonly int _httpPort = Loopback.FreePort();
    private readonly int _grpcPort = Loopback.FreePort();
    private string _database = "";
    private string _connectionString = "";

    public async Task InitializeAsync() => (_database, _connectionString) = await RealServers.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        await RealServers.DropDatabaseAsync(_database);
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }

    private static string Example(string name) => Path.Combine(BuiltHost.RepositoryRoot, "docs", "examples", "walkthrough", name);

    private static string ExampleText(string name) => File.ReadAllText(Example(name));

    /// <summary>The settings of the guide's deployment: PostgreSQL, Redis, a token key, the public base URL, routing.</summary>
    private Dictionary<string, string> Settings() => new()
    {
        ["ConnectionStrings:Postgres"] = _connectionString,
        ["ConnectionStrings:Redis"] = RealServers.Redis,
        ["Tokens:Key"] = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(_database))),
        ["Held:PublicBaseUrl"] = $"http://127.0.0.1:{_httpPort}",
        ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{_httpPort}",
        ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{_grpcPort}",
        ["Storage:DataDirectory"] = Path.Combine(_directory, "data"),
        ["Routing:PsapBoundaryFile"] = ServiceLaunch.DemoBoundaryFile(),
        ["Routing:RelayCenter:Uri"] = "sip:ecrc@relay.invalid",
        ["Routing:TestService:Uri"] = "sip:933@test-service.invalid",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, string key, HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static async Task<JsonElement> ExpectAsync(HttpStatusCode expected, Task<(HttpStatusCode Status, JsonElement Body)> call, string step)
    {
        var (status, body) = await call;
        Assert.True(status == expected, $"{step}: expected {(int)expected}, got {(int)status}: {body}");
        return body;
    }

    private static StringContent JsonFile(string name) => new(ExampleText(name), Encoding.UTF8, "application/json");

    private static ByteArrayContent CsvFile(string name)
    {
        var content = new ByteArrayContent(File.ReadAllBytes(Example(name)));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/csv");
        return content;
    }

    private static (int Added, int Changed, IReadOnlyList<string> AddedKeys) Kind(JsonElement changes, string kind)
    {
        Assert.True(changes.TryGetProperty("changes", out var kinds), changes.ToString());
        var entry = kinds.EnumerateArray().Single(c => c.GetProperty("kind").GetString() == kind);
        return (entry.GetProperty("added").GetInt32(), entry.GetProperty("changed").GetInt32(),
            [.. entry.GetProperty("addedKeys").EnumerateArray().Select(k => k.GetString()!)]);
    }

    private async Task<RouteCallResponse> RouteCallAsync(string json)
    {
        var request = JsonParser.Default.Parse<RouteCallRequest>(json);
        var result = await GrpcClients.DotNetAsync($"127.0.0.1:{_grpcPort}", RouteCall, request.ToByteArray(), apiKey: CallServerKey);
        Assert.True(result.Code == 0, $"RouteCall failed with status {result.Code}: {result.Details}");
        return RouteCallResponse.Parser.ParseFrom(result.Response);
    }

    [Fact]
    public async Task Walkthrough_EveryStepOfTheGuide_AnswersAsTheGuideSays()
    {
        // The example wiremap's call server entry is the hash of the key the guide names.
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CallServerKey))), ExampleText("acme-wiremap.json"), StringComparison.Ordinal);

        // 1. Migrate the database and create the first system key with the command line.
        var migrate = await BuiltHost.RunAsync(_directory, Settings(), ["migrate"], TimeSpan.FromMinutes(2));
        Assert.True(migrate.ExitCode == 0, migrate.Stderr);
        var created = await BuiltHost.RunAsync(_directory, Settings(), ["admin-key", "create", "--role", "system", "--expires", "90d", "--name", "ops bootstrap"], TimeSpan.FromMinutes(2));
        Assert.True(created.ExitCode == 0, created.Stderr);
        var systemKey = created.Stdout.Trim();
        Assert.StartsWith("lsk_", systemKey, StringComparison.Ordinal);

        await using var host = BuiltHost.Start(_directory, Settings(), []);
        await host.WaitReadyAsync(_httpPort);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}"), Timeout = TimeSpan.FromSeconds(30) };

        // Without a key nothing under /admin answers, from loopback too (PostgreSQL is configured).
        using (var anonymous = await client.GetAsync(new Uri("/admin/tenants", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // 2. Create the tenant: the whole-tenant PUT of a minimal wiremap (a new tenant: system only).
        var tenant = await ExpectAsync(HttpStatusCode.OK, SendAsync(client, systemKey, HttpMethod.Put, "/admin/tenants/acme/wiremap", JsonFile("acme-wiremap.json")), "create the tenant");
        Assert.Equal("acme", tenant.GetProperty("tenant").GetString());
        Assert.Equal(0, tenant.GetProperty("warnings").GetArrayLength());

        // 3. Keys for the office manager (tenant admin) and the HQ site manager, each shown once.
        var adminKey = (await ExpectAsync(HttpStatusCode.Created, SendAsync(client, systemKey, HttpMethod.Post, "/admin/tenants/acme/keys", JsonFile("tenant-admin-key.json")), "tenant admin key"))
            .GetProperty("key").GetString()!;
        var siteKeyAnswer = await ExpectAsync(HttpStatusCode.Created, SendAsync(client, adminKey, HttpMethod.Post, "/admin/tenants/acme/keys", JsonFile("site-manager-key.json")), "site manager key");
        var siteKey = siteKeyAnswer.GetProperty("key").GetString()!;
        Assert.Equal("siteManager", siteKeyAnswer.GetProperty("details").GetProperty("role").GetString());
        Assert.Equal(["hq"], siteKeyAnswer.GetProperty("details").GetProperty("sites").EnumerateArray().Select(s => s.GetString()));

        // 4. The Skype for Business port file: a dry run, then the import. Ports at 100 Congress Ave land in site hq.
        var dryRun = await ExpectAsync(HttpStatusCode.OK, SendAsync(client, adminKey, HttpMethod.Post, "/admin/tenants/acme/imports/sfb-port?dryRun=true", CsvFile("sfb-ports.csv")), "ports, dry run");
        Assert.True(dryRun.GetProperty("dryRun").GetBoolean());
        Assert.Equal(3, Kind(dryRun, "chassisPort").Added);
        Assert.Equal(0, Kind(dryRun, "sites").Added);
        Assert.Equal(["hq-3-west", "hq-3-east", "hq-lobby"], Kind(dryRun, "locations").AddedKeys);
        var ports = await ExpectAsync(HttpStatusCode.OK, SendAsync(client, adminKey, HttpMethod.Post, "/admin/tenants/acme/imports/sfb-port", CsvFile("sfb-ports.csv")), "ports");
        Assert.False(ports.GetProperty("dryRun").GetBoolean());
        Assert.Equal(Kind(dryRun, "chassisPort").AddedKeys, Kind(ports, "chassisPort").AddedKeys);

        // 5. The PureConnect station export: each station a pinned MAC at its floor and spot, and a user record per
        //    station name with the station's MAC and DID; a dry run first.
        var stationsDryRun = await ExpectAsync(HttpStatusCode.OK, SendAsync(client, adminKey, HttpMethod.Post, "/admin/tenants/acme/imports/pureconnect?dryRun=true", CsvFile("pureconnect-stations.csv")), "stations, dry run");
        Assert.Equal(["front-desk", "kari-hunt"], Kind(stationsDryRun, "users").AddedKeys);
        var stations = await ExpectAsync(HttpStatusCode.OK, SendAsync(client, adminKey, HttpMethod.Post, "/admin/tenants/acme/imports/pureconnect", CsvFile("pureconnect-stations.csv")), "stations");
        Assert.Equal(["00:04:f2:a1:b2:c3", "00:04:f2:a1:b2:c4"], Kind(stations, "deviceMac").AddedKeys);
        Assert.Equal(["hq-1-lobby", "hq-3-310-ne-corner"], Kind(stations, "locations").AddedKeys);
        Assert.Equal(["front-desk", "kari-hunt"], Kind(stations, "users").AddedKeys);
        var kari = await ExpectAsync(HttpStatusCode.OK, SendAsync(client, siteKey, HttpMethod.Get, "/admin/tenants/acme/users/kari-hunt"), "the imported user");
        Assert.Equal("hq", kari.GetProperty("site").GetString());
        Assert.Equal(["+15125550100"], kari.GetProperty("dids").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(["00:04:f2:a1:b2:c4"], kari.GetProperty("deviceMacs").EnumerateArray().Select(d => d.GetString()));

        // 6. The site manager adds Kari's e-mail and her laptop to her record.
        var edited = await ExpectAsync(HttpStatusCode.OK, SendAsync(client, siteKey, HttpMethod.Put, "/admin/tenants/acme/users/kari-hunt", JsonFile("user-kari.json")), "user");
        Assert.Equal(["00:04:f2:a1:b2:c4", "3c:22:fb:12:34:56"], edited.GetProperty("deviceMacs").EnumerateArray().Select(d => d.GetString()));

        // 7. Emergency endpoints: the domain's by the office manager, the site's by the site manager.
        await ExpectAsync(HttpStatusCode.Created, SendAsync(client, adminKey, HttpMethod.Post, "/admin/tenants/acme/emergency-endpoints", JsonFile("endpoint-domain.json")), "domain endpoint");
        var domain = await ExpectAsync(HttpStatusCode.OK, SendAsync(client, adminKey, HttpMethod.Post, "/admin/tenants/acme/emergency-endpoints/acme-main/apply-to-domain"), "apply to the domain");
        Assert.Equal(2, domain.GetProperty("users").GetInt32());
        await ExpectAsync(HttpStatusCode.Created, SendAsync(client, siteKey, HttpMethod.Post, "/admin/tenants/acme/emergency-endpoints", JsonFile("endpoint-hq.json")), "site endpoint");
        var site = await ExpectAsync(HttpStatusCode.OK, SendAsync(client, siteKey, HttpMethod.Post, "/admin/tenants/acme/emergency-endpoints/hq-reception/apply-to-site/hq"), "apply to the site");
        Assert.Equal("hq", site.GetProperty("site").GetString());
        Assert.Equal(2, site.GetProperty("users").GetInt32());

        // 8. Kari's soft client at home: the HELD+ request with the address she typed in answers that address by reference.
        using var held = new ByteArrayContent(File.ReadAllBytes(Example("held-home-address.xml")));
        held.Headers.ContentType = MediaTypeHeaderValue.Parse("application/held+xml;charset=utf-8");
        using var heldResponse = await client.PostAsync(new Uri("/held/acme", UriKind.Relative), held);
        var heldBody = await heldResponse.Content.ReadAsStringAsync();
        Assert.True(heldResponse.StatusCode == HttpStatusCode.OK, heldBody);
        var heldDocument = XDocument.Parse(heldBody);
        Assert.True(heldDocument.ErrorCode() is null, heldBody);
        Assert.Equal("Elm", heldDocument.Civic("RD"));
        Assert.Equal("Manual", heldDocument.Method());
        var locationUri = heldDocument.LocationUri();
        Assert.StartsWith($"http://127.0.0.1:{_httpPort}/loc/", locationUri, StringComparison.Ordinal);

        // 9. Her 911 call from home presents her own number, not HQ's endpoint; a desk phone at HQ presents HQ's.
        var home = await RouteCallAsync(ExampleText("route-call-home.json").Replace("LOCATION_URI", locationUri, StringComparison.Ordinal));
        Assert.Equal(LocationSource.Token, home.Source);
        Assert.Equal("Elm", home.Location.Civic.Rd);
        Assert.Equal("+15125550100", home.CallbackNumber);
        Assert.False(home.CallbackIsElin);
        Assert.EndsWith("callback: caller's own number (user-entered address)", home.Reason, StringComparison.Ordinal);
        var desk = await RouteCallAsync(ExampleText("route-call-desk.json"));
        Assert.Equal(LocationSource.Station, desk.Source);
        Assert.Equal("hq-1-lobby", desk.Location.LocationId);
        Assert.Equal(RouteKind.Psap, desk.Route.Kind);
        Assert.Equal("+15125550001", desk.CallbackNumber);

        // 10. The audit trail: every change, who made it and with what outcome.
        var audit = (await ExpectAsync(HttpStatusCode.OK, SendAsync(client, adminKey, HttpMethod.Get, "/admin/tenants/acme/audit"), "audit"))
            .GetProperty("items").EnumerateArray().ToList();
        string Actor(string key) => "key:" + AdminAccounts.AdminApi.IdOf(key);
        void Has(string kind, string route, string actor, int status) =>
            Assert.True(audit.Any(e => e.GetProperty("kind").GetString() == kind && e.GetProperty("route").GetString() == route
                && e.GetProperty("actor").GetString() == actor && e.GetProperty("status").GetInt32() == status),
                $"no audit entry {kind} {route} by {actor} with {status}:\n{string.Join('\n', audit)}");
        Has("wiremap.import", "/admin/tenants/acme/wiremap", Actor(systemKey), 200);
        Has("key.create", "/admin/tenants/acme/keys", Actor(systemKey), 201);
        Has("key.create", "/admin/tenants/acme/keys", Actor(adminKey), 201);
        Has("csv.import", "/admin/tenants/acme/imports/sfb-port", Actor(adminKey), 200);
        Has("csv.import", "/admin/tenants/acme/imports/pureconnect", Actor(adminKey), 200);
        Has("user.update", "/admin/tenants/acme/users/kari-hunt", Actor(siteKey), 200);
        Has("endpoint.create", "/admin/tenants/acme/emergency-endpoints", Actor(adminKey), 201);
        Has("endpoint.apply", "/admin/tenants/acme/emergency-endpoints/acme-main/apply-to-domain", Actor(adminKey), 200);
        Has("endpoint.create", "/admin/tenants/acme/emergency-endpoints", Actor(siteKey), 201);
        Has("endpoint.apply", "/admin/tenants/acme/emergency-endpoints/hq-reception/apply-to-site/hq", Actor(siteKey), 200);
        var import = audit.First(e => e.GetProperty("route").GetString() == "/admin/tenants/acme/imports/pureconnect").GetProperty("after");
        Assert.Equal(2, import.GetProperty("changes").GetProperty("deviceMac").GetProperty("added").GetInt32());
        Assert.Equal(2, import.GetProperty("changes").GetProperty("users").GetProperty("added").GetInt32());
        var siteEndpoint = audit.First(e => e.GetProperty("kind").GetString() == "endpoint.create" && e.GetProperty("actor").GetString() == Actor(siteKey));
        Assert.Equal("hq-reception", siteEndpoint.GetProperty("objectId").GetString());
        Assert.Equal("+15125550001", siteEndpoint.GetProperty("after").GetProperty("callbackNumber").GetString());
        var bySiteManager = await ExpectAsync(HttpStatusCode.OK,
            SendAsync(client, adminKey, HttpMethod.Get, "/admin/tenants/acme/audit?actor=" + Uri.EscapeDataString(Actor(siteKey))), "audit by actor");
        Assert.Equal(3, bySiteManager.GetProperty("items").GetArrayLength());
    }
}
