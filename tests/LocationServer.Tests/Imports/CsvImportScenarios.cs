using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LocationServer.Data.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Imports;

/// <summary>
/// The CSV imports and exports and the import dry runs, through the admin API of a host holding the demo tenant,
/// with the fixture files an administrator would bring (Windows PowerShell's Export-Csv with its BOM, #TYPE line,
/// CRLF and quoting; PowerShell 7's; a hand-made file; PureConnect's export). Run on each store by a derived class.
/// </summary>
public abstract class CsvImportScenarios : IAsyncLifetime
{
    private HttpClient _client = null!;

    /// <summary>Starts a host on a fresh store holding the demo tenant and returns a client to it.</summary>
    protected abstract Task<HttpClient> StartAsync();

    protected abstract IServiceProvider Services { get; }

    public async Task InitializeAsync() => _client = await StartAsync();

    public virtual Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Imports", "Fixtures", name));

    private static ByteArrayContent Csv(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        return content;
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(string url, byte[] body)
    {
        using var response = await _client.PostAsync(url, Csv(body));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static (int Added, int Changed, int Removed) Counts(JsonNode body, string kind)
    {
        var entry = body["changes"]!.AsArray().Single(k => (string)k!["kind"]! == kind)!;
        return ((int)entry["added"]!, (int)entry["changed"]!, (int)entry["removed"]!);
    }

    private Task<string> WiremapAsync(string tenant = "demo") => _client.GetStringAsync($"/admin/tenants/{tenant}/wiremap");

    private async Task<JsonNode> ExplainAsync(string query) => JsonNode.Parse(await _client.GetStringAsync("/admin/tenants/demo/explain?" + query))!;

    [Fact]
    public async Task SfbPortImport_ExportCsvWithTypeLineBomAndQuotes_AddsPortsAndKeepsTheRest()
    {
        var before = JsonNode.Parse(await WiremapAsync())!;
        var (status, body) = await PostAsync("/admin/tenants/demo/imports/sfb-port", Fixture("sfb-port.csv"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False((bool)body["dryRun"]!);
        Assert.Equal(5, (int)body["rows"]!);
        Assert.Equal((5, 0, 0), Counts(body, "chassisPort"));
        Assert.Equal((1, 0, 0), Counts(body, "sites"));
        Assert.Equal((0, 0, 0), Counts(body, "subnet"));
        // Port 4200 on hq-sw3 at HQ's "Lobby" joins the existing lobby location; the new building gets a site.
        var lobby = await ExplainAsync("chassis=4:00:1b:54:aa:bb:01&port=7:4200");
        Assert.Equal("hq-1-lobby", (string)lobby["location"]!["id"]!);
        Assert.Equal("Reception desk", (string)lobby["element"]!["description"]!);
        var quoted = await ExplainAsync("chassis=4:00:1b:54:aa:bb:01&port=5:Gi1/0/9");
        Assert.Equal("Desk \"hot\" seat, 3rd floor", (string)quoted["element"]!["description"]!);
        var west = await ExplainAsync("chassis=5:10.20.0.2&port=5:Gi1/0/1");
        Assert.StartsWith("500-w-2nd-st-austin-2-west", (string)west["location"]!["id"]!, StringComparison.Ordinal);
        var after = JsonNode.Parse(await WiremapAsync())!;
        Assert.Equal(before["elements"]!.AsArray().Count + 5, after["elements"]!.AsArray().Count);
        Assert.Contains(after["elements"]!.AsArray(), e => (string)e!["value"]! == "10.1.3.0/24");
        var site = after["sites"]!.AsArray().Single(s => ((string)s!["id"]!).StartsWith("500-w-2nd", StringComparison.Ordinal))!;
        Assert.Equal("W", (string)site["address"]!["PRD"]!);
        Assert.Equal("2nd", (string)site["address"]!["RD"]!);
        Assert.Equal("Example Corp", (string)site["address"]!["NAM"]!);
    }

    [Fact]
    public async Task SfbPortImport_BadLineInTheMiddle_RejectsWholeFileNamingLineAndColumn()
    {
        var before = await WiremapAsync();
        var (status, body) = await PostAsync("/admin/tenants/demo/imports/sfb-port", Fixture("sfb-port-bad-line.csv"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body["errors"]!.AsArray().Select(e => (string)e!).ToList();
        var error = Assert.Single(errors);
        Assert.StartsWith("line 14, column StreetName: is required", error, StringComparison.Ordinal);
        Assert.Equal(before, await WiremapAsync());
    }

    [Fact]
    public async Task SfbSubnetImport_DryRun_ReportsChangesAndStoresNothing()
    {
        var before = await WiremapAsync();
        var (status, body) = await PostAsync("/admin/tenants/demo/imports/sfb-subnet?dryRun=true", Fixture("sfb-subnet.csv"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool)body["dryRun"]!);
        Assert.Equal((3, 1, 0), Counts(body, "subnet"));
        var subnets = body["changes"]!.AsArray().Single(k => (string)k!["kind"]! == "subnet")!;
        Assert.Equal(["10.20.1.0/24", "10.20.2.0/24", "2001:db8:20::/64"], subnets["addedKeys"]!.AsArray().Select(k => (string)k!));
        Assert.Equal(["10.1.3.0/24"], subnets["changedKeys"]!.AsArray().Select(k => (string)k!));
        Assert.Equal(before, await WiremapAsync());

        // Applied, the same file makes exactly the changes the dry run announced.
        var (applied, result) = await PostAsync("/admin/tenants/demo/imports/sfb-subnet", Fixture("sfb-subnet.csv"));
        Assert.Equal(HttpStatusCode.OK, applied);
        Assert.Equal(body["changes"]!.ToJsonString(), result["changes"]!.ToJsonString());
        var floor3 = await ExplainAsync("ip=10.1.3.44");
        Assert.Equal("hq-3-west", (string)floor3["location"]!["id"]!);
        Assert.Equal("HQ floor 3 voice VLAN (Skype LIS)", (string)floor3["element"]!["description"]!);
    }

    [Fact]
    public async Task SfbSubnetImport_WiderPrefixLength_AppliesToBareAddressesOnly()
    {
        var (status, body) = await PostAsync("/admin/tenants/demo/imports/sfb-subnet?dryRun=true&prefixLength=23", Fixture("sfb-subnet.csv"));

        // 10.20.1.0 has host bits under /23: the file is refused at its line.
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(body["errors"]!.AsArray(), e => ((string)e!).StartsWith("line 2, column Subnet: '10.20.1.0'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SfbWapAndSwitchImports_HandMadeAndExportedFiles_MapAccessPointsAndSwitches()
    {
        var (wap, wapBody) = await PostAsync("/admin/tenants/demo/imports/sfb-wap", Fixture("sfb-wap.csv"));
        var (sw, swBody) = await PostAsync("/admin/tenants/demo/imports/sfb-switch", Fixture("sfb-switch.csv"));

        Assert.Equal(HttpStatusCode.OK, wap);
        Assert.Equal(HttpStatusCode.OK, sw);
        Assert.Equal((1, 0, 0), Counts(wapBody, "bssid"));
        Assert.Equal((1, 0, 0), Counts(wapBody, "bssidPrefix"));
        Assert.Equal((2, 0, 0), Counts(swBody, "chassis"));
        var prefixed = await ExplainAsync("bssid=00:11:22:33:46:1a");
        Assert.EndsWith("-2-east", (string)prefixed["location"]!["id"]!, StringComparison.Ordinal);
        // A row without Location maps the switch to the building itself.
        var building = await ExplainAsync("chassis=4:00:1b:54:aa:dd:01");
        Assert.Equal("500-w-2nd-st-austin", (string)building["location"]!["id"]!);
        Assert.Equal("Chassis", (string)building["rule"]!);
    }

    [Fact]
    public async Task PureConnectImport_StationExport_BecomesDeviceMacPinsNamedAfterTheStation()
    {
        var (status, body) = await PostAsync("/admin/tenants/demo/imports/pureconnect", Fixture("pureconnect-stations.csv"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((4, 0, 0), Counts(body, "deviceMac"));
        Assert.Equal(["front-desk", "smith-jane", "training-room", "warehouse"], Keys(body, "users", "addedKeys"));
        var desk = await ExplainAsync("mac=00:04:f2:a1:b2:c3");
        Assert.Equal("hq-1-lobby", (string)desk["location"]!["id"]!);
        Assert.Equal("Front Desk (ext 4012, Polycom VVX301, sip:4012@cic.example.com)", (string)desk["element"]!["description"]!);
        var jane = await ExplainAsync("mac=00:90:8f:12:34:56");
        Assert.Equal("annex-2", (string)jane["location"]!["id"]!);
        Assert.StartsWith("Smith, Jane (ext 4013, AudioCodes,", (string)jane["element"]!["description"]!, StringComparison.Ordinal);
        var training = await ExplainAsync("mac=00:04:f2:a1:b2:c4");
        Assert.Equal("hq-3-305-training-room", (string)training["location"]!["id"]!);
        // A building letter makes a site of its own at the lab's street address.
        var warehouse = JsonNode.Parse(await WiremapAsync())!["sites"]!.AsArray().Single(s => (string?)s!["address"]!["BLD"] == "B")!;
        Assert.Equal("Round Rock", (string)warehouse["address"]!["A3"]!);
    }

    private const string StationsWithDids = """
        DisplayName,PhoneManufacturer,PhoneModel,NetworkID,IdentificationAddress,Extension,DID,LocationId
        Front Desk,Polycom,VVX301,0004f2a1b2c3,sip:4012@cic.example.com,4012,+15125550140,hq-1-lobby
        "Smith, Jane",AudioCodes,,00908F123456,sip:4013@cic.example.com,4013,+15125550141,annex-2
        Training Room,Others,IP330,00-04-F2-A1-B2-C4,sip:4020@cic.example.com,+1 512 555 0142,,hq-3-west
        ,Polycom,VVX411,0004F2A1B2C5,,,,lab-1
        """;

    private async Task<JsonNode> UserAsync(string id) => JsonNode.Parse(await _client.GetStringAsync("/admin/tenants/demo/users/" + id))!;

    private async Task CreateUserAsync(string json)
    {
        using var response = await _client.PostAsync("/admin/tenants/demo/users", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static string[] Keys(JsonNode body, string kind, string list) =>
        [.. body["changes"]!.AsArray().Single(k => (string)k!["kind"]! == kind)![list]!.AsArray().Select(k => (string)k!)];

    [Fact]
    public async Task PureConnectImport_StationNames_FindByMacOrNameElseCreateUsersWithMacAndDid()
    {
        await CreateUserAsync("""{"id":"reception","displayName":"Reception","deviceMacs":["00:04:f2:a1:b2:c3"]}""");
        await CreateUserAsync("""{"id":"jsmith","displayName":"smith, jane","email":"jane@example.com","site":"annex"}""");

        var (dryStatus, dry) = await PostAsync("/admin/tenants/demo/imports/pureconnect?dryRun=true", Encoding.UTF8.GetBytes(StationsWithDids));
        Assert.True(dryStatus == HttpStatusCode.OK, dry.ToJsonString());
        Assert.Equal((1, 2, 0), Counts(dry, "users"));
        Assert.Equal(["training-room"], Keys(dry, "users", "addedKeys"));
        Assert.Equal(["reception", "jsmith"], Keys(dry, "users", "changedKeys"));
        Assert.Empty(UserMacs(await UserAsync("jsmith")));

        var (status, body) = await PostAsync("/admin/tenants/demo/imports/pureconnect", Encoding.UTF8.GetBytes(StationsWithDids));
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal((4, 0, 0), Counts(body, "deviceMac"));
        Assert.Equal((1, 2, 0), Counts(body, "users"));
        // Found by its MAC: the desk phone's user keeps its name and gets the station's DID.
        var reception = await UserAsync("reception");
        Assert.Equal("Reception", (string)reception["displayName"]!);
        Assert.Equal(["+15125550140"], UserDids(reception));
        // Found by its display name (ignoring case): the MAC and DID are added, the rest kept.
        var jane = await UserAsync("jsmith");
        Assert.Equal(["00:90:8f:12:34:56"], UserMacs(jane));
        Assert.Equal(["+15125550141"], UserDids(jane));
        Assert.Equal("jane@example.com", (string)jane["email"]!);
        Assert.Equal("annex", (string)jane["site"]!);
        // Created: named after the station, at the station's site; an Extension that is a full number is its DID.
        var training = await UserAsync("training-room");
        Assert.Equal("Training Room", (string)training["displayName"]!);
        Assert.Equal("hq", (string)training["site"]!);
        Assert.Equal(["00:04:f2:a1:b2:c4"], UserMacs(training));
        Assert.Equal(["+15125550142"], UserDids(training));

        // The same file again changes nothing.
        var (_, again) = await PostAsync("/admin/tenants/demo/imports/pureconnect?dryRun=true", Encoding.UTF8.GetBytes(StationsWithDids));
        Assert.Equal((0, 0, 0), Counts(again, "users"));
    }

    [Fact]
    public async Task PureConnectImport_DidOfAnotherUser_RejectsTheWholeFileAtItsLine()
    {
        await CreateUserAsync("""{"id":"kari","displayName":"Kari Hunt","dids":["+15125550141"]}""");
        var before = await WiremapAsync();

        var (status, body) = await PostAsync("/admin/tenants/demo/imports/pureconnect", Encoding.UTF8.GetBytes(StationsWithDids));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("line 3, column DID: +15125550141 belongs to user 'kari'", (string)body["errors"]![0]!);
        Assert.Equal(before, await WiremapAsync());
        using var users = await _client.GetAsync("/admin/tenants/demo/users");
        var list = JsonNode.Parse(await users.Content.ReadAsStringAsync())!["items"]!.AsArray();
        Assert.Equal(["kari"], list.Select(u => (string)u!["id"]!));
    }

    [Fact]
    public async Task PureConnectImport_DidNotAFullNumber_RefusedNamingTheColumn()
    {
        var file = StationsWithDids.Replace("+15125550140", "4012", StringComparison.Ordinal);

        var (status, body) = await PostAsync("/admin/tenants/demo/imports/pureconnect?dryRun=true", Encoding.UTF8.GetBytes(file));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("line 2, column DID: '4012' is not a full E.164 number a PSAP can call back", (string)body["errors"]![0]!);
    }

    private static string[] UserMacs(JsonNode user) => [.. user["deviceMacs"]!.AsArray().Select(m => (string)m!)];

    private static string[] UserDids(JsonNode user) => [.. user["dids"]!.AsArray().Select(m => (string)m!)];

    private static byte[] TeamsExample(string name) => File.ReadAllBytes(Path.Combine(Hosting.BuiltHost.RepositoryRoot, "docs", "examples", "teams", name));

    private static readonly (string Format, string File)[] TeamsExamples =
    [
        ("teams-civic-address", "civic-addresses.csv"), ("teams-location", "locations.csv"), ("teams-subnet", "subnets.csv"),
        ("teams-wap", "wireless-access-points.csv"), ("teams-switch", "switches.csv"), ("teams-port", "ports.csv"),
    ];

    [Fact]
    public async Task TeamsImports_DocumentedExamplesInOrder_ResolveLocationIdsAndMapEveryElement()
    {
        var results = new Dictionary<string, JsonNode>();
        foreach (var (format, file) in TeamsExamples)
        {
            var (status, body) = await PostAsync($"/admin/tenants/demo/imports/{format}", TeamsExample(file));
            Assert.True(status == HttpStatusCode.OK, $"{format}: {body.ToJsonString()}");
            results[format] = body;
        }

        // 100 Congress Ave is the demo's hq (it remembers the Teams ids); 500 W 2nd St is a new site.
        Assert.Equal((1, 1, 0), Counts(results["teams-civic-address"], "sites"));
        Assert.Contains("Elin", results["teams-civic-address"]["ignoredColumns"]!.AsArray().Select(c => (string)c!));
        Assert.Equal((1, 1, 0), Counts(results["teams-location"], "locations"));
        Assert.Equal((2, 1, 0), Counts(results["teams-subnet"], "subnet"));
        Assert.Equal((1, 0, 0), Counts(results["teams-wap"], "bssid"));
        Assert.Equal((1, 0, 0), Counts(results["teams-wap"], "bssidPrefix"));
        Assert.Equal((1, 0, 0), Counts(results["teams-switch"], "chassis"));
        Assert.Equal((1, 0, 0), Counts(results["teams-port"], "chassisPort"));

        var wiremap = JsonNode.Parse(await WiremapAsync())!;
        var hq = wiremap["sites"]!.AsArray().Single(s => (string)s!["id"]! == "hq")!;
        Assert.Equal("51a8a6e3-dae4-4653-9a99-a6e71c4c24ac", (string)hq["teamsCivicAddressId"]!);
        Assert.Equal("75301b5d-3609-458e-a379-da9a0d3ccb31", (string)hq["teamsLocationId"]!);
        var west = wiremap["locations"]!.AsArray().Single(l => (string?)l!["teamsLocationId"] == "efd7273e-3092-4a56-8541-f5c896bb6fee")!;
        Assert.Equal("2/West", (string)west["text"]!);
        Assert.Equal(["+15125550170"], west["elins"]!.AsArray().Select(e => (string)e!));

        var westId = (string)west["id"]!;
        Assert.Equal(westId, (string)(await ExplainAsync("ip=10.20.1.9"))["location"]!["id"]!);
        Assert.Equal("hq-3-west", (string)(await ExplainAsync("ip=10.1.3.44"))["location"]!["id"]!);
        Assert.Equal("HQ floor 3 voice VLAN (Teams LIS)", (string)(await ExplainAsync("ip=10.1.3.44"))["element"]!["description"]!);
        Assert.Equal(westId, (string)(await ExplainAsync("bssid=f0:6e:0b:c2:03:23"))["location"]!["id"]!);
        Assert.Equal("West 2nd lobby AP, all SSIDs", (string)(await ExplainAsync("bssid=f0:6e:0b:c2:04:7a"))["element"]!["description"]!);
        // Teams records no port subtype: the port answers whichever subtype the switch advertises.
        Assert.Equal(westId, (string)(await ExplainAsync("chassis=4:b8:be:bf:4a:a3:00&port=5:G1/0/30"))["location"]!["id"]!);
        Assert.Equal(westId, (string)(await ExplainAsync("chassis=4:b8:be:bf:4a:a3:00&port=7:G1/0/30"))["location"]!["id"]!);
        Assert.Equal("w2-sw1", (string)(await ExplainAsync("chassis=4:b8:be:bf:4a:a3:00&port=5:G1/0/31"))["element"]!["description"]!);

        // Importing the same files again changes nothing.
        foreach (var (format, file) in TeamsExamples)
        {
            var (status, again) = await PostAsync($"/admin/tenants/demo/imports/{format}?dryRun=true", TeamsExample(file));
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.All(again["changes"]!.AsArray(), k => Assert.Equal(0, (int)k!["added"]! + (int)k["changed"]! + (int)k["removed"]!));
        }
    }

    [Fact]
    public async Task TeamsSubnetImport_UnknownLocationId_RejectsWholeFileNamingLineAndColumn()
    {
        var before = await WiremapAsync();
        var file = "\"Subnet\",\"LocationId\",\"Description\"\r\n\"10.30.1.0\",\"\",\"no location\"\r\n\"10.30.2.0\",\"3f1c2b9a-0000-4000-8000-000000000001\",\"unknown\"\r\n\"10.30.3.0/24\",\"3f1c2b9a-0000-4000-8000-000000000001\",\"CIDR\"\r\n";
        var (status, body) = await PostAsync("/admin/tenants/demo/imports/teams-subnet?dryRun=true", Encoding.UTF8.GetBytes(file));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = body["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Equal(4, errors.Count);
        Assert.Equal("line 2, column LocationId: is required", errors[0]);
        Assert.StartsWith("line 3, column LocationId: no location 3f1c2b9a-0000-4000-8000-000000000001", errors[1], StringComparison.Ordinal);
        Assert.StartsWith("line 4, column Subnet: '10.30.3.0/24' is not an IPv4 or IPv6 network address", errors[2], StringComparison.Ordinal);
        Assert.StartsWith("line 4, column LocationId: no location", errors[3], StringComparison.Ordinal);
        Assert.Equal(before, await WiremapAsync());
    }

    [Fact]
    public async Task TeamsCivicAndLocationImports_DryRunThenUnknownCivicAddress_ReportPerKindStoreNothingAndNameTheLine()
    {
        var before = await WiremapAsync();
        var (status, body) = await PostAsync("/admin/tenants/demo/imports/teams-civic-address?dryRun=true", TeamsExample("civic-addresses.csv"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True((bool)body["dryRun"]!);
        Assert.Equal(2, (int)body["rows"]!);
        var sites = body["changes"]!.AsArray().Single(k => (string)k!["kind"]! == "sites")!;
        Assert.Equal(["500-w-2nd-st-austin"], sites["addedKeys"]!.AsArray().Select(k => (string)k!));
        Assert.Equal(["hq"], sites["changedKeys"]!.AsArray().Select(k => (string)k!));
        Assert.Equal(before, await WiremapAsync());

        // The locations name civic addresses nothing remembers yet: every row is an error of its line, nothing is stored.
        var (refused, problem) = await PostAsync("/admin/tenants/demo/imports/teams-location", TeamsExample("locations.csv"));
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        var errors = problem["errors"]!.AsArray().Select(e => (string)e!).ToList();
        Assert.Equal(4, errors.Count);
        Assert.Equal("line 3, column CivicAddressId: no civic address 51a8a6e3-dae4-4653-9a99-a6e71c4c24ac (import the civic address file first)", errors[0]);
        Assert.StartsWith("line 6, column CivicAddressId: no civic address b1f6a2c4", errors[3], StringComparison.Ordinal);
        Assert.Equal(before, await WiremapAsync());
    }

    [Fact]
    public async Task TeamsWapImport_WildcardBeyondTheLastTwoCharacters_RefusedNamingTheColumn()
    {
        await PostAsync("/admin/tenants/demo/imports/teams-civic-address", TeamsExample("civic-addresses.csv"));
        var file = "BSSID,LocationId,Description\nF0-6E-0B-C2-0*,75301b5d-3609-458e-a379-da9a0d3ccb31,too wide\nF0-6E-0B-C2-05-1*,75301b5d-3609-458e-a379-da9a0d3ccb31,ok\n";
        var (status, body) = await PostAsync("/admin/tenants/demo/imports/teams-wap", Encoding.UTF8.GetBytes(file));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Assert.Single(body["errors"]!.AsArray().Select(e => (string)e!));
        Assert.StartsWith("line 2, column BSSID: 'F0-6E-0B-C2-0*' is not a BSSID with * in place of its last one or two characters", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TeamsExports_ImportedIntoAnotherTenantAndBack_RoundTripWithoutChanges()
    {
        using (var created = await _client.PutAsync("/admin/tenants/copy/wiremap", new StringContent("""{ "tenant": { "id": "copy", "name": "Copy" } }""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var exports = new Dictionary<string, byte[]>();
        foreach (var (format, _) in TeamsExamples)
        {
            exports[format] = await _client.GetByteArrayAsync($"/admin/tenants/demo/exports/{format}");
            // The tenant it came from takes its own export back without a change.
            var (same, body) = await PostAsync($"/admin/tenants/demo/imports/{format}?dryRun=true", exports[format]);
            Assert.True(same == HttpStatusCode.OK, $"{format}: {body.ToJsonString()}");
            Assert.All(body["changes"]!.AsArray(), k => Assert.True(0 == (int)k!["added"]! + (int)k["changed"]! + (int)k["removed"]!, $"{format}: {k.ToJsonString()}"));
        }
        var civic = Encoding.UTF8.GetString(exports["teams-civic-address"]);
        Assert.StartsWith("CivicAddressId,HouseNumber,HouseNumberSuffix,PreDirectional,StreetName,StreetSuffix,PostDirectional,City,PostalCode,StateOrProvince,CountryOrRegion,Description,CompanyName,DefaultLocationId", civic, StringComparison.Ordinal);
        Assert.Contains("\"Floor 3, Room 301, NE corner\",+15125559301", Encoding.UTF8.GetString(exports["teams-location"]), StringComparison.Ordinal);
        Assert.Contains("00-11-22-33-45-0*", Encoding.UTF8.GetString(exports["teams-wap"]), StringComparison.Ordinal);
        Assert.DoesNotContain("annex-sw2", Encoding.UTF8.GetString(exports["teams-switch"]), StringComparison.Ordinal);

        // Teams names a subnet by its network ID alone, so subnet lengths do not travel to another tenant (into the
        // tenant they came from they do: the dry run above). The other files carry everything.
        foreach (var (format, _) in TeamsExamples.Where(e => e.Format != "teams-subnet"))
        {
            var (status, body) = await PostAsync($"/admin/tenants/copy/imports/{format}", exports[format]);
            Assert.True(status == HttpStatusCode.OK, $"{format}: {body.ToJsonString()}");
        }
        // The copy answers the same evidence with the same address, and exports the same network files.
        foreach (var query in new[] { "bssid=00:11:22:33:44:55", "bssid=00:11:22:33:45:07", "chassis=4:00:1b:54:aa:bb:01&port=5:Gi1/0/7" })
        {
            var demo = await ExplainAsync(query);
            var copy = JsonNode.Parse(await _client.GetStringAsync("/admin/tenants/copy/explain?" + query))!;
            // Teams holds a location as one text ("Floor 3, Room 301, NE corner"), which reads as the original does.
            Assert.Equal((string)demo["location"]!["display"]!, (string)copy["location"]!["display"]!);
            Assert.Equal((string?)demo["element"]?["description"], (string?)copy["element"]?["description"]);
        }
        foreach (var format in new[] { "teams-wap", "teams-switch", "teams-port" })
        {
            var copyExport = await _client.GetByteArrayAsync($"/admin/tenants/copy/exports/{format}");
            var (status, body) = await PostAsync($"/admin/tenants/demo/imports/{format}?dryRun=true", copyExport);
            Assert.True(status == HttpStatusCode.OK, $"{format}: {body.ToJsonString()}");
        }
    }

    [Fact]
    public async Task OwnCsv_ExportedThenImportedIntoAnEmptyTenant_RoundTripsEveryKind()
    {
        using (var created = await _client.PutAsync("/admin/tenants/copy/wiremap", new StringContent("""{ "tenant": { "id": "copy", "name": "Copy" } }""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        foreach (var kind in new[] { "sites", "locations", "elements", "dids", "requesters" })
        {
            var export = await _client.GetByteArrayAsync($"/admin/tenants/demo/exports/{kind}");
            var (status, body) = await PostAsync($"/admin/tenants/copy/imports/{kind}", export);
            Assert.True(status == HttpStatusCode.OK, $"{kind}: {body.ToJsonString()}");
            // Re-importing the export into the tenant it came from changes nothing.
            var (again, same) = await PostAsync($"/admin/tenants/demo/imports/{kind}?dryRun=true", export);
            Assert.Equal(HttpStatusCode.OK, again);
            Assert.All(same["changes"]!.AsArray(), k => Assert.Equal(0, (int)k!["added"]! + (int)k["changed"]! + (int)k["removed"]!));
        }
        var demo = JsonNode.Parse(await WiremapAsync())!;
        var copy = JsonNode.Parse(await WiremapAsync("copy"))!;
        foreach (var section in new[] { "sites", "locations", "elements", "dids", "requesters" })
            Assert.Equal(demo[section]!.ToJsonString(), copy[section]!.ToJsonString());
    }

    [Fact]
    public async Task WiremapImport_DryRun_ReturnsTheDifferencePerKindAndStoresNothing()
    {
        var before = await WiremapAsync();
        var document = JsonNode.Parse(before)!;
        document["sites"]![0]!["address"]!["RD"] = "Renamed";
        var elements = document["elements"]!.AsArray();
        elements.Remove(elements.Single(e => (string)e!["value"]! == "10.3.0.0/16"));
        elements.Add(JsonNode.Parse("""{ "kind": "subnet", "value": "10.9.0.0/16", "offPremises": true, "description": "New VPN" }"""));

        using var response = await _client.PutAsync("/admin/tenants/demo/wiremap?dryRun=true", new StringContent(document.ToJsonString(), Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((bool)body["dryRun"]!);
        Assert.Equal((0, 1, 0), Counts(body, "sites"));
        Assert.Equal((0, 0, 1), Counts(body, "subnet"));
        Assert.Equal((1, 0, 0), Counts(body, "offPremises"));
        Assert.Equal((0, 0, 0), Counts(body, "locations"));
        Assert.Equal(before, await WiremapAsync());
    }

    [Fact]
    public async Task CsvImports_TwoFilesAtOnce_BothMergedNeitherLost()
    {
        var subnet = PostAsync("/admin/tenants/demo/imports/sfb-subnet", Fixture("sfb-subnet.csv"));
        var pins = PostAsync("/admin/tenants/demo/imports/pureconnect", Fixture("pureconnect-stations.csv"));
        var results = await Task.WhenAll(subnet, pins);

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        var after = JsonNode.Parse(await WiremapAsync())!["elements"]!.AsArray().Select(e => (string)e!["value"]!).ToList();
        Assert.Contains("10.20.1.0/24", after);
        Assert.Contains("0004f2a1b2c3", after);
    }

    [Fact]
    public async Task Imports_UnknownFormatOrTenant_RefusedAsProblems()
    {
        var (format, formatBody) = await PostAsync("/admin/tenants/demo/imports/cisco-port", Fixture("sfb-port.csv"));
        var (tenant, _) = await PostAsync("/admin/tenants/nobody/imports/sfb-port", Fixture("sfb-port.csv"));
        using var export = await _client.GetAsync("/admin/tenants/demo/exports/phones");

        Assert.Equal(HttpStatusCode.BadRequest, format);
        Assert.Contains("sfb-port", (string)formatBody["errors"]![0]!, StringComparison.Ordinal);
        Assert.Contains("teams-port", (string)formatBody["errors"]![0]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, tenant);
        Assert.Equal(HttpStatusCode.BadRequest, export.StatusCode);
    }

    [Fact]
    public async Task CallsExport_NetworkSuppliedText_GuardedAgainstSpreadsheetFormulas()
    {
        var store = Services.GetRequiredService<WiremapStore>();
        var now = Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await store.AddCallRecordAsync(new CallRecord(Guid.Empty, "demo", now.AddMinutes(-2), "911", "=HYPERLINK(\"http://x.invalid\")", null, "did",
            "hq-3-301", "100 Congress Ave, Floor 3, Austin, TX 78701, US", "psap", "sip:psap@esinet.invalid", "Austin, TX", "+15125550100", false, "call-1"));

        using var response = await _client.GetAsync("/admin/tenants/demo/exports/calls");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("id,time,callId,dialed,testCall,callingNumber,locationSource,locationId,civicDisplay,routeKind,routeUri,routeName,callbackNumber,policyId", lines[0]);
        var row = Assert.Single(lines[1..]);
        Assert.Contains(",call-1,911,false,\"'=HYPERLINK(\"\"http://x.invalid\"\")\",did,hq-3-301,", row, StringComparison.Ordinal);
        // No policy decided this call: the policy column is empty.
        Assert.EndsWith(",+15125550100,", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallsExport_CallDecidedByPolicy_PolicyColumnAsInTheJsonList()
    {
        var store = Services.GetRequiredService<WiremapStore>();
        var now = Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        await store.AddCallRecordAsync(new CallRecord(Guid.Empty, "demo", now.AddMinutes(-1), "999", "+15125550123", null, "station",
            "annex-2", "200 Colorado St, Floor 2, Austin, TX 78701, US", "psap", "sip:psap@esinet.invalid", "Austin, TX", "+15125550123", false, "call-2", "uk-annex"));

        using var response = await _client.GetAsync("/admin/tenants/demo/exports/calls");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var json = await _client.GetStringAsync("/admin/tenants/demo/calls");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.EndsWith(",policyId", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",+15125550123,uk-annex", Assert.Single(lines[1..]), StringComparison.Ordinal);
        Assert.Contains("\"policyId\":\"uk-annex\"", json, StringComparison.Ordinal);
    }
}
