using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LocationServer.Tests.Gis;

/// <summary>
/// The <c>geocoded</c> mark on site and location points: set on the points the server places from the Maple Falls
/// GIS data, never on the administrator's, carried through the JSON and CSV exports, and renewed when the address
/// changes.
/// </summary>
public sealed class GeocodedPointTests(GisServer server) : IClassFixture<GisServer>
{
    private static string Wiremap(string tenant) => $$"""
        {
          "tenant": { "id": "{{tenant}}", "name": "Geocoding {{tenant}}" },
          "sites": [
            { "id": "{{tenant}}-main", "name": "Clinic", "address": { "country": "US", "A1": "IL", "A3": "Maple Falls", "RD": "Oak", "STS": "Ave", "HNO": "205", "PC": "61001" } },
            { "id": "{{tenant}}-given", "name": "Surveyed", "address": { "country": "US", "A1": "IL", "A3": "Maple Falls", "RD": "Elm", "STS": "St", "HNO": "305", "PC": "61001" },
              "point": { "latitude": 40.1, "longitude": -89.1 } }
          ],
          "locations": [
            { "id": "{{tenant}}-main-1", "siteId": "{{tenant}}-main", "floor": "1" },
            { "id": "{{tenant}}-given-1", "siteId": "{{tenant}}-given", "floor": "1" }
          ],
          "elements": [],
          "dids": [],
          "requesters": []
        }
        """;

    private long GisVersion => server.LoadAnswer.GetProperty("version").GetInt64();

    private async Task<List<string>> PutAsync(HttpClient client, string tenant, string json)
    {
        using var response = await client.PutAsync(new Uri($"/admin/tenants/{tenant}/wiremap", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!)];
    }

    private static async Task<JsonObject> ExportAsync(HttpClient client, string tenant) =>
        JsonNode.Parse(await client.GetStringAsync(new Uri($"/admin/tenants/{tenant}/wiremap", UriKind.Relative)))!.AsObject();

    private static JsonObject Find(JsonObject wiremap, string list, string id) =>
        wiremap[list]!.AsArray().Select(n => n!.AsObject()).Single(o => (string?)o["id"] == id);

    [Fact]
    public async Task WiremapSave_WithoutPoints_SiteAndLocationGeocodedAndMarkedTheAdministratorsPointNot()
    {
        using var client = server.Factory.CreateClient();
        var warnings = await PutAsync(client, "geo-a", Wiremap("geo-a"));

        Assert.Contains(warnings, w => w.StartsWith("/sites/0/point: geocoded", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("/locations/0/point: geocoded", StringComparison.Ordinal));
        var export = await ExportAsync(client, "geo-a");
        var main = Find(export, "sites", "geo-a-main");
        Assert.True((bool)main["geocoded"]!);
        Assert.Equal(GisVersion, (long)main["gisVersion"]!);
        var location = Find(export, "locations", "geo-a-main-1");
        Assert.True((bool)location["geocoded"]!);
        Assert.Equal((double)main["point"]!["latitude"]!, (double)location["point"]!["latitude"]!);
        // The administrator's point is theirs, and its location is not geocoded over it.
        var given = Find(export, "sites", "geo-a-given");
        Assert.Null(given["geocoded"]);
        Assert.Equal(40.1, (double)given["point"]!["latitude"]!);
        var givenLocation = Find(export, "locations", "geo-a-given-1");
        Assert.Null(givenLocation["geocoded"]);
        Assert.Null(givenLocation["point"]);

        var csv = await client.GetStringAsync(new Uri("/admin/tenants/geo-a/exports/sites", UriKind.Relative));
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith(",geocoded,gisVersion", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",true," + GisVersion.ToString(CultureInfo.InvariantCulture), lines.Single(l => l.StartsWith("geo-a-main,", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.EndsWith(",,", lines.Single(l => l.StartsWith("geo-a-given,", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WiremapSave_ExportedBackUnchanged_KeepsTheMarkAndThePoint()
    {
        using var client = server.Factory.CreateClient();
        await PutAsync(client, "geo-b", Wiremap("geo-b"));
        var before = await ExportAsync(client, "geo-b");

        var warnings = await PutAsync(client, "geo-b", before.ToJsonString());

        Assert.DoesNotContain(warnings, w => w.Contains("/point:", StringComparison.Ordinal));
        var after = await ExportAsync(client, "geo-b");
        Assert.Equal(Find(before, "sites", "geo-b-main").ToJsonString(), Find(after, "sites", "geo-b-main").ToJsonString());
        Assert.Equal(Find(before, "locations", "geo-b-main-1").ToJsonString(), Find(after, "locations", "geo-b-main-1").ToJsonString());
    }

    [Fact]
    public async Task WiremapSave_AddressOfGeocodedSiteChanged_SiteAndLocationGeocodedAgain()
    {
        using var client = server.Factory.CreateClient();
        await PutAsync(client, "geo-c", Wiremap("geo-c"));
        var wiremap = await ExportAsync(client, "geo-c");
        var main = Find(wiremap, "sites", "geo-c-main");
        var oldLongitude = (double)main["point"]!["longitude"]!;
        // 251 Oak Ave has no address point: it is interpolated half a block east of 205.
        main["address"]!["HNO"] = "251";

        var warnings = await PutAsync(client, "geo-c", wiremap.ToJsonString());

        Assert.Contains(warnings, w => w.StartsWith("/sites/0/point: geocoded again", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.StartsWith("/locations/0/point: geocoded again", StringComparison.Ordinal));
        var after = await ExportAsync(client, "geo-c");
        var moved = Find(after, "sites", "geo-c-main");
        Assert.True((bool)moved["geocoded"]!);
        Assert.True((double)moved["point"]!["longitude"]! > oldLongitude + 0.001, moved.ToJsonString());
        Assert.Equal((double)moved["point"]!["longitude"]!, (double)Find(after, "locations", "geo-c-main-1")["point"]!["longitude"]!);
    }

    [Fact]
    public async Task WiremapSave_GeocodedPointMovedByTheAdministrator_KeptAsGivenUnmarked()
    {
        using var client = server.Factory.CreateClient();
        await PutAsync(client, "geo-d", Wiremap("geo-d"));
        var wiremap = await ExportAsync(client, "geo-d");
        var main = Find(wiremap, "sites", "geo-d-main");
        main["point"]!["latitude"] = 40.0051;

        await PutAsync(client, "geo-d", wiremap.ToJsonString());

        var after = Find(await ExportAsync(client, "geo-d"), "sites", "geo-d-main");
        Assert.Null(after["geocoded"]);
        Assert.Null(after["gisVersion"]);
        Assert.Equal(40.0051, (double)after["point"]!["latitude"]!);
    }

    [Fact]
    public async Task WiremapSave_AddressChangedToOneTheDataCannotPlace_GeocodedPointRemoved()
    {
        using var client = server.Factory.CreateClient();
        await PutAsync(client, "geo-e", Wiremap("geo-e"));
        var wiremap = await ExportAsync(client, "geo-e");
        Find(wiremap, "sites", "geo-e-main")["address"]!["HNO"] = "9999";

        var warnings = await PutAsync(client, "geo-e", wiremap.ToJsonString());

        Assert.Contains(warnings, w => w.StartsWith("/sites/0/point: the point geocoded from the previous address was removed", StringComparison.Ordinal));
        var after = Find(await ExportAsync(client, "geo-e"), "sites", "geo-e-main");
        Assert.Null(after["point"]);
        Assert.Null(after["geocoded"]);
    }
}
