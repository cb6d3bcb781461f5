using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Held;

/// <summary>Real clients' captured requests (tests/LocationServer.Tests/Vectors) get the right answers.</summary>
public sealed class CapturedClientTests : IClassFixture<LocationServerFactory>
{
    private readonly LocationServerFactory _factory;

    public CapturedClientTests(LocationServerFactory factory) => _factory = factory;

    private static string Vector(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", name));

    private async Task<HttpClient> ClientAsync()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        return client;
    }

    [Fact]
    public async Task Kamailio_ExplicitUriFromTrustedCallServer_LocatesDid()
    {
        var client = await ClientAsync();
        // 127.0.0.1 is the demo call server's trusted source range.
        var (response, doc, _) = await client.PostHeldAsync(Vector("kamailio-5.6.3_held-locationRequest_explicit-uri.xml"), "127.0.0.1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(doc!.ErrorCode());
        Assert.Equal("301", doc.Civic("ROOM"));
        Assert.Equal("Manual", doc.Method());
        Assert.NotNull(doc.LocationUri());
    }

    [Fact]
    public async Task Kamailio_FromPai_LocatesDidOfNonHeldLine()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(Vector("kamailio-5.6.3_held-locationRequest_from-PAI.xml"), "127.0.0.1");
        Assert.Null(doc!.ErrorCode());
        Assert.Equal("Round Rock", doc.Civic("A3"));
    }

    [Fact]
    public async Task Kamailio_UnknownSipUser_ReturnsLocationUnknown()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(Vector("kamailio-5.6.3_held-locationRequest_defaults-exact.xml"), "127.0.0.1");
        Assert.Equal("locationUnknown", doc!.ErrorCode());
    }

    [Fact]
    public async Task IdentityQuery_FromUntrustedAddressWithoutCredentials_Returns401Challenge()
    {
        var client = await ClientAsync();
        var (response, _, _) = await client.PostHeldAsync(Vector("gridgears-style_locationRequest_tel-uri.xml"), "192.0.2.50");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task IdentityQuery_WithWrongKey_Returns401()
    {
        var client = await ClientAsync();
        using var request = HeldClient.Request("/held", Vector("gridgears-style_locationRequest_tel-uri.xml"), "192.0.2.50");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-key");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task IdentityQuery_WithRequesterKey_ReturnsUriThatDereferences()
    {
        var client = await ClientAsync();
        using var request = HeldClient.Request("/held", Vector("gridgears-style_locationRequest_tel-uri.xml"), "192.0.2.50");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "demo-callserver-key");
        using var response = await client.SendAsync(request);
        var doc = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Null(doc.ErrorCode());
        var uri = doc.LocationUri();
        Assert.NotNull(uri);

        // The GridGears script then POSTs an empty request with responseTime to the URI.
        using var deref = HeldClient.Request(new Uri(uri!).AbsolutePath,
            "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\" responseTime=\"emergencyRouting\"></locationRequest>", "192.0.2.99");
        using var derefResponse = await client.SendAsync(deref);
        var derefDoc = System.Xml.Linq.XDocument.Parse(await derefResponse.Content.ReadAsStringAsync());
        Assert.Null(derefDoc.ErrorCode());
        Assert.Equal("Lavaca", derefDoc.Civic("RD"));
    }

    [Fact]
    public async Task IdentityQuery_BasicAuthWithRequesterName_Authorized()
    {
        var client = await ClientAsync();
        using var request = HeldClient.Request("/held", Vector("gridgears-style_locationRequest_tel-uri.xml"), "192.0.2.50");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("callserver:demo-callserver-key")));
        using var response = await client.SendAsync(request);
        var doc = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Null(doc.ErrorCode());
    }

    [Fact]
    public async Task Kamailio_DereferencePostAndGet_YieldPidfLo()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44");
        var path = new Uri(doc!.LocationUri()!).AbsolutePath;

        var (_, derefDoc, _) = await client.PostHeldAsync(Vector("kamailio-5.6.3_held-dereference_POST.xml"), "127.0.0.1", path);
        Assert.Null(derefDoc!.ErrorCode());
        Assert.Equal("3", derefDoc.Civic("FLR"));
        Assert.Empty(derefDoc!.Descendants(HeldClient.Held + "locationUriSet"));

        using var get = new HttpRequestMessage(HttpMethod.Get, path);
        get.Headers.TryAddWithoutValidation("Accept", "application/pidf+xml,application/held+xml;q=0.5");
        using var getResponse = await client.SendAsync(get);
        Assert.Equal("application/pidf+xml", getResponse.Content.Headers.ContentType?.MediaType);
        var presence = System.Xml.Linq.XDocument.Parse(await getResponse.Content.ReadAsStringAsync());
        Assert.Equal(HeldClient.Pidf + "presence", presence.Root!.Name);
        Assert.Equal("Congress", presence.Civic("RD"));
    }
}
