using LocationServer.Core.Endpoints;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Routing;
using LocationServer.Tests.Routing;

namespace LocationServer.Tests.Endpoints;

/// <summary>Which callback number RouteCall presents, from the in-memory endpoint directory (no store behind it).</summary>
public sealed class CallbackPrecedenceTests
{
    private const string KariDesk = "00:04:f2:15:c2:85"; // pinned to hq-3 in the scenario's wiremap
    private const string KariDid = "+15125550100";

    private static readonly CivicAddress Billing = new() { Country = "US", A1 = "TX", A3 = "Austin", HNO = "500", RD = "Billing", STS = "Way", PC = "78702" };

    private static readonly EmergencyEndpoint Domain = new("domain", "+15125557000", Billing with { HNO = "1" }, "Domain");
    private static readonly EmergencyEndpoint HqSite = new("hq-site", "+15125557001", Billing with { HNO = "2" }, "HQ", "hq");
    private static readonly EmergencyEndpoint KariOwn = new("kari-own", "+15125557002", Billing with { HNO = "3" }, "Kari");
    private static readonly EmergencyEndpoint DeskPhone = new("desk-phone", "+15125557003", Billing with { HNO = "4" }, "Desk phone");

    private static readonly DirectoryUser Kari = new("kari", "Kari Hunt", "kari@example.com", "hq", [KariDid, "+15125550188"], [KariDesk]);

    private static void Directory(RoutingScenario s, params EndpointAssignment[] assignments) =>
        Assert.True(s.Endpoints.Swap(TenantDirectory.Build(new TenantDirectoryData("acme", s.Endpoints.Find("acme")?.Version + 1 ?? 1,
            [Domain, HqSite, KariOwn, DeskPhone], assignments, [Kari]))));

    private static async Task<CallRouting> RouteAsync(RoutingScenario s, string dialed = "911", string? calling = null, string? mac = null, string? ip = null, string? token = null)
    {
        var outcome = await s.Router.RouteCallAsync(new EmergencyCallRequest { Tenant = "acme", Dialed = dialed, CallingNumber = calling, StationMac = mac, StationIp = ip, LocationReference = token }, CancellationToken.None);
        Assert.Equal(RoutingFailure.None, outcome.Failure);
        return outcome.Value!;
    }

    private static EndpointAssignment Device(EmergencyEndpoint e) => new(EndpointScope.Device, KariDesk, e.Id);

    private static EndpointAssignment User(EmergencyEndpoint e) => new(EndpointScope.User, Kari.Id, e.Id);

    private static EndpointAssignment Site(EmergencyEndpoint e) => new(EndpointScope.Site, "hq", e.Id);

    private static EndpointAssignment Tenant(EmergencyEndpoint e) => new(EndpointScope.Tenant, "", e.Id);

