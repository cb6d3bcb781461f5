using System.Net;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Held;

public sealed class DereferenceTests : IClassFixture<LocationServerFactory>
{
    private readonly LocationServerFactory _factory;

    public DereferenceTests(LocationServerFactory factory) => _factory = factory;

    private async Task<HttpClient> ClientAsync()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        return client;
    }

    private static string PhoneRequest(string ip, string mac) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <locationType exact="false">civic locationURI</locationType>
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><ip v="4">{ip}</ip><mac>{mac}</mac></device>
        </locationRequest>
        """;

    [Fact]
    public async Task Dereference_ForgedToken_ReturnsHeldError()
    {
        var client = await ClientAsync();
        using var response = await client.GetAsync("/loc/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var doc = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("locationUnknown", doc.ErrorCode());
    }

    [Fact]
    public async Task Dereference_AlteredToken_ReturnsHeldError()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44");
        var path = new Uri(doc!.LocationUri()!).AbsolutePath;
        var altered = path[..^2] + (path[^2] == 'A' ? "B" : "A") + path[^1];
        using var response = await client.GetAsync(altered);
        var derefDoc = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("locationUnknown", derefDoc.ErrorCode());
    }

    [Fact]
    public async Task Dereference_AfterExpiry_ReturnsHeldError()
    {
        using var factory = new LocationServerFactory();
        var client = factory.CreateClient();
        await client.WaitReadyAsync();
        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44");
        var path = new Uri(doc!.LocationUri()!).AbsolutePath;
        using (var before = await client.GetAsync(path))
        {
            Assert.Null(System.Xml.Linq.XDocument.Parse(await before.Content.ReadAsStringAsync()).ErrorCode());
        }
        factory.Time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        using var after = await client.GetAsync(path);
        Assert.Equal("locationUnknown", System.Xml.Linq.XDocument.Parse(await after.Content.ReadAsStringAsync()).ErrorCode());
    }

    [Fact]
    public async Task Dereference_DeviceRepluggedKeepingItsAddress_YieldsCurrentLocation()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(PhoneRequest("10.1.3.44", "00-0b-82-01-02-03"), "10.1.3.44");
        Assert.Equal("Congress", doc!.Civic("RD"));
        var path = new Uri(doc.LocationUri()!).AbsolutePath;

        _factory.Time.Advance(TimeSpan.FromMinutes(5));
        // The phone is re-plugged into the annex switch on a VLAN that spans buildings, keeps its address and
        // re-registers: its location URI follows it.
        var (_, moved, _) = await client.PostHeldAsync(LocationServer.Tests.Scale.Cluster.RepluggedPhoneRequest("10.1.3.44", "00-0b-82-01-02-03"), "10.1.3.44");
        Assert.Equal("Lavaca", moved!.Civic("RD"));
        Assert.Equal("Lavaca", await EventualStreetAsync(client, path, "Lavaca"));
    }

    [Fact]
    public async Task Dereference_DeviceMovedToANewAddress_OldUriKeepsItsLastPlaceAndTheNewUriFollows()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(PhoneRequest("10.1.3.45", "00-0b-82-01-02-04"), "10.1.3.45");
        var path = new Uri(doc!.LocationUri()!).AbsolutePath;

        _factory.Time.Advance(TimeSpan.FromMinutes(5));
        // A new address: the MAC stays bound to the old one (RFC 5985 §9), so the request is located by its own
        // address and gets a URI of its own; the old URI never follows a report from another address.
        var (_, moved, _) = await client.PostHeldAsync(PhoneRequest("10.2.0.78", "00-0b-82-01-02-04"), "10.2.0.78");
        Assert.Equal("Lavaca", moved!.Civic("RD"));
        var newPath = new Uri(moved.LocationUri()!).AbsolutePath;
        Assert.Equal("Lavaca", await EventualStreetAsync(client, newPath, "Lavaca"));
        using var old = await client.GetAsync(path);
        Assert.Equal("Congress", System.Xml.Linq.XDocument.Parse(await old.Content.ReadAsStringAsync()).Civic("RD"));
    }

    private static async Task<string?> EventualStreetAsync(HttpClient client, string path, string expected)
    {
        string? street = null;
        for (var i = 0; i < 100 && street != expected; i++)
        {
            using var response = await client.GetAsync(path);
            street = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync()).Civic("RD");
            if (street != expected) await Task.Delay(20);
        }
        return street;
    }

    [Fact]
    public async Task Dereference_WithDeviceIdentity_ReturnsRequestError()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44");
        var path = new Uri(doc!.LocationUri()!).AbsolutePath;
        var (_, derefDoc, _) = await client.PostHeldAsync(PhoneRequest("10.1.3.44", "00-0b-82-01-02-03"), "10.1.3.44", path);
        Assert.Equal("requestError", derefDoc!.ErrorCode());
    }

    [Fact]
    public async Task Dereference_GetWithHeldAccept_ReturnsLocationResponseWithoutUris()
    {
        var client = await ClientAsync();
        var (_, doc, _) = await client.PostHeldAsync(HeldClient.EmptyRequest, "10.1.3.44");
        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(doc!.LocationUri()!).AbsolutePath);
        get.Headers.TryAddWithoutValidation("Accept", "application/held+xml");
        using var response = await client.SendAsync(get);
        Assert.Equal("application/held+xml", response.Content.Headers.ContentType?.MediaType);
        var body = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(HeldClient.Held + "locationResponse", body.Root!.Name);
        Assert.Empty(body.Descendants(HeldClient.Held + "locationUriSet"));
    }
}
