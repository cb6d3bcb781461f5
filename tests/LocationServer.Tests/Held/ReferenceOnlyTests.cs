using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using LocationServer.Held.Tests.Support;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Held;

/// <summary>
/// Location by reference only (RFC 5985 §6.5, RFC 6753): a requester flagged <c>referenceOnly</c> gets a
/// schema-valid <c>locationResponse</c> holding a <c>locationUriSet</c> and no PIDF-LO, whatever it asks for, and the
/// URI dereferences to the PIDF-LO only with that requester's credentials. Replays the captured client requests.
/// </summary>
public sealed class ReferenceOnlyTests : IClassFixture<LocationServerFactory>
{
    private const string Tenant = "refonly";
    private const string EsrpKey = "esrp-reference-key";
    private const string PbxKey = "pbx-by-value-key";
    private const string KamailioAccept = "application/pidf+xml,application/held+xml;q=0.5";
    private readonly LocationServerFactory _factory;

    public ReferenceOnlyTests(LocationServerFactory factory) => _factory = factory;

    private static string Vector(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", name));

    private static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>
    /// The demo wiremap as another tenant whose requesters are: Kamailio on loopback (by address) and an ESRP (by key),
    /// both reference-only, and a PBX (by key) answered by value.
    /// </summary>
    private async Task<HttpClient> ClientAsync()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var wiremap = JsonNode.Parse(await client.GetStringAsync("/admin/tenants/demo/wiremap"))!.AsObject();
        var tenant = wiremap["tenant"]!.AsObject();
        tenant["id"] = Tenant;
        tenant.Remove("companyUuid");
        wiremap["requesters"] = new JsonArray(
            new JsonObject { ["name"] = "kamailio", ["sourceCidrs"] = new JsonArray("127.0.0.1/32"), ["referenceOnly"] = true },
            new JsonObject { ["name"] = "esrp", ["keySha256"] = Sha256(EsrpKey), ["referenceOnly"] = true },
            new JsonObject { ["name"] = "pbx", ["keySha256"] = Sha256(PbxKey) });
        using var content = new StringContent(wiremap.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.PutAsync($"/admin/tenants/{Tenant}/wiremap", content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return client;
    }

    private static async Task<(HttpResponseMessage Response, byte[] Body)> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    private static HttpRequestMessage Get(string path, string? remoteIp, AuthenticationHeaderValue? authorization = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", KamailioAccept);
        if (remoteIp is not null) request.Headers.Add(LocationServerFactory.RemoteIpHeader, remoteIp);
        request.Headers.Authorization = authorization;
        return request;
    }

    /// <summary>Asserts a reference-only answer: a schema-valid locationResponse with one URI and no PIDF-LO; returns the URI's path.</summary>
    private static string AssertReferenceOnly(HttpResponseMessage response, byte[] body)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/held+xml", response.Content.Headers.ContentType?.MediaType);
        SchemaValidator.AssertValid(body);
        var doc = XDocument.Parse(Encoding.UTF8.GetString(body));
        Assert.Equal(HeldClient.Held + "locationResponse", doc.Root!.Name);
        var uri = Assert.Single(doc.Descendants(HeldClient.Held + "locationURI")).Value.Trim();
        Assert.NotNull(doc.Root.Element(HeldClient.Held + "locationUriSet")!.Attribute("expires"));
        Assert.Empty(doc.Descendants(HeldClient.Pidf + "presence"));
        Assert.Empty(doc.Descendants(HeldClient.Ca + "civicAddress"));
        Assert.Empty(doc.Descendants(HeldClient.Gml + "Point"));
        return new Uri(uri).AbsolutePath;
    }

    public static TheoryData<string, string?, string> CapturedRequests => new()
    {
        // Captured as sent; the number or address is changed only where the capture names nothing the demo knows.
        { "kamailio-5.6.3_held-locationRequest_explicit-uri.xml", null, "Congress/301" },
        { "kamailio-5.6.3_held-locationRequest_from-PAI.xml", null, "Palm Valley/Lab A" },
        { "kamailio-5.6.3_held-locationRequest_defaults-exact.xml", "sip:bob@example.com|sip:+15125550100@example.com", "Congress/301" },
        { "gridgears-style_locationRequest_tel-uri.xml", null, "Lavaca/" },
        { "rfc6155_locationRequest_ip-mac.xml", "10.20.30.44|10.1.3.44", "Congress/" },
    };

    [Theory]
    [MemberData(nameof(CapturedRequests))]
    public async Task ReferenceOnly_CapturedRequest_AnsweredByUriOnlyThatDereferencesWithTheRequestersAddress(string vector, string? replace, string expected)
    {
        var client = await ClientAsync();
        var body = Vector(vector);
        if (replace?.Split('|') is [var from, var to]) body = body.Replace(from, to, StringComparison.Ordinal);

        // Kamailio authenticates by its source address (loopback, the test client's default).
        using var held = HeldClient.Request($"/held/{Tenant}", body);
        var (response, bytes) = await SendAsync(client, held);
        using (response)
        {
            var path = AssertReferenceOnly(response, bytes);

            // lost_held_dereference: a plain GET preferring the bare PIDF-LO...
            using var get = Get(path, remoteIp: null);
            var (getResponse, pidf) = await SendAsync(client, get);
            using (getResponse)
            {
                Assert.Equal("application/pidf+xml", getResponse.Content.Headers.ContentType?.MediaType);
                SchemaValidator.AssertValid(pidf);
                var presence = XDocument.Parse(Encoding.UTF8.GetString(pidf));
                Assert.Equal(HeldClient.Pidf + "presence", presence.Root!.Name);
                Assert.Equal(expected, presence.Civic("RD") + "/" + presence.Civic("ROOM"));
            }

            // ...or the captured dereference POST, answered with the PIDF-LO and never another URI.
            using var post = HeldClient.Request(path, Vector("kamailio-5.6.3_held-dereference_POST.xml"));
            var (postResponse, located) = await SendAsync(client, post);
            using (postResponse)
            {
                SchemaValidator.AssertValid(located);
                var doc = XDocument.Parse(Encoding.UTF8.GetString(located));
                Assert.Null(doc.ErrorCode());
                Assert.Equal(expected, doc.Civic("RD") + "/" + doc.Civic("ROOM"));
                Assert.Empty(doc.Descendants(HeldClient.Held + "locationUriSet"));
            }

            // Anyone else holding the URI is challenged, before any body is read.
            using var stranger = Get(path, "192.0.2.99");
            var (refused, _) = await SendAsync(client, stranger);
            using (refused)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.NotEmpty(refused.Headers.WwwAuthenticate);
            }
            using var strangerPost = HeldClient.Request(path, "not even XML", "192.0.2.99");
            var (refusedPost, _) = await SendAsync(client, strangerPost);
            using (refusedPost) Assert.Equal(HttpStatusCode.Unauthorized, refusedPost.StatusCode);
        }
    }