    [Fact]
    public async Task RouteCall_EveryScopeAssigned_EachLevelWinsOverTheOneBelow()
    {
        var s = new RoutingScenario();
        // Each endpoint at its own level; removing the most specific one hands the call to the next.
        (EndpointAssignment[] Assigned, EmergencyEndpoint? Expected, string Source)[] steps =
        [
            ([Device(DeskPhone), User(KariOwn), Site(HqSite), Tenant(Domain)], DeskPhone, "device endpoint 'desk-phone'"),
            ([User(KariOwn), Site(HqSite), Tenant(Domain)], KariOwn, "user endpoint 'kari-own'"),
            ([Site(HqSite), Tenant(Domain)], HqSite, "site endpoint 'hq-site'"),
            ([Tenant(Domain)], Domain, "tenant endpoint 'domain'"),
            ([], null, "calling number"),
        ];
        foreach (var (assigned, expected, source) in steps)
        {
            Directory(s, assigned);
            var routing = await RouteAsync(s, calling: KariDid, mac: KariDesk);
            Assert.Equal("hq-3", routing.Location?.Id);
            Assert.Equal(expected?.CallbackNumber ?? KariDid, routing.CallbackNumber);
            Assert.False(routing.CallbackIsElin);
            Assert.Contains("callback: " + source, routing.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RouteCall_UserMatchedByDeviceMacAlone_UserEndpoint()
    {
        var s = new RoutingScenario();
        Directory(s, User(KariOwn), Tenant(Domain));
        // An extension, not a DID: the user is found by the station MAC.
        var routing = await RouteAsync(s, calling: "4711", mac: KariDesk);
        Assert.Equal(KariOwn.CallbackNumber, routing.CallbackNumber);
    }

    [Fact]
    public async Task RouteCall_LocationWithElins_ElinWinsOverEveryEndpoint()
    {
        var s = new RoutingScenario();
        Directory(s, Device(DeskPhone), User(KariOwn), Site(HqSite), Tenant(Domain));
        // The token's device is Kari's desk phone, now at hq-2, which has ELINs.
        s.Tokens.Tokens["desk"] = TokenResolution.Resolved(s.Location("hq-2"), "Wiremap", DeskMac);
        var routing = await RouteAsync(s, calling: KariDid, token: "desk");
        Assert.True(routing.CallbackIsElin);
        Assert.Contains(routing.CallbackNumber, new[] { "+15125550900", "+15125550901" });
        Assert.Contains("callback: ELIN", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteCall_LocationsOwnWiremapNumber_BeatsSiteEndpointNotUserEndpoint()
    {
        var s = new RoutingScenario(acmeDidFallback: true);
        // +15125550133 is a DID at hq-4, whose wiremap location has its own callback number.
        Directory(s, Site(HqSite), Tenant(Domain));
        Assert.Equal("+15125550444", (await RouteAsync(s, calling: "+15125550133")).CallbackNumber);
        var withUser = Kari with { Id = "lee", DisplayName = "Lee", Dids = ["+15125550133"], DeviceMacs = [] };
        s.Endpoints.Swap(TenantDirectory.Build(new TenantDirectoryData("acme", 99, [Domain, HqSite, KariOwn, DeskPhone], [new(EndpointScope.User, "lee", KariOwn.Id)], [withUser])));
        Assert.Equal(KariOwn.CallbackNumber, (await RouteAsync(s, calling: "+15125550133")).CallbackNumber);
    }

    [Fact]
    public async Task RouteCall_NomadicCallerWithSiteAndTenantEndpoints_PresentsOwnDidNotTheSites()
    {
        var s = new RoutingScenario();
        Directory(s, Site(HqSite), Tenant(Domain));
        s.Tokens.Tokens["home"] = TokenResolution.Resolved(Nomadic, "Manual", DeskMac);

        var routing = await RouteAsync(s, calling: KariDid, token: "home");
        Assert.Equal(LocationSourceKind.Token, routing.Source);
        Assert.Equal(KariDid, routing.CallbackNumber);
        Assert.NotEqual(HqSite.CallbackNumber, routing.CallbackNumber);
        Assert.Contains("caller's own number", routing.Reason, StringComparison.Ordinal);

        // Calling from an extension, the user (found by the token's device MAC) presents their first DID.
        Assert.Equal(KariDid, (await RouteAsync(s, calling: "4711", token: "home")).CallbackNumber);
    }

    [Fact]
    public async Task RouteCall_NomadicCallerWithOwnEndpoint_PresentsThatEndpoint()
    {
        var s = new RoutingScenario();
        Directory(s, User(KariOwn), Site(HqSite), Tenant(Domain));
        s.Tokens.Tokens["home"] = TokenResolution.Resolved(Nomadic, "Manual");
        Assert.Equal(KariOwn.CallbackNumber, (await RouteAsync(s, calling: KariDid, token: "home")).CallbackNumber);
    }

    [Fact]
    public async Task RouteCall_TestCallWithEndpoint_ReadBackSpeaksCallbackAndBillingAddress()
    {
        var s = new RoutingScenario();
        Directory(s, Site(HqSite));
        var routing = await RouteAsync(s, dialed: "933", calling: KariDid, mac: KariDesk);
        Assert.Equal(HqSite.CallbackNumber, routing.CallbackNumber);
        Assert.NotNull(routing.ReadBack);
        Assert.Contains("Your caller ID is 5 1 2 5 5 5 7 0 0 1.", routing.ReadBack, StringComparison.Ordinal);
        Assert.Contains("Your address is 100 Congress Ave, Floor 3, Austin, TX 78701.", routing.ReadBack, StringComparison.Ordinal);
        Assert.Contains("Your callback number is billed to 2 Billing Way, Austin, TX 78702.", routing.ReadBack, StringComparison.Ordinal);

        // Without an endpoint there is no billing sentence.
        Directory(s);
        Assert.DoesNotContain("billed", (await RouteAsync(s, dialed: "933", calling: KariDid, mac: KariDesk)).ReadBack, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteCall_UserMatchesCallingDid_AlertNamesTheUser()
    {
        var s = new RoutingScenario();
        Directory(s, Tenant(Domain));
        await RouteAsync(s, calling: "+15125550188", ip: "203.0.113.7");
        var alert = Assert.Single(s.Alerts.Alerts);
        Assert.Equal("Kari Hunt", alert.CallerName);
        Assert.Equal(Domain.CallbackNumber, alert.CallbackNumber);

        // A number no user holds names nobody.
        await RouteAsync(s, calling: "+15125550999", ip: "203.0.113.7");
        Assert.Null(s.Alerts.Alerts[^1].CallerName);
    }

    private static Core.Identifiers.MacAddress DeskMac => Core.Identifiers.MacAddress.TryParse(KariDesk, out var mac) ? mac : throw new InvalidOperationException();

    private static ResolvedLocation Nomadic => new()
    {
        Id = "nomadic:gw:aa-bb-cc-dd-ee-ff",
        TenantId = "acme",
        SiteId = CallbackResolver.NomadicSiteId,
        Civic = new CivicAddress { Country = "US", A1 = "TX", A3 = "Austin", HNO = "12", RD = "Home", STS = "St", PC = "78704" },
        Display = "12 Home St, Austin, TX 78704, US",
    };
}
