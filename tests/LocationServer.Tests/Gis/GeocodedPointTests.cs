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

    private static async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    [Fact]
    public async Task SiteObjects_ReadListAndUpdate_ShowTheGeocodedFlagAsTheWiremapDoes()
    {
        using var client = server.Factory.CreateClient();
        await PutAsync(client, "geo-e", Wiremap("geo-e"));

        var (_, main) = await SendAsync(client, HttpMethod.Get, "/admin/tenants/geo-e/sites/geo-e-main");
        Assert.True((bool)main["geocoded"]!);
        Assert.Equal(GisVersion, (long)main["gisVersion"]!);
        var (_, given) = await SendAsync(client, HttpMethod.Get, "/admin/tenants/geo-e/sites/geo-e-given");
        Assert.False((bool)given["geocoded"]!);
        Assert.Null(given["gisVersion"]);
        var (_, list) = await SendAsync(client, HttpMethod.Get, "/admin/tenants/geo-e/sites");
        Assert.Equal([true, false], list["items"]!.AsArray().Select(s => (bool)s!["geocoded"]!));
        var (_, locations) = await SendAsync(client, HttpMethod.Get, "/admin/tenants/geo-e/locations");
        Assert.Equal([true, false], locations["items"]!.AsArray().Select(l => (bool)l!["geocoded"]!));

        // A PUT that repeats the geocoded point keeps it geocoded; one that gives another point makes it the administrator's.
        var point = main["point"]!.ToJsonString();
        var (kept, keptBody) = await SendAsync(client, HttpMethod.Put, "/admin/tenants/geo-e/sites/geo-e-main",
            $$"""{ "name": "Clinic", "address": {{main["address"]!.ToJsonString()}}, "point": {{point}} }""");
        Assert.Equal(HttpStatusCode.OK, kept);
        Assert.True((bool)keptBody["geocoded"]!);
        var (moved, movedBody) = await SendAsync(client, HttpMethod.Put, "/admin/tenants/geo-e/sites/geo-e-main",
            $$"""{ "name": "Clinic", "address": {{main["address"]!.ToJsonString()}}, "point": { "latitude": 40.2, "longitude": -89.2 } }""");
        Assert.Equal(HttpStatusCode.OK, moved);
        Assert.False((bool)movedBody["geocoded"]!);
    }

    [Fact]
    public async Task LocationObject_SavedWithoutPoint_GeocodedFromItsSiteAndMarkedTruthfully()
    {
        using var client = server.Factory.CreateClient();
        await PutAsync(client, "geo-f", Wiremap("geo-f"));
        var (_, site) = await SendAsync(client, HttpMethod.Get, "/admin/tenants/geo-f/sites/geo-f-main");

        var (created, location) = await SendAsync(client, HttpMethod.Post, "/admin/tenants/geo-f/sites/geo-f-main/locations", """{ "id": "geo-f-main-2", "floor": "2" }""");
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.True((bool)location["geocoded"]!);
        Assert.Equal(GisVersion, (long)location["gisVersion"]!);
        Assert.Equal(site["point"]!.ToJsonString(), location["point"]!.ToJsonString());
        Assert.Contains(location["warnings"]!.AsArray(), w => ((string)w!).StartsWith("/point: geocoded", StringComparison.Ordinal));
        Assert.True((bool)Find(await ExportAsync(client, "geo-f"), "locations", "geo-f-main-2")["geocoded"]!);

        // In a site whose point the administrator gave, a location without a point gets none and is not geocoded.
        var (inGiven, unplaced) = await SendAsync(client, HttpMethod.Post, "/admin/tenants/geo-f/sites/geo-f-given/locations", """{ "id": "geo-f-given-2", "floor": "2" }""");
        Assert.Equal(HttpStatusCode.Created, inGiven);
        Assert.False((bool)unplaced["geocoded"]!);
        Assert.Null(unplaced["point"]);

        // Repeating the geocoded point keeps the mark; another point is the administrator's; none at all is geocoded again.
        var (_, same) = await SendAsync(client, HttpMethod.Put, "/admin/tenants/geo-f/sites/geo-f-main/locations/geo-f-main-2",
            $$"""{ "floor": "2", "point": {{location["point"]!.ToJsonString()}} }""");
        Assert.True((bool)same["geocoded"]!);
        var (_, given) = await SendAsync(client, HttpMethod.Put, "/admin/tenants/geo-f/sites/geo-f-main/locations/geo-f-main-2",
            """{ "floor": "2", "point": { "latitude": 40.3, "longitude": -89.3 } }""");
        Assert.False((bool)given["geocoded"]!);
        Assert.Equal(40.3, (double)given["point"]!["latitude"]!);
        var (_, again) = await SendAsync(client, HttpMethod.Put, "/admin/tenants/geo-f/sites/geo-f-main/locations/geo-f-main-2", """{ "floor": "2" }""");
        Assert.True((bool)again["geocoded"]!);
        Assert.Equal(site["point"]!.ToJsonString(), again["point"]!.ToJsonString());
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
