using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Held;

public sealed class NomadicTests : IClassFixture<LocationServerFactory>
{
    private readonly LocationServerFactory _factory;

    public NomadicTests(LocationServerFactory factory) => _factory = factory;

    private static string SoftClient(string gatewayMac, string? civic = null, string mac = "3c-22-fb-00-00-01") => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>{mac}</mac></device>
          <gatewayMac xmlns="urn:locationserver:held:ext">{gatewayMac}</gatewayMac>
          {civic}
        </locationRequest>
        """;

    private const string HomeAddress = """
        <userProvidedLocation xmlns="urn:locationserver:held:ext">
          <civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">
            <country>US</country><A1>TX</A1><A3>Austin</A3><RD>Elm</RD><STS>St</STS><HNO>42</HNO><PC>78704</PC>
          </civicAddress>
        </userProvidedLocation>
        """;

    [Fact]
    public async Task Nomadic_UnknownNetworkThenSubmittedAddress_IsReturnedAsManualOnThatNetworkOnly()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();

        var (_, first, _) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-01"), "203.0.113.20");
        Assert.Equal("locationUnknown", first!.ErrorCode());

        var (_, submitted, _) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-01", HomeAddress), "203.0.113.20");
        Assert.Null(submitted!.ErrorCode());
        Assert.Equal("Elm", submitted.Civic("RD"));
        Assert.Equal("Manual", submitted.Method());

        var (_, again, _) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-01"), "203.0.113.20");
        Assert.Equal("Elm", again!.Civic("RD"));

        var (_, elsewhere, _) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-99"), "203.0.113.20");
        Assert.Equal("locationUnknown", elsewhere!.ErrorCode());
    }

    [Fact]
    public async Task Nomadic_SameNetworkNewPublicAddress_IsOfferedOnceTheMacIsBoundThere()
    {
        var client = await ReadyClientAsync();
        const string mac = "3c-22-fb-00-00-03";
        await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-03", HomeAddress, mac), "203.0.113.50");

        // The home router got a new public address while the MAC is still bound to the old one: the claim is not
        // believed, so the saved address (kept for that MAC) is not offered.
        var (_, unbound, _) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-03", mac: mac), "203.0.113.51");
        Assert.Equal("locationUnknown", unbound!.ErrorCode());

        // The old address is reused by another device (its binding released), so the MAC binds at the new one.
        await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-04", mac: "3c-22-fb-00-00-04"), "203.0.113.50");
        var (_, rebound, _) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-03", mac: mac), "203.0.113.51");
        Assert.Equal("Elm", rebound!.Civic("RD"));
    }

    private async Task<HttpClient> ReadyClientAsync()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        return client;
    }

    [Fact]
    public async Task Nomadic_InvalidAddress_ReturnsRequestErrorNamingTheField()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var bad = HomeAddress.Replace("<HNO>42</HNO>", "", StringComparison.Ordinal);
        var (_, doc, body) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-02", bad), "203.0.113.30");
        Assert.Equal("requestError", doc!.ErrorCode());
        Assert.Contains("HNO", body, StringComparison.Ordinal);
    }
}
