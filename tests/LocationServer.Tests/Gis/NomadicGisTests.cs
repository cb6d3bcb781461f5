using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Gis;

/// <summary>
/// HELD+ nomadic callers against the Maple Falls GIS data: a user-entered address is validated when stored (an invalid
/// one refused naming what is wrong), a valid one geocoded, and a 911 call with the location URI then routed to the PSAP
/// whose polygon holds that point; an address the data does not cover stays with the relay centre, and the call record
/// says why.
/// </summary>
public sealed class NomadicGisTests(GisServer server) : IClassFixture<GisServer>
{
    private static string SoftClient(string gatewayMac, string mac, string hno, string rd, string sts, string a3 = "Maple Falls", string a1 = "IL", string pc = "61001") => $"""
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <locationType exact="false">civic locationURI</locationType>
          <device xmlns="urn:ietf:params:xml:ns:geopriv:held:id"><mac>{mac}</mac></device>
          <gatewayMac xmlns="urn:locationserver:held:ext">{gatewayMac}</gatewayMac>
          <userProvidedLocation xmlns="urn:locationserver:held:ext">
            <civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">
              <country>US</country><A1>{a1}</A1><A3>{a3}</A3><RD>{rd}</RD><STS>{sts}</STS><HNO>{hno}</HNO><PC>{pc}</PC>
            </civicAddress>
          </userProvidedLocation>
        </locationRequest>
        """;

    private async Task<CallRouting> Call911Async(string locationUri)
    {
        using var scope = server.Factory.Services.CreateScope();
        var router = scope.ServiceProvider.GetRequiredService<CallRouter>();
        var outcome = await router.RouteCallAsync(new EmergencyCallRequest { Tenant = "demo", Dialed = "911", LocationReference = locationUri }, CancellationToken.None);
        Assert.Equal(RoutingFailure.None, outcome.Failure);
        return outcome.Value!;
    }

    [Theory]
    [InlineData("1051", GisFixtures.WestPsapUri, "f0-9f-c2-00-10-01", "3c-22-fb-00-10-01", "203.0.113.101")]
    [InlineData("1052", GisFixtures.EastPsapUri, "f0-9f-c2-00-10-02", "3c-22-fb-00-10-02", "203.0.113.102")]
    public async Task NomadicCall_ValidUserAddress_RoutedToThePsapHoldingItsPoint(string number, string psap, string gateway, string mac, string ip)
    {
        var client = server.Factory.CreateClient();
        await client.WaitReadyAsync();
        var (_, document, body) = await client.PostHeldAsync(SoftClient(gateway, mac, number, "Jefferson", "Street"), ip);
        Assert.True(document.ErrorCode() is null, body);
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), body);

        var routing = await Call911Async(uri!);
        Assert.Equal(RouteDestination.Psap, routing.Destination);
        Assert.Equal(psap, routing.RouteUri);
        Assert.Contains("user-provided address valid", routing.Reason, StringComparison.Ordinal);
        Assert.Contains("GIS PSAP polygon", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NomadicAddress_InvalidStreet_RefusedNamingTheStreet()
    {
        var client = server.Factory.CreateClient();
        await client.WaitReadyAsync();
        var (_, document, body) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-10-03", "3c-22-fb-00-10-03", "103", "Mian", "St"), "203.0.113.103");
        Assert.Equal("requestError", document.ErrorCode());
        Assert.Contains("street (RD)", body, StringComparison.Ordinal);
        Assert.Contains("Main Street", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NomadicCall_AddressOutsideTheData_StoredUncheckedAndRoutedToTheRelayCentreSayingWhy()
    {
        var client = server.Factory.CreateClient();
        await client.WaitReadyAsync();
        var (_, document, body) = await client.PostHeldAsync(SoftClient("f0-9f-c2-00-10-04", "3c-22-fb-00-10-04", "42", "Elm", "St", a3: "Austin", a1: "TX", pc: "78704"), "203.0.113.104");
        Assert.True(document.ErrorCode() is null, body);

        var routing = await Call911Async(document.LocationUri()!);
        Assert.Equal(RouteDestination.RelayCenter, routing.Destination);
        Assert.Contains("user-provided address unchecked", routing.Reason, StringComparison.Ordinal);
    }
}
