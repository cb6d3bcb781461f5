using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Held;

public sealed class NomadicTests : IClassFixture<LocationServerFactory>
{
    private readonly LocationServerFactory _factory;

    public NomadicTests(LocationServerFactory factory) => _factory = factory;

    private static string SoftClient(string gatewayMac, string? civic = null) => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>3c-22-fb-00-00-01</mac></device>
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

        var (_, again, _) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-01"), "203.0.113.21");
        Assert.Equal("Elm", again!.Civic("RD"));

        var (_, elsewhere, _) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-00-99"), "203.0.113.21");
        Assert.Equal("locationUnknown", elsewhere!.ErrorCode());
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
