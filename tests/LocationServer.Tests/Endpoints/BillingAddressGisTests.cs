using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LocationServer.Tests.Gis;

namespace LocationServer.Tests.Endpoints;

/// <summary>
/// Billing addresses of emergency endpoints checked against the GIS data (the Maple Falls data set), with the tenant's
/// address validation setting, as site addresses are when a wiremap is saved.
/// </summary>
public sealed class BillingAddressGisTests(GisServer server) : IClassFixture<GisServer>
{
    private const string Valid = """{"country":"US","A1":"IL","A3":"Maple Falls","RD":"Oak","STS":"Ave","HNO":"205","PC":"61001"}""";
    private const string NoSuchNumber = """{"country":"US","A1":"IL","A3":"Maple Falls","RD":"Oak","STS":"Ave","HNO":"9999","PC":"61001"}""";
    private const string Uncovered = """{"country":"US","A1":"TX","A3":"Austin","RD":"Congress","STS":"Ave","HNO":"100","PC":"78701"}""";

    private async Task<HttpClient> TenantAsync(string tenant, string? policy = null)
    {
        var client = server.Factory.CreateClient();
        var wiremap = $$"""{ "tenant": { "id": "{{tenant}}", "name": "Billing" }, "sites": [ { "id": "main", "name": "Clinic", "address": {{Valid}} } ] }""";
        using (var created = await client.PutAsync(new Uri($"/admin/tenants/{tenant}/wiremap", UriKind.Relative), new StringContent(wiremap, Encoding.UTF8, "application/json")))
            Assert.True(created.StatusCode == HttpStatusCode.OK, await created.Content.ReadAsStringAsync());
        if (policy is not null)
        {
            using var set = await client.PutAsJsonAsync(new Uri($"/admin/tenants/{tenant}/address-validation", UriKind.Relative), new { invalidAddresses = policy });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }
        return client;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string Endpoint(string id, string billing) => $$"""{"id":"{{id}}","callbackNumber":"+18155550100","billingAddress":{{billing}}}""";

    private static string[] Warnings(JsonElement body) => [.. body.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!)];

    [Fact]
    public async Task EndpointCreate_BillingAddressInTheData_StoredAsValid()
    {
        using var client = await TenantAsync("billing-valid", "refuse");

        var (status, body) = await SendAsync(client, HttpMethod.Post, "/admin/tenants/billing-valid/emergency-endpoints", Endpoint("clinic", Valid));

        Assert.True(status == HttpStatusCode.Created, body.ToString());
        Assert.Equal("valid", body.GetProperty("billingValidation").GetString());
        Assert.Empty(Warnings(body));
    }

    [Fact]
    public async Task EndpointCreate_InvalidBillingAddressTenantRefuses_RefusedNamingTheFieldAndNothingStored()
    {
        using var client = await TenantAsync("billing-strict", "refuse");

        var (status, body) = await SendAsync(client, HttpMethod.Post, "/admin/tenants/billing-strict/emergency-endpoints", Endpoint("clinic", NoSuchNumber));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray()).GetString()!;
        Assert.StartsWith("/billingAddress: ", error, StringComparison.Ordinal);
        Assert.Contains("invalid: HNO", error, StringComparison.Ordinal);
        using (var missing = await client.GetAsync(new Uri("/admin/tenants/billing-strict/emergency-endpoints/clinic", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // A replacement is checked the same way: a valid endpoint cannot be changed to an invalid address.
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(client, HttpMethod.Post, "/admin/tenants/billing-strict/emergency-endpoints", Endpoint("clinic", Valid))).Status);
        var (replaced, refusal) = await SendAsync(client, HttpMethod.Put, "/admin/tenants/billing-strict/emergency-endpoints/clinic", Endpoint("clinic", NoSuchNumber));
        Assert.Equal(HttpStatusCode.BadRequest, replaced);
        Assert.Contains("/billingAddress", refusal.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
        var stored = JsonDocument.Parse(await client.GetStringAsync(new Uri("/admin/tenants/billing-strict/emergency-endpoints/clinic", UriKind.Relative))).RootElement;
        Assert.Equal("205", stored.GetProperty("billingAddress").GetProperty("HNO").GetString());
    }

    [Fact]
    public async Task EndpointCreate_InvalidBillingAddressTenantWarns_StoredWithAWarning()
    {
        using var client = await TenantAsync("billing-warn");

        var (status, body) = await SendAsync(client, HttpMethod.Post, "/admin/tenants/billing-warn/emergency-endpoints", Endpoint("clinic", NoSuchNumber));

        Assert.True(status == HttpStatusCode.Created, body.ToString());
        Assert.Equal("invalid", body.GetProperty("billingValidation").GetString());
        var warning = Assert.Single(Warnings(body));
        Assert.StartsWith("/billingAddress: ", warning, StringComparison.Ordinal);
        Assert.Contains("invalid: HNO", warning, StringComparison.Ordinal);
        Assert.Equal("9999", body.GetProperty("billingAddress").GetProperty("HNO").GetString());
    }

    [Fact]
    public async Task EndpointCreate_BillingAddressOutsideTheData_StoredUnchecked()
    {
        using var client = await TenantAsync("billing-elsewhere", "refuse");

        var (status, body) = await SendAsync(client, HttpMethod.Post, "/admin/tenants/billing-elsewhere/emergency-endpoints", Endpoint("hq", Uncovered));

        Assert.True(status == HttpStatusCode.Created, body.ToString());
        Assert.Equal("unchecked", body.GetProperty("billingValidation").GetString());
        Assert.Empty(Warnings(body));
    }
}