    [Fact]
    public async Task ReferenceOnly_UnknownCaller_IsASchemaValidHeldError()
    {
        var client = await ClientAsync();
        using var held = HeldClient.Request($"/held/{Tenant}", Vector("kamailio-5.6.3_held-locationRequest_defaults-exact.xml"));
        var (response, body) = await SendAsync(client, held);
        using (response)
        {
            SchemaValidator.AssertValid(body);
            Assert.Equal("locationUnknown", XDocument.Parse(Encoding.UTF8.GetString(body)).ErrorCode());
        }
    }

    [Fact]
    public async Task ReferenceOnly_KeyedRequester_DereferencesWithItsKeyAndNoOtherCredentials()
    {
        var client = await ClientAsync();
        var esrp = new AuthenticationHeaderValue("Bearer", EsrpKey);
        using var held = HeldClient.Request($"/held/{Tenant}", Vector("kamailio-5.6.3_held-locationRequest_explicit-uri.xml"), "192.0.2.60");
        held.Headers.Authorization = esrp;
        var (response, body) = await SendAsync(client, held);
        string path;
        using (response) path = AssertReferenceOnly(response, body);

        async Task<HttpStatusCode> DereferenceAsync(string? remoteIp, AuthenticationHeaderValue? authorization)
        {
            using var get = Get(path, remoteIp, authorization);
            using var answer = await client.SendAsync(get);
            if (answer.StatusCode == HttpStatusCode.OK)
                Assert.Equal("Congress", XDocument.Parse(await answer.Content.ReadAsStringAsync()).Civic("RD"));
            return answer.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await DereferenceAsync("192.0.2.61", esrp));
        Assert.Equal(HttpStatusCode.OK, await DereferenceAsync("192.0.2.61",
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("esrp:" + EsrpKey)))));
        Assert.Equal(HttpStatusCode.Unauthorized, await DereferenceAsync("192.0.2.61", null));
        // Another requester of the same tenant, by key or by address, is not the one the URI was issued to.
        Assert.Equal(HttpStatusCode.Unauthorized, await DereferenceAsync("192.0.2.61", new AuthenticationHeaderValue("Bearer", PbxKey)));
        Assert.Equal(HttpStatusCode.Unauthorized, await DereferenceAsync(null, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await DereferenceAsync("192.0.2.61", new AuthenticationHeaderValue("Bearer", "demo-callserver-key")));
    }

    [Fact]
    public async Task ReferenceOnly_OtherRequesterOfTheTenant_IsStillAnsweredByValue()
    {
        var client = await ClientAsync();
        using var held = HeldClient.Request($"/held/{Tenant}", Vector("kamailio-5.6.3_held-locationRequest_explicit-uri.xml"), "192.0.2.62");
        held.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PbxKey);
        var (response, body) = await SendAsync(client, held);
        using (response)
        {
            SchemaValidator.AssertValid(body);
            var doc = XDocument.Parse(Encoding.UTF8.GetString(body));
            Assert.Equal("301", doc.Civic("ROOM"));
            // A by-value requester's URI stays a possession-model URI (RFC 6753 §4.1).
            using var get = Get(new Uri(doc.LocationUri()!).AbsolutePath, "192.0.2.99");
            using var deref = await client.SendAsync(get);
            Assert.Equal(HttpStatusCode.OK, deref.StatusCode);
        }
    }
}
