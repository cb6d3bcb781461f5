using System.Net;
using System.Net.Http.Json;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Held;

/// <summary>
/// RFC 5985 §9 / RFC 6155 §4: a MAC claimed by a request from another address than the one the MAC speaks from must
/// never move that device's location. Each test replays an attack from outside the victim's address.
/// </summary>
public sealed class DeviceClaimTests : IClassFixture<LocationServerFactory>
{
    private const string VictimIp = "10.1.3.44";
    private const string AttackerIp = "10.2.7.7";
    private readonly LocationServerFactory _factory;

    public DeviceClaimTests(LocationServerFactory factory) => _factory = factory;

    private static string UniqueMac() => "3c-22-fb-" + string.Join('-', Guid.NewGuid().ToByteArray()[..3].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A device naming its MAC and the switch port it is plugged into (hq-sw3 port 7 is room 301).</summary>
    private static string WithMac(string mac, string chassisHex = "001B54AABB01", string portHex = "4769312f302f37", string extra = "") => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>{mac}</mac></device>
          <measurements xmlns="urn:ietf:params:xml:ns:geopriv:lm">
            <lldp xmlns="urn:ietf:params:xml:ns:geopriv:lm:lldp">
              <chassis type="4">{chassisHex}</chassis>
              <port type="5">{portHex}</port>
            </lldp>
          </measurements>
          {extra}
        </locationRequest>
        """;

    /// <summary>An ifName chassis ("annex-sw2", subtype 6) that the demo maps to the Annex, 901 Lavaca St.</summary>
    private static string AnnexClaim(string mac, string extra = "") => WithMac(mac, Convert.ToHexString("annex-sw2"u8), "4769312f302f31", extra).Replace("type=\"4\"", "type=\"6\"", StringComparison.Ordinal);

    private async Task<HttpClient> ClientAsync()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        return client;
    }

    private static async Task<string> DereferenceRoadAsync(HttpClient client, string uri)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(uri).PathAndQuery);
        request.Headers.Accept.ParseAdd("application/held+xml");
        using var response = await client.SendAsync(request);
        var document = System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.Civic("RD") + "/" + document.Civic("ROOM");
    }

    [Fact]
    public async Task MacClaim_FromAnotherAddress_DoesNotMoveVictimsLocationUri()
    {
        var client = await ClientAsync();
        var victimMac = UniqueMac();
        var (_, victim, _) = await client.PostHeldAsync(WithMac(victimMac), VictimIp);
        Assert.Equal("301", victim.Civic("ROOM"));
        var uri = victim.LocationUri()!;
        _factory.Time.Advance(TimeSpan.FromSeconds(5));

        var (_, attack, _) = await client.PostHeldAsync(AnnexClaim(victimMac), AttackerIp);

        // The attacker is answered from its own evidence, which is where it is.
        Assert.Equal("Lavaca", attack.Civic("RD"));
        Assert.Equal("Congress/301", await DereferenceRoadAsync(client, uri));
    }

    [Fact]
    public async Task MacClaim_FromAnotherAddress_DoesNotMoveRoutedCall()
    {
        var client = await ClientAsync();
        var victimMac = UniqueMac();
        var (_, victim, _) = await client.PostHeldAsync(WithMac(victimMac), VictimIp);
        var uri = victim.LocationUri()!;
        _factory.Time.Advance(TimeSpan.FromSeconds(5));
        await client.PostHeldAsync(AnnexClaim(victimMac), AttackerIp);

        // The routing service redeems the token through the same resolver a RouteCall uses.
        var resolver = _factory.Services.GetRequiredService<ILocationTokenResolver>();
        var resolution = await resolver.ResolveAsync("demo", uri, CancellationToken.None);
        Assert.Equal("hq-3-301", resolution.Location!.Id);
    }

    [Fact]
    public async Task MacClaim_OfPinnedDeviceFromAnotherAddress_DoesNotDiscloseItsLocation()
    {
        var client = await ClientAsync();
        // The lobby courtesy phone (pinned MAC) reports from its own address first.
        var (_, lobby, _) = await client.PostHeldAsync(PinnedOnly, "10.1.1.50");
        Assert.Equal("1", lobby.Civic("FLR"));

        var (_, attack, _) = await client.PostHeldAsync(PinnedOnly, AttackerIp);

        Assert.Null(attack!.ErrorCode());
        Assert.Equal("Lavaca", attack.Civic("RD"));
        Assert.NotEqual("1", attack.Civic("FLR"));
    }

    private const string PinnedOnly = """
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>00-04-f2-15-c2-85</mac></device>
        </locationRequest>
        """;

    private const string Address = """
        <userProvidedLocation xmlns="urn:locationserver:held:ext">
          <civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">
            <country>US</country><A1>TX</A1><A3>Austin</A3><RD>{0}</RD><STS>St</STS><HNO>42</HNO><PC>78704</PC>
          </civicAddress>
        </userProvidedLocation>
        """;

    private static string SoftClient(string mac, string gateway, string? road = null) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>{mac}</mac></device>
          <gatewayMac xmlns="urn:locationserver:held:ext">{gateway}</gatewayMac>
          {(road is null ? "" : string.Format(System.Globalization.CultureInfo.InvariantCulture, Address, road))}
        </locationRequest>
        """;

    [Fact]
    public async Task MacClaim_FromAnotherAddress_DoesNotOverwriteVictimsHomeAddress()
    {
        var client = await ClientAsync();
        var victimMac = UniqueMac();
        const string homeGateway = "f0-9f-c2-77-00-01";
        var (_, saved, _) = await client.PostHeldAsync(SoftClient(victimMac, homeGateway, "Elm"), "203.0.113.40");
        Assert.Equal("Elm", saved.Civic("RD"));

        // Someone elsewhere claims the victim's MAC and home gateway and submits another address.
        var (_, attack, _) = await client.PostHeldAsync(SoftClient(victimMac, homeGateway, "Decoy"), "198.18.0.9");
        Assert.Equal("Decoy", attack.Civic("RD"));

        var (_, again, _) = await client.PostHeldAsync(SoftClient(victimMac, homeGateway), "203.0.113.40");
        Assert.Equal("Elm", again.Civic("RD"));
        // …and the claimant cannot read the victim's saved address either.
        var (_, probe, _) = await client.PostHeldAsync(SoftClient(victimMac, homeGateway), "198.18.0.10");
        Assert.Equal("locationUnknown", probe.ErrorCode());
    }

    [Fact]
    public async Task MacClaim_AfterTrustedFeedMovesBinding_IsBelievedOnlyAtTheNewAddress()
    {
        var client = await ClientAsync();
        var mac = UniqueMac();
        const string newIp = "10.1.9.9";
        var (_, issued, _) = await client.PostHeldAsync(WithMac(mac), VictimIp);
        var uri = issued.LocationUri()!;
        Assert.Equal(VictimIp, await BoundAddressAsync(client, mac));

        // From another address the claim binds nothing, however often it is repeated.
        await client.PostHeldAsync(PinnedMacClaim(mac), newIp);
        Assert.Equal(VictimIp, await BoundAddressAsync(client, mac));

        using var feed = await client.PostAsJsonAsync("/admin/tenants/demo/device-bindings", new[] { new { mac, ip = newIp } });
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        Assert.Equal(newIp, await BoundAddressAsync(client, mac));

        // Now the old address is the stranger: its claim changes nothing.
        await client.PostHeldAsync(AnnexClaim(mac), VictimIp);
        Assert.Equal(newIp, await BoundAddressAsync(client, mac));

        // The device reports from its new address (the Annex). A location URI minted at the old address follows the
        // device only while it keeps that address; the device's next request there gets a URI of its own.
        _factory.Time.Advance(TimeSpan.FromSeconds(5));
        var (_, moved, _) = await client.PostHeldAsync(AnnexClaim(mac), newIp);
        Assert.Equal("Lavaca", moved.Civic("RD"));
        Assert.Equal("Congress/301", await DereferenceRoadAsync(client, uri));
        Assert.Equal("Lavaca/", await DereferenceRoadAsync(client, moved.LocationUri()!));
    }

    private static async Task<string?> BoundAddressAsync(HttpClient client, string mac)
    {
        using var response = await client.GetAsync($"/admin/tenants/demo/device-bindings/{mac}");
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return body.GetProperty("ip").GetString();
    }

    private static string PinnedMacClaim(string mac) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>{mac}</mac></device>
        </locationRequest>
        """;

    [Fact]
    public async Task MacClaim_AddressReusedByAnotherMac_ReleasesTheOldBinding()
    {
        var client = await ClientAsync();
        var first = UniqueMac();
        var second = UniqueMac();
        await client.PostHeldAsync(WithMac(first), "10.1.4.10");
        // The lease changed hands: another device now speaks from that address.
        await client.PostHeldAsync(WithMac(second), "10.1.4.10");

        using var released = await client.GetAsync($"/admin/tenants/demo/device-bindings/{first}");
        Assert.Equal(HttpStatusCode.NotFound, released.StatusCode);
        using var taken = await client.GetAsync($"/admin/tenants/demo/device-bindings/{second}");
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
    }

    [Fact]
    public async Task DeviceBindings_BadEntries_AreRefusedWholeWithTheirIndex()
    {
        var client = await ClientAsync();
        var mac = UniqueMac();
        using var response = await client.PostAsJsonAsync("/admin/tenants/demo/device-bindings",
            new object[] { new { mac, ip = "10.1.2.3" }, new { mac = "zz", ip = "10.1.2.4" }, new { mac, ip = "nope" } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("/1/mac", body, StringComparison.Ordinal);
        Assert.Contains("/2/ip", body, StringComparison.Ordinal);
        using var none = await client.GetAsync($"/admin/tenants/demo/device-bindings/{mac}");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }
}
