using System.Net;
using System.Net.Http.Headers;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Held;

public sealed class HeldEndpointTests : IClassFixture<LocationServerFactory>
{
    private readonly LocationServerFactory _factory;

    public HeldEndpointTests(LocationServerFactory factory) => _factory = factory;

    private async Task<HttpClient> ClientAsync()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        return client;
    }

    [Fact]
    public async Task Held_EmptyRequestFromWiredSubnet_ReturnsCivicPointAndUri()
    {
        var client = await ClientAsync();
        var (response, doc, body) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/held+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(doc!.ErrorCode());
        Assert.Equal("100", doc.Civic("HNO"));
        Assert.Equal("Congress", doc.Civic("RD"));
        Assert.Equal("3", doc.Civic("FLR"));
        Assert.Equal("Wiremap", doc.Method());
        Assert.NotNull(doc!.Descendants(HeldClient.Gml + "pos").FirstOrDefault());
        Assert.StartsWith("http://localhost/loc/", doc.LocationUri(), StringComparison.Ordinal);
        Assert.DoesNotContain("+00:00", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Held_VpnRange_ReturnsNotLocatable()
    {
        var client = await ClientAsync();
        var (response, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.250.7.9");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("notLocatable", doc!.ErrorCode());
    }

    [Fact]
    public async Task Held_UnknownNetwork_ReturnsLocationUnknown()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "192.0.2.77");
        Assert.Equal("locationUnknown", doc!.ErrorCode());
    }

    [Theory]
    [InlineData("<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\">", "xmlError")]
    [InlineData("<foo xmlns=\"urn:example\"/>", "unsupportedMessage")]
    [InlineData("<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\" responseTime=\"soon\"/>", "requestError")]
    [InlineData("<!DOCTYPE x [<!ENTITY a \"aaaa\">]><locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\">&a;</locationRequest>", "xmlError")]
    public async Task Held_BadRequest_ReturnsHeldErrorInHttp200(string body, string code)
    {
        var client = await ClientAsync();
        var (response, doc, _) = await client.PostHeldAsync(body, "10.1.3.44");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(code, doc!.ErrorCode());
    }

    [Fact]
    public async Task Held_HugeBody_ReturnsXmlErrorNot500()
    {
        var client = await ClientAsync();
        var body = "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\">" + new string(' ', 2_000_000) + "</locationRequest>";
        var (response, doc, _) = await client.PostHeldAsync(body, "10.1.3.44");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("xmlError", doc!.ErrorCode());
    }

    [Fact]
    public async Task Held_WrongContentType_Returns406()
    {
        var client = await ClientAsync();
        using var request = HeldClient.Request("/held", HeldClient.EmptyRequest, "10.1.3.44", "text/xml");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
    }

    [Fact]
    public async Task Held_ConditionalRequest_Returns412()
    {
        var client = await ClientAsync();
        using var request = HeldClient.Request("/held", HeldClient.EmptyRequest, "10.1.3.44");
        request.Headers.IfMatch.Add(EntityTagHeaderValue.Any);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
    }

    [Fact]
    public async Task Held_RangeHeader_Returns501()
    {
        var client = await ClientAsync();
        using var request = HeldClient.Request("/held", HeldClient.EmptyRequest, "10.1.3.44");
        request.Headers.Range = new RangeHeaderValue(0, 10);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
    }

    [Fact]
    public async Task Held_UnknownTenantInPath_ReturnsRequestError()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44", "/held/no-such-tenant");
        Assert.Equal("requestError", doc!.ErrorCode());
    }

    [Fact]
    public async Task Held_TenantByCompanyUuidPath_Locates()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.2.0.9", "/held/6f1c2a44-9b1e-4d7a-8a53-2f0d5e9c7b10");
        Assert.Null(doc!.ErrorCode());
        Assert.Equal("Lavaca", doc.Civic("RD"));
    }

    [Fact]
    public async Task Held_ExactCivic_ReturnsCivicOnly()
    {
        var client = await ClientAsync();
        var body = "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"><locationType exact=\"true\">civic</locationType></locationRequest>";
        var (_, doc, _) = await client.PostHeldAsync(body, "10.2.0.9");
        Assert.Null(doc!.ErrorCode());
        Assert.Empty(doc!.Descendants(HeldClient.Held + "locationUriSet"));
        Assert.Empty(doc!.Descendants(HeldClient.Gml + "pos"));
        Assert.Equal("2", doc.Civic("FLR"));
    }

    [Fact]
    public async Task Held_LocationUriOnly_ReturnsUriSetWithExpiryWithinBounds()
    {
        var client = await ClientAsync();
        var body = "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"><locationType exact=\"true\">locationURI</locationType></locationRequest>";
        var (_, doc, _) = await client.PostHeldAsync(body, "10.1.3.44");
        var set = doc!.Descendants(HeldClient.Held + "locationUriSet").Single();
        var expires = DateTimeOffset.Parse((string)set.Attribute("expires")!, System.Globalization.CultureInfo.InvariantCulture);
        var lifetime = expires - _factory.Time.GetUtcNow();
        Assert.InRange(lifetime, TimeSpan.FromMinutes(29), TimeSpan.FromHours(24));
        Assert.EndsWith("Z", (string)set.Attribute("expires")!, StringComparison.Ordinal);
        Assert.Empty(doc!.Descendants(HeldClient.Pidf + "presence"));
    }

    [Fact]
    public async Task Held_ForgedHostHeader_NeverNamesTheLocationUri()
    {
        var client = await ClientAsync();
        using var request = HeldClient.Request("/held", HeldClient.EmptyRequest, "10.1.3.44");
        request.Headers.Host = "attacker.example";
        using var response = await client.SendAsync(request);
        var uri = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync()).LocationUri();
        Assert.NotNull(uri);
        Assert.DoesNotContain("attacker", uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Held_LldpMeasurement_MatchesChassisPort()
    {
        var client = await ClientAsync();
        var body = """
            <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
              <measurements xmlns="urn:ietf:params:xml:ns:geopriv:lm" time="2026-11-22T10:00:00Z">
                <lldp xmlns="urn:ietf:params:xml:ns:geopriv:lm:lldp">
                  <chassis type="4">001B54AABB01</chassis>
                  <port type="5">4769312f302f37</port>
                </lldp>
              </measurements>
            </locationRequest>
            """;
        var (_, doc, _) = await client.PostHeldAsync(body, "192.0.2.10");
        Assert.Null(doc!.ErrorCode());
        Assert.Equal("301", doc.Civic("ROOM"));
    }

    [Fact]
    public async Task Held_ServingBssid_WinsOverSubnet()
    {
        var client = await ClientAsync();
        var body = """
            <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
              <measurements xmlns="urn:ietf:params:xml:ns:geopriv:lm">
                <wifi xmlns="urn:ietf:params:xml:ns:geopriv:lm:wifi">
                  <ap serving="true"><bssid>00-11-22-33-44-55</bssid></ap>
                </wifi>
              </measurements>
            </locationRequest>
            """;
        var (_, doc, _) = await client.PostHeldAsync(body, "10.3.0.20");
        Assert.Null(doc!.ErrorCode());
        Assert.Equal("301", doc.Civic("ROOM"));
    }
}
