using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Lost;

namespace LocationServer.Tests.Gis;

/// <summary>The service with the Maple Falls GIS data loaded through <c>PUT /admin/gis</c>.</summary>
public sealed class GisServer : IAsyncLifetime
{
    public LocationServerFactory Factory { get; } = new();
    public JsonElement LoadAnswer { get; private set; }

    public async Task InitializeAsync()
    {
        var path = Path.Combine(Factory.DataDirectory, "maple-falls.gpkg");
        GisFixtures.WriteTown(path);
        using var client = Factory.CreateClient();
        using var content = new ByteArrayContent(await File.ReadAllBytesAsync(path));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/geopackage+sqlite3");
        using var response = await client.PutAsync(new Uri("/admin/gis?name=maple-falls.gpkg", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        LoadAnswer = JsonDocument.Parse(body).RootElement.Clone();
    }

    public Task DisposeAsync()
    {
        Factory.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class GisHostTests(GisServer server) : IClassFixture<GisServer>
{
    private static readonly XNamespace L = "urn:ietf:params:xml:ns:lost1";

    private static string Civic(string hno, string rd, string sts, string a3 = "Maple Falls", string service = "urn:service:sos", bool validate = true, string extra = "") =>
        $"<findService xmlns=\"urn:ietf:params:xml:ns:lost1\" serviceBoundary=\"reference\" recursive=\"true\" validateLocation=\"{(validate ? "true" : "false")}\">" +
        "<location id=\"civic-1\" profile=\"civic\"><ca:civicAddress xmlns:ca=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\">" +
        $"<ca:country>US</ca:country><ca:A1>IL</ca:A1><ca:A3>{a3}</ca:A3><ca:RD>{rd}</ca:RD><ca:STS>{sts}</ca:STS><ca:HNO>{hno}</ca:HNO>{extra}</ca:civicAddress></location>" +
        $"<service>{service}</service></findService>";

    private async Task<XDocument> FindServiceAsync(string body)
    {
        using var client = server.Factory.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/lost+xml;charset=utf-8");
        using var response = await client.PostAsync(new Uri("/lost", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        await LostEndpointTests.ValidateAsync(text);
        return XDocument.Parse(text);
    }

    private static string[] Names(XDocument document, string list) =>
        document.Root!.Element(L + "locationValidation")?.Element(L + list)?.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];

    private static string MappingUri(XDocument document) => document.Root!.Element(L + "mapping")!.Element(L + "uri")!.Value;

    [Fact]
    public void AdminLoad_TownWithFaults_StoresAVersionAndNamesTheFaultyFeatures()
    {
        Assert.True(server.LoadAnswer.GetProperty("version").GetInt64() >= 1);
        Assert.Equal(2, server.LoadAnswer.GetProperty("skipped").GetInt32());
        var problems = server.LoadAnswer.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.Contains("rcl-bad-geometry", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ssap-bad-street", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1051", GisFixtures.WestPsapUri)]
    [InlineData("1052", GisFixtures.EastPsapUri)]
    public async Task FindServiceCivic_ValidAddressOnTheCountyLine_ValidatedAndMappedToItsSidesPsap(string number, string psap)
    {
        var document = await FindServiceAsync(Civic(number, "Jefferson", "St", extra: "<ca:FLR>2</ca:FLR>"));
        Assert.Equal(psap, MappingUri(document));
        Assert.Equal(["ca:country", "ca:A1", "ca:A3", "ca:RD", "ca:STS", "ca:HNO"], Names(document, "valid"));
        Assert.Empty(Names(document, "invalid"));
        Assert.Equal(["ca:FLR"], Names(document, "unchecked"));
        Assert.Null(document.Root!.Element(L + "warnings"));
    }

    [Fact]
    public async Task FindServiceCivic_ImaginaryAddress_InvalidCommunityAndRelayCentre()
    {
        var document = await FindServiceAsync(Civic("99999", "Imaginary", "Rd", a3: "Nowhereville", extra: "<ca:PC>00000</ca:PC>"));
        Assert.Equal(["ca:A3"], Names(document, "invalid"));
        Assert.Contains("ca:PC", Names(document, "unchecked"));
        Assert.NotNull(document.Root!.Element(L + "warnings")!.Element(L + "defaultMappingReturned"));
    }

    [Fact]
    public async Task FindServiceCivic_WithoutValidateLocation_NoLocationValidation()
    {
        var document = await FindServiceAsync(Civic("103", "Main", "St", validate: false));
        Assert.Null(document.Root!.Element(L + "locationValidation"));
        Assert.Equal(GisFixtures.WestPsapUri, MappingUri(document));
    }

    [Fact]
    public async Task FindServiceCivic_Police_MapsToThePolicePolygon()
    {
        var document = await FindServiceAsync(Civic("307", "Elm", "St", service: "urn:service:sos.police"));
        Assert.Equal(GisFixtures.PoliceUri, MappingUri(document));
    }

    [Fact]
    public async Task FindServiceCivic_UnknownStreetInACommunityInsideOnePsap_MappedByTheCommunityPolygon()
    {
        var document = await FindServiceAsync(Civic("5", "Hill", "Rd", a3: "Riverton"));
        Assert.Equal(["ca:RD"], Names(document, "invalid"));
        Assert.Equal(GisFixtures.EastPsapUri, MappingUri(document));
        Assert.Null(document.Root!.Element(L + "warnings"));
    }

    [Fact]
    public async Task AdminValidate_MisspelledStreet_InvalidWithTheElementAndASuggestion()
    {
        using var client = server.Factory.CreateClient();
        using var response = await client.PostAsJsonAsync(new Uri("/admin/tenants/demo/addresses/validate", UriKind.Relative),
            new { address = new { country = "US", a1 = "IL", a3 = "Maple Falls", hno = "103", rd = "Mian", sts = "St", flr = "2" } });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal("invalid", answer.GetProperty("validity").GetString());
        Assert.Equal(["RD"], answer.GetProperty("invalid").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Main Street", answer.GetProperty("suggestion").GetString());
        Assert.Contains("FLR", answer.GetProperty("unchecked").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AdminValidate_ValidAddress_GeocodedToTheAddressPoint()
    {
        using var client = server.Factory.CreateClient();
        using var response = await client.PostAsJsonAsync(new Uri("/admin/tenants/demo/addresses/validate", UriKind.Relative),
            new { address = new { country = "US", a1 = "IL", a3 = "Maple Falls", hno = "1003", rd = "Lincoln", sts = "Avenue" } });
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("valid", answer.GetProperty("validity").GetString());
        Assert.Equal("addressPoint", answer.GetProperty("geocode").GetString());
        Assert.True(answer.GetProperty("point").GetProperty("longitude").GetDouble() < -89.006);
    }

    [Fact]
    public async Task AdminStatus_AfterLoad_ShowsTheVersionInForce()
    {
        using var client = server.Factory.CreateClient();
        var answer = JsonDocument.Parse(await client.GetStringAsync(new Uri("/admin/gis", UriKind.Relative))).RootElement;
        Assert.Equal(server.LoadAnswer.GetProperty("version").GetInt64(), answer.GetProperty("version").GetInt64());
        Assert.Equal("maple-falls.gpkg", answer.GetProperty("name").GetString());
        Assert.True(answer.GetProperty("addressPoints").GetInt32() > 300);
    }

    private const string MapleWiremap = """
        {
          "tenant": { "id": "maple", "name": "Maple Falls Clinic" },
          "sites": [
            { "id": "main", "name": "Clinic", "address": { "country": "US", "A1": "IL", "A3": "Maple Falls", "RD": "Oak", "STS": "Ave", "HNO": "205", "PC": "61001" } },
            { "id": "annex", "name": "Annex", "address": { "country": "US", "A1": "IL", "A3": "Maple Falls", "RD": "Oak", "STS": "Ave", "HNO": "9999", "PC": "61001" } }
          ],
          "locations": [ { "id": "main-1", "siteId": "main", "floor": "1" }, { "id": "annex-1", "siteId": "annex", "floor": "1" } ],
          "elements": [ { "kind": "subnet", "value": "10.77.1.0/24", "locationId": "main-1" }, { "kind": "subnet", "value": "10.77.2.0/24", "locationId": "annex-1" } ],
          "dids": [],
          "requesters": []
        }
        """;

    [Fact]
    public async Task WiremapImport_InvalidSiteAddress_WarnedByDefaultRefusedWhenTheTenantChoosesAndValidSiteGeocoded()
    {
        using var client = server.Factory.CreateClient();
        using (var first = await client.PutAsync(new Uri("/admin/tenants/maple/wiremap", UriKind.Relative), new StringContent(MapleWiremap, Encoding.UTF8, "application/json")))
        {
            var body = await first.Content.ReadAsStringAsync();
            Assert.True(first.StatusCode == HttpStatusCode.OK, body);
            var warnings = JsonDocument.Parse(body).RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToList();
            Assert.Contains(warnings, w => w.StartsWith("/sites/1/address:", StringComparison.Ordinal) && w.Contains("HNO", StringComparison.Ordinal));
            Assert.Contains(warnings, w => w.StartsWith("/sites/0/point: geocoded", StringComparison.Ordinal));
        }
        var export = await client.GetStringAsync(new Uri("/admin/tenants/maple/wiremap", UriKind.Relative));
        Assert.Contains("\"point\"", export, StringComparison.Ordinal);

        using (var policy = await client.PutAsJsonAsync(new Uri("/admin/tenants/maple/address-validation", UriKind.Relative), new { invalidAddresses = "refuse" }))
            Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
        var readBack = JsonDocument.Parse(await client.GetStringAsync(new Uri("/admin/tenants/maple/address-validation", UriKind.Relative))).RootElement;
        Assert.Equal("refuse", readBack.GetProperty("invalidAddresses").GetString());

        using var refused = await client.PutAsync(new Uri("/admin/tenants/maple/wiremap", UriKind.Relative), new StringContent(MapleWiremap, Encoding.UTF8, "application/json"));
        var refusal = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("/sites/1/address", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("/sites/0/address", refusal, StringComparison.Ordinal);
    }
}
