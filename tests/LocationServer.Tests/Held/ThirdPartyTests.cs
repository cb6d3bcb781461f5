using System.Net;
using System.Net.Http.Headers;
using System.Xml.Linq;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Held;

/// <summary>
/// RFC 6155 §4.2 third-party requests answer for the identifiers they name: a device's last report is used only when it
/// corroborates them, requester-supplied measurements are used as a device's own would be, and nothing a third party
/// sends changes stored state (no device report, no MAC binding, no nomadic address).
/// </summary>
public sealed class ThirdPartyTests : IClassFixture<LocationServerFactory>
{
    /// <summary>The requester's own address: no subnet of the demo wiremap, so it can never be what locates a device.</summary>
    private const string RequesterIp = "192.0.2.50";
    private readonly LocationServerFactory _factory;

    public ThirdPartyTests(LocationServerFactory factory) => _factory = factory;

    private static string UniqueMac() => "5c-11-fb-" + string.Join('-', Guid.NewGuid().ToByteArray()[..3].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    private const string Room301Lldp = """
        <measurements xmlns="urn:ietf:params:xml:ns:geopriv:lm">
          <lldp xmlns="urn:ietf:params:xml:ns:geopriv:lm:lldp"><chassis type="4">001B54AABB01</chassis><port type="5">4769312f302f37</port></lldp>
        </measurements>
        """;

    /// <summary>"annex-sw2" as an ifName chassis: the Annex, 901 Lavaca St.</summary>
    private const string AnnexLldp = """
        <measurements xmlns="urn:ietf:params:xml:ns:geopriv:lm">
          <lldp xmlns="urn:ietf:params:xml:ns:geopriv:lm:lldp"><chassis type="6">616e6e65782d737732</chassis><port type="5">4769312f302f31</port></lldp>
        </measurements>
        """;

    /// <summary>A phone asking for itself, naming its MAC and the switch port it sees.</summary>
    private static string SelfRequest(string mac, string measurements = Room301Lldp) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <locationType exact="false">civic locationURI</locationType>
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>{mac}</mac></device>
          {measurements}
        </locationRequest>
        """;

    private static string Query(string? ip, string? mac, string extra = "")
    {
        var ipElement = ip is null ? "" : $"<ip v=\"4\">{ip}</ip>";
        var macElement = mac is null ? "" : $"<mac>{mac}</mac>";
        return $"""
            <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
              <locationType exact="false">civic locationURI</locationType>
              <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id">{ipElement}{macElement}</device>
              {extra}
            </locationRequest>
            """;
    }

    private async Task<HttpClient> ClientAsync()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        return client;
    }

    /// <summary>A third-party request from the demo call server, authenticated by its API key from an ordinary address.</summary>
    private static async Task<XDocument> AskAsync(HttpClient client, string body)
    {
        using var request = HeldClient.Request("/held", body, RequesterIp);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "demo-callserver-key");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return XDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static string Where(XDocument doc) => doc.ErrorCode() ?? doc.Civic("RD") + "/" + doc.Civic("ROOM");

    /// <summary>
    /// Waits until a device's self-report is stored and visible to third-party queries naming its MAC. Reports are
    /// stored in the order they were queued, so this is also a barrier for everything queued before it.
    /// </summary>
    private static async Task<string> SelfReportAsync(HttpClient client, string mac, string ip, string measurements = Room301Lldp)
    {
        var (_, self, _) = await client.PostHeldAsync(SelfRequest(mac, measurements), ip);
        Assert.Null(self.ErrorCode());
        var expected = Where(self!);
        var seen = "";
        for (var i = 0; i < 200 && seen != expected; i++)
        {
            seen = Where(await AskAsync(client, Query(null, mac)));
            if (seen != expected) await Task.Delay(20);
        }
        Assert.Equal(expected, seen);
        return self!.LocationUri()!;
    }

    [Fact]
    public async Task Query_AdoptedIpWithStaleReportFromAnotherAddress_AnsweredByWiremapForTheNamedIp()
    {
        var client = await ClientAsync();
        var mac = UniqueMac();
        // The phone last reported from 10.1.3.60, plugged into hq-sw3 port 7 (room 301)...
        await SelfReportAsync(client, mac, "10.1.3.60");

        // ...and DHCP has since given it 10.2.0.5 in the Annex. The query names both: the old report is not evidence
        // for the new address.
        var doc = await AskAsync(client, Query("10.2.0.5", mac));
        Assert.Equal("Lavaca/", Where(doc));
        Assert.Equal("lis", doc.Descendants(XName.Get("source", "urn:ietf:params:xml:ns:pidf:geopriv10:lmsrc")).Single().Value);
    }

    [Fact]
    public async Task Query_AdoptedIpOnVpnPool_IsNotLocatableNotTheStaleReport()
    {
        var client = await ClientAsync();
        var mac = UniqueMac();
        await SelfReportAsync(client, mac, "10.1.3.61");
        var doc = await AskAsync(client, Query("10.250.0.9", mac));
        Assert.Equal("notLocatable", doc.ErrorCode());
    }

    [Fact]
    public async Task Query_IpAndMacMatchingTheReport_UsesTheReportsMeasurements()
    {
        var client = await ClientAsync();
        var mac = UniqueMac();
        await SelfReportAsync(client, mac, "10.1.3.62");

        // The wiremap alone places 10.1.3.0/24 in the west open plan; the report's switch port places it in room 301.
        var doc = await AskAsync(client, Query("10.1.3.62", mac));
        Assert.Equal("Congress/301", Where(doc));
        Assert.Equal("lis device", doc.Descendants(XName.Get("source", "urn:ietf:params:xml:ns:pidf:geopriv10:lmsrc")).Single().Value);
        Assert.Equal("Congress/", Where(await AskAsync(client, Query("10.1.3.62", null))));
    }

    [Fact]
    public async Task Query_ContradictingMac_DoesNotUseTheReportOfTheDeviceAtThatIp()
    {
        var client = await ClientAsync();
        var mac = UniqueMac();
        await SelfReportAsync(client, mac, "10.1.3.63");

        // Another MAC at the same address: the device that reported from there is not the one named.
        var doc = await AskAsync(client, Query("10.1.3.63", UniqueMac()));
        Assert.Equal("Congress/", Where(doc));
        Assert.Equal("3", doc.Civic("FLR"));
    }

    [Theory]
    [InlineData("10.1.3.64", "5c-11-fb-00-00-01", null, "10.1.3.64", true)]
    [InlineData("10.1.3.64", "5c-11-fb-00-00-01", null, "10.1.3.65", false)]
    [InlineData("10.1.3.64", "5c-11-fb-00-00-01", "5c-11-fb-00-00-01", "10.1.3.64", true)]
    [InlineData("10.1.3.64", "5c-11-fb-00-00-01", "5c-11-fb-00-00-02", "10.1.3.64", false)]
    [InlineData("10.1.3.64", "5c-11-fb-00-00-01", "5c-11-fb-00-00-02", null, false)]
    [InlineData("10.1.3.64", "5c-11-fb-00-00-01", "5c-11-fb-00-00-01", null, true)]
    [InlineData("10.1.3.64", null, "5c-11-fb-00-00-01", null, false)]
    [InlineData("::ffff:10.1.3.64", null, null, "10.1.3.64", true)]
    public void Corroborates_ReportAgainstNamedIdentifiers_UsedOnlyWhenNothingContradicts(string reportIp, string? reportMac, string? namedMac, string? namedIp, bool expected)
    {
        var report = new Evidence
        {
            SourceAddress = IPAddress.Parse(reportIp),
            DeviceMac = reportMac is null ? null : Mac(reportMac),
        };
        var ip = namedIp is null ? null : IPAddress.Parse(namedIp);
        var mac = namedMac is null ? (MacAddress?)null : Mac(namedMac);
        Assert.Equal(expected, LocationServer.HeldHttp.HeldService.Corroborates(report, ip, mac));

        static MacAddress Mac(string text) => MacAddress.TryParse(text, out var parsed) ? parsed : throw new FormatException(text);
    }

    [Fact]
    public async Task Query_WithLldpMeasurements_UsesThemBeforeTheSubnetAndLabelsThemOther()
    {
        var client = await ClientAsync();
        // A call server that knows the phone's switch port (from CDP/LLDP) supplies it with the phone's identity.
        var doc = await AskAsync(client, Query("10.1.3.66", UniqueMac(), AnnexLldp));
        Assert.Equal("Lavaca/", Where(doc));
        Assert.Equal("lis other", doc.Descendants(XName.Get("source", "urn:ietf:params:xml:ns:pidf:geopriv10:lmsrc")).Single().Value);
    }

    [Fact]
    public async Task Query_WithGatewayMac_UsesItAfterTheNamedSubnetAsForTheDeviceItself()
    {
        var client = await ClientAsync();
        const string Gateway = "<gatewayMac xmlns=\"urn:locationserver:held:ext\">a0-b1-c2-d3-e4-f5</gatewayMac>";
        // An address no subnet knows: the lab router's MAC places it.
        Assert.Equal("Palm Valley/", Where(await AskAsync(client, Query("172.16.40.9", UniqueMac(), Gateway))));
        // An address the wiremap places: the subnet outranks the gateway MAC, exactly as in a self-request.
        Assert.Equal("Congress/", Where(await AskAsync(client, Query("10.1.3.67", UniqueMac(), Gateway))));
        var (_, self, _) = await client.PostHeldAsync(Query("10.1.3.67", null, Gateway), "10.1.3.67");
        Assert.Equal("Congress/", Where(self!));
    }

    [Fact]
    public async Task Query_WithMeasurements_ChangesNoStoredState()
    {
        var client = await ClientAsync();
        var victim = UniqueMac();
        var uri = await SelfReportAsync(client, victim, "10.1.3.68");
        _factory.Time.Advance(TimeSpan.FromSeconds(5));

        // The requester names the victim with measurements of the Annex: answered from them...
        var doc = await AskAsync(client, Query("10.1.3.68", victim, AnnexLldp));
        Assert.Equal("Lavaca/", Where(doc));
        // ...and a never-seen MAC at a new address, which a self-request would bind.
        var stranger = UniqueMac();
        Assert.Equal("Lavaca/", Where(await AskAsync(client, Query("10.1.3.69", stranger, AnnexLldp))));

        // Everything queued before this report is stored once it is visible.
        await SelfReportAsync(client, UniqueMac(), "10.3.0.70");
        Assert.Equal("Congress/301", Where(await AskAsync(client, Query(null, victim))));
        using (var get = new HttpRequestMessage(HttpMethod.Get, new Uri(uri).PathAndQuery))
        {
            get.Headers.Accept.ParseAdd("application/held+xml");
            using var response = await client.SendAsync(get);
            Assert.Equal("Congress/301", Where(XDocument.Parse(await response.Content.ReadAsStringAsync())));
        }
        using (var binding = await client.GetAsync($"/admin/tenants/demo/device-bindings/{victim}"))
        {
            Assert.Contains("10.1.3.68", await binding.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var none = await client.GetAsync($"/admin/tenants/demo/device-bindings/{stranger}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }
        Assert.Equal("locationUnknown", Where(await AskAsync(client, Query(null, stranger))));
    }

    [Fact]
    public async Task MacOnlyRequest_WithCredentials_IsAThirdPartyQueryNeverAClaim()
    {
        var client = await ClientAsync();
        var mac = UniqueMac();
        // Devices never send credentials for their own location: a MAC named with them is asked about, not claimed.
        using (var wrongKey = HeldClient.Request("/held", SelfRequest(mac), RequesterIp))
        {
            wrongKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-key");
            using var refused = await client.SendAsync(wrongKey);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        Assert.Equal("Congress/301", Where(await AskAsync(client, SelfRequest(mac))));
        using var binding = await client.GetAsync($"/admin/tenants/demo/device-bindings/{mac}");
        Assert.Equal(HttpStatusCode.NotFound, binding.StatusCode);
    }

    [Fact]
    public async Task Query_WithUserProvidedLocation_IsRefusedAndNothingIsSaved()
    {
        var client = await ClientAsync();
        const string Address = """
            <userProvidedLocation xmlns="urn:locationserver:held:ext">
              <civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">
                <country>US</country><A1>TX</A1><A3>Austin</A3><RD>Elsewhere</RD><HNO>1</HNO><PC>78701</PC>
              </civicAddress>
            </userProvidedLocation>
            """;
        var doc = await AskAsync(client, Query("172.16.41.9", UniqueMac(), Address));
        Assert.Equal("requestError", doc.ErrorCode());
        Assert.Contains("third-party", doc.Root!.Element(HeldClient.Held + "message")!.Value, StringComparison.Ordinal);
    }
}
