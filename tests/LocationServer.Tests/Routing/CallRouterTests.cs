using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using LocationServer.Routing;

namespace LocationServer.Tests.Routing;

public sealed class CallRouterTests
{
    private static EmergencyCallRequest Call(string dialed = "911", string? calling = null, string? token = null, string? mac = null, string? ip = null, string? identity = null, string tenant = "acme") =>
        new() { Tenant = tenant, Dialed = dialed, CallingNumber = calling, LocationReference = token, StationMac = mac, StationIp = ip, StationIdentity = identity, CallId = "call-1@pbx" };

    private static async Task<CallRouting> RouteAsync(RoutingScenario scenario, EmergencyCallRequest request)
    {
        var outcome = await scenario.Router.RouteCallAsync(request, CancellationToken.None);
        Assert.Equal(RoutingFailure.None, outcome.Failure);
        return outcome.Value!;
    }

    [Fact]
    public async Task RouteCall_ValidToken_TokenLocationAndSmallestPsap()
    {
        var s = new RoutingScenario();
        s.Tokens.Tokens["https://lis.example/loc/tok-1"] = TokenResolution.Resolved(s.Location("hq-3"), "802.11");
        // The station and DID point elsewhere: the token still wins.
        var routing = await RouteAsync(s, Call(calling: "+15125550111", token: "https://lis.example/loc/tok-1", mac: "00:04:f2:15:c2:85"));
        Assert.Equal(LocationSourceKind.Token, routing.Source);
        Assert.Equal("hq-3", routing.Location?.Id);
        Assert.Equal("802.11", routing.Method);
        Assert.Equal(RouteDestination.Psap, routing.Destination);
        Assert.Equal("sip:austin@esinet.example", routing.RouteUri);
        Assert.Equal("austin", routing.PsapBoundaryId);
        Assert.Equal("<presence entity=\"hq-3\" method=\"802.11\"/>", routing.PidfLo);
        Assert.Equal(("acme", "https://lis.example/loc/tok-1"), Assert.Single(s.Tokens.Calls));
    }

    // Expired, forged and foreign-tenant tokens run through the real token service and resolver in RoutingTokenTests;
    // here the resolver's "no such token" answer.
    [Fact]
    public async Task RouteCall_UnknownToken_FallsThroughToStation()
    {
        const TokenStatus status = TokenStatus.Unknown;
        var s = new RoutingScenario();
        s.Tokens.Tokens["tok"] = TokenResolution.Failed(status);
        var routing = await RouteAsync(s, Call(token: "tok", mac: "0004.f215.c285"));
        Assert.Equal(LocationSourceKind.Station, routing.Source);
        Assert.Equal("hq-3", routing.Location?.Id);
        Assert.Contains("token " + CallRouter.TokenStatusText(status), routing.Reason, StringComparison.Ordinal);
        Assert.Contains("station matched DeviceMac", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteCall_ResolverReturnsOtherTenantsLocation_NeverUsed()
    {
        var s = new RoutingScenario();
        s.Tokens.Tokens["tok"] = TokenResolution.Resolved(s.Other.FindLocation("o-1")!, "Wiremap");
        var routing = await RouteAsync(s, Call(token: "tok"));
        Assert.Equal(LocationSourceKind.None, routing.Source);
        Assert.Null(routing.Location);
        Assert.Contains("token foreign-tenant", routing.Reason, StringComparison.Ordinal);
        Assert.Equal(RouteDestination.RelayCenter, routing.Destination);
    }

    [Fact]
    public async Task RouteCall_StationIpInSubnet_Station()
    {
        var s = new RoutingScenario();
        var routing = await RouteAsync(s, Call(ip: "192.168.2.40"));
        Assert.Equal(LocationSourceKind.Station, routing.Source);
        Assert.Equal("hq-2", routing.Location?.Id);
        Assert.Equal("Wiremap", routing.Method);
    }

    [Fact]
    public async Task RouteCall_StationIdentityHeader_Station()
    {
        var s = new RoutingScenario();
        var routing = await RouteAsync(s, Call(identity: "uu_StationMacAddress=0004f215c285;uu_StationIPAddress=192.168.1.4"));
        Assert.Equal(LocationSourceKind.Station, routing.Source);
        Assert.Equal("hq-3", routing.Location?.Id);
    }

    [Fact]
    public async Task RouteCall_StationOffPremisesOrPublicRange_NotLocated()
    {
        var s = new RoutingScenario();
        Assert.Equal(LocationSourceKind.None, (await RouteAsync(s, Call(ip: "10.99.1.1"))).Source);
        Assert.Equal(LocationSourceKind.None, (await RouteAsync(s, Call(ip: "203.0.113.9"))).Source);
    }

    [Fact]
    public async Task RouteCall_HeldCapableDidWithFallbackOff_RelayCentre()
    {
        var s = new RoutingScenario(acmeDidFallback: false);
        var routing = await RouteAsync(s, Call(calling: "+15125550100"));
        Assert.Equal(LocationSourceKind.None, routing.Source);
        Assert.Equal(RouteDestination.RelayCenter, routing.Destination);
        Assert.Equal("sip:ecrc@relay.example", routing.RouteUri);
        Assert.Equal("Emergency Call Relay Center", routing.RouteName);
        Assert.Contains("DID fallback off", routing.Reason, StringComparison.Ordinal);
        Assert.Equal("+15125550100", routing.CallbackNumber);
    }

    [Fact]
    public async Task RouteCall_DidFallbackOn_DidLocation()
    {
        var s = new RoutingScenario(acmeDidFallback: true);
        var routing = await RouteAsync(s, Call(calling: "tel:+1-512-555-0100", token: "gone", mac: "00:00:00:00:00:01"));
        Assert.Equal(LocationSourceKind.Did, routing.Source);
        Assert.Equal("hq-3", routing.Location?.Id);
        Assert.Equal(CallRouter.DidMethod, routing.Method);
        Assert.Equal(RouteDestination.Psap, routing.Destination);
    }

    [Fact]
    public async Task RouteCall_NonHeldDeviceDid_AlwaysLocatedByDid()
    {
        var s = new RoutingScenario(acmeDidFallback: false);
        var routing = await RouteAsync(s, Call(calling: "5125550111"));
        Assert.Equal(LocationSourceKind.Did, routing.Source);
        Assert.Equal("remote-1", routing.Location?.Id);
    }

    [Fact]
    public async Task RouteCall_StationBeatsNonHeldDid()
    {
        var s = new RoutingScenario();
        var routing = await RouteAsync(s, Call(calling: "+15125550111", mac: "00:04:f2:15:c2:85"));
        Assert.Equal(LocationSourceKind.Station, routing.Source);
    }

    [Fact]
    public async Task RouteCall_LocationWithoutPoint_RelayCentreKeepsLocation()
    {
        var s = new RoutingScenario();
        var routing = await RouteAsync(s, Call(calling: "+15125550111"));
        Assert.Equal("remote-1", routing.Location?.Id);
        Assert.Equal(RouteDestination.RelayCenter, routing.Destination);
        Assert.Contains("no point", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteCall_PointOutsideEveryBoundary_RelayCentre()
    {
        var s = new RoutingScenario();
        var routing = await RouteAsync(s, Call(calling: "+15125550144"));
        Assert.Equal("far-1", routing.Location?.Id);
        Assert.Equal(RouteDestination.RelayCenter, routing.Destination);
        Assert.Contains("no PSAP boundary", routing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteCall_TenantByCompanyUuid_Resolved()
    {
        var s = new RoutingScenario();
        var routing = await RouteAsync(s, Call(calling: "+15125550111", tenant: "6F1C1E1A-7D2B-4C55-9A43-2B7C1F0E9D11"));
        Assert.Equal(LocationSourceKind.Did, routing.Source);
        Assert.Equal("acme", Assert.Single(s.Records.Records).Tenant);
    }

    [Theory]
    [InlineData("933")]
    [InlineData("urn:service:test.sos")]
    [InlineData("urn:service:test.sos.fire")]
    public async Task RouteCall_TestCall_TestServiceWithReadBackNeverPsap(string dialed)
    {
        var s = new RoutingScenario(acmeDidFallback: true);
        var routing = await RouteAsync(s, Call(dialed, calling: "+15125550100"));
        Assert.True(routing.TestCall);
        Assert.Equal(RouteDestination.TestService, routing.Destination);
        Assert.Equal("sip:933@test.example", routing.RouteUri);
        Assert.Null(routing.PsapBoundaryId);
        Assert.Equal("Your caller ID is 5 1 2 5 5 5 0 1 0 0. Your address is 100 Congress Ave, Floor 3, Austin, TX 78701.", routing.ReadBack);
        Assert.Equal(AlertEvent.TestCall, Assert.Single(s.Alerts.Alerts).Event);
    }

    [Fact]
    public async Task RouteCall_TestCallWithoutLocation_ReadBackSaysNoAddress()
    {
        var s = new RoutingScenario();
        var routing = await RouteAsync(s, Call("933", calling: "+15125550999"));
        Assert.Equal(RouteDestination.TestService, routing.Destination);
        Assert.Equal("Your caller ID is 5 1 2 5 5 5 0 9 9 9. No address is on file for this phone.", routing.ReadBack);
    }

    [Fact]
    public async Task RouteCall_TestCallFromElinLocation_ShowsElinWithoutTakingIt()
    {
        var s = new RoutingScenario();
        var routing = await RouteAsync(s, Call("933", calling: "+15125550155"));
        Assert.True(routing.CallbackIsElin);
        Assert.Equal("+15125550900", routing.CallbackNumber);
        Assert.StartsWith("Your caller ID is 5 1 2 5 5 5 0 9 0 0.", routing.ReadBack, StringComparison.Ordinal);
        Assert.Equal(0, s.Elins.Count);
        Assert.Equal(0, s.Window.Count);
        Assert.Null(s.Records.Records.Single().CallbackWindow);
    }

    [Fact]
    public async Task RouteCall_ElinLocation_ConcurrentCallersGetDistinctElinsAndCallbackResolves()
    {
        var s = new RoutingScenario();
        var first = await RouteAsync(s, Call(calling: "+15125550201", ip: "192.168.2.10"));
        s.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await RouteAsync(s, Call(calling: "+15125550202", ip: "192.168.2.11"));
        s.Time.Advance(TimeSpan.FromMinutes(1));
        var again = await RouteAsync(s, Call(calling: "+15125550201", ip: "192.168.2.10"));
        s.Time.Advance(TimeSpan.FromMinutes(1));
        var third = await RouteAsync(s, Call(calling: "+15125550203", ip: "192.168.2.12"));

        Assert.True(first.CallbackIsElin);
        Assert.Equal("+15125550900", first.CallbackNumber);
        Assert.Equal("+15125550901", second.CallbackNumber);
        Assert.Equal("+15125550900", again.CallbackNumber);
        // Both taken: the least recently assigned (901, assigned at minute 1; 900 was renewed at minute 2) is reused.
        Assert.Equal("+15125550901", third.CallbackNumber);

        var callback = await s.Router.ResolveCallbackAsync("acme", "5125550901", CancellationToken.None);
        Assert.Equal("+15125550203", callback.Value!.Assignment!.CallerNumber);
        Assert.Equal("hq-2", callback.Value.Assignment.LocationId);
        Assert.Equal(s.Time.GetUtcNow().AddMinutes(60), callback.Value.Assignment.ExpiresAt);

        s.Time.Advance(TimeSpan.FromMinutes(61));
        Assert.Null((await s.Router.ResolveCallbackAsync("acme", "+15125550901", CancellationToken.None)).Value!.Assignment);
    }

    [Fact]
    public async Task RouteCall_Callback_DidOverrideThenLocationThenCallingNumber()
    {
        var s = new RoutingScenario(acmeDidFallback: true);
        Assert.Equal("+15125550177", (await RouteAsync(s, Call(calling: "+15125550122"))).CallbackNumber);
        Assert.Equal("+15125550444", (await RouteAsync(s, Call(calling: "+15125550133"))).CallbackNumber);
        Assert.Equal("+15125550100", (await RouteAsync(s, Call(calling: "5125550100"))).CallbackNumber);
        var unknown = await RouteAsync(s, Call(calling: "+15125550999"));
        Assert.False(unknown.CallbackIsElin);
        Assert.Equal("+15125550999", unknown.CallbackNumber);
    }

    [Fact]
    public async Task RouteCall_EveryCall_WritesRecordAndAlert()
    {
        var s = new RoutingScenario();
        s.Tokens.Tokens["tok"] = TokenResolution.Resolved(s.Location("hq-3"), "Wiremap");
        var psap = await RouteAsync(s, Call(calling: "+15125550100", token: "tok"));
        var relay = await RouteAsync(s, Call(calling: "+15125550999"));
        Assert.Equal([psap.CallRecordId, relay.CallRecordId], s.Records.Records.Select(r => r.Id));
        Assert.Equal([AlertEvent.EmergencyCall, AlertEvent.RelayCenterCall], s.Alerts.Alerts.Select(a => a.Event));
        var record = s.Records.Records[0];
        Assert.Equal("call-1@pbx", record.CallId);
        Assert.Equal(LocationSourceKind.Token, record.Source);
        Assert.Equal("hq-3", record.LocationId);
        Assert.Equal("austin", record.PsapBoundaryId);
        Assert.Equal(s.Time.GetUtcNow(), record.At);
        Assert.Equal(record.Id, s.Alerts.Alerts[0].CallRecordId);
        Assert.Equal("100 Congress Ave, Floor 3, Austin, TX 78701, US", s.Alerts.Alerts[0].Address);
    }

    [Fact]
    public async Task RouteCall_CallRecordStoreFails_CallStillRouted()
    {
        var s = new RoutingScenario();
        s.Records.Fail = true;
        var routing = await RouteAsync(s, Call(calling: "+15125550111"));
        Assert.Equal(LocationSourceKind.Did, routing.Source);
        Assert.Single(s.Alerts.Alerts);
    }

    [Fact]
    public async Task RouteCall_UnknownTenant_UnknownTenantFailure()
    {
        var s = new RoutingScenario();
        var outcome = await s.Router.RouteCallAsync(Call(tenant: "nobody"), CancellationToken.None);
        Assert.Equal(RoutingFailure.UnknownTenant, outcome.Failure);
        Assert.Empty(s.Records.Records);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("411")]
    [InlineData("urn:service:counseling")]
    public async Task RouteCall_MissingOrNonEmergencyDialed_InvalidArgument(string dialed)
    {
        var s = new RoutingScenario();
        var outcome = await s.Router.RouteCallAsync(Call(dialed), CancellationToken.None);
        Assert.Equal(RoutingFailure.InvalidArgument, outcome.Failure);
    }

    [Theory]
    [InlineData("911", "Emergency")]
    [InlineData("9911", "Emergency")]
    [InlineData("112", "Emergency")]
    [InlineData("sip:911@pbx.example;user=phone", "Emergency")]
    [InlineData("tel:911", "Emergency")]
    [InlineData("urn:service:sos", "Emergency")]
    [InlineData("URN:SERVICE:SOS.police", "Emergency")]
    [InlineData("933", "Test")]
    [InlineData("9933", "Test")]
    [InlineData("urn:service:test.sos", "Test")]
    [InlineData("urn:service:test.sos.ambulance", "Test")]
    [InlineData("urn:service:sosx", "NotEmergency")]
    [InlineData("5125550100", "NotEmergency")]
    public void ClassifyDialed_Values_Classified(string dialed, string expected)
    {
        Assert.Equal(Enum.Parse<DialedService>(expected), CallRouter.ClassifyDialed(dialed));
    }

    [Fact]
    public async Task GetLocation_Token_ResolvedOrReason()
    {
        var s = new RoutingScenario();
        s.Tokens.Tokens["good"] = TokenResolution.Resolved(s.Location("hq-3"), "Wiremap");
        s.Tokens.Tokens["theirs"] = TokenResolution.Resolved(s.Other.FindLocation("o-1")!, "Wiremap");

        var good = (await s.Router.GetLocationAsync("acme", "good", CancellationToken.None)).Value!;
        Assert.Equal("hq-3", good.Location?.Id);
        Assert.Contains("hq-3", good.PidfLo, StringComparison.Ordinal);
        Assert.Equal(TokenStatus.ForeignTenant, (await s.Router.GetLocationAsync("acme", "theirs", CancellationToken.None)).Value!.Status);
        Assert.Equal(RoutingFailure.UnknownTenant, (await s.Router.GetLocationAsync("nobody", "good", CancellationToken.None)).Failure);
        Assert.Equal(RoutingFailure.InvalidArgument, (await s.Router.GetLocationAsync("acme", "", CancellationToken.None)).Failure);
    }

    [Fact]
    public async Task ResolveCallback_BadInput_Failures()
    {
        var s = new RoutingScenario();
        Assert.Equal(RoutingFailure.InvalidArgument, (await s.Router.ResolveCallbackAsync("acme", "not a number", CancellationToken.None)).Failure);
        Assert.Equal(RoutingFailure.UnknownTenant, (await s.Router.ResolveCallbackAsync("nobody", "+15125550900", CancellationToken.None)).Failure);
        Assert.Null((await s.Router.ResolveCallbackAsync("acme", "+15125550900", CancellationToken.None)).Value!.Assignment);
    }
}

public sealed class CallRouterElinConcurrencyTests
{
    [Fact]
    public async Task RouteCall_ConcurrentCallersSameLocation_DistinctElins()
    {
        var s = new RoutingScenario();
        // Each call carries a token; the resolver holds every call until both are inside the router, so the two
        // choose their ELINs at the same time rather than one after the other.
        s.Tokens.Tokens["tok-0"] = TokenResolution.Resolved(s.Location("hq-2"), "Wiremap");
        s.Tokens.Tokens["tok-1"] = TokenResolution.Resolved(s.Location("hq-2"), "Wiremap");
        s.Tokens.GateAt(2);
        var calls = Enumerable.Range(0, 2).Select(i => Task.Run(() => s.Router.RouteCallAsync(
            new EmergencyCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = $"+1512555030{i}", LocationReference = $"tok-{i}" }, CancellationToken.None)));
        var results = await Task.WhenAll(calls);
        Assert.Equal(2, s.Tokens.Calls.Count);
        Assert.All(results, r => Assert.Equal(LocationSourceKind.Token, r.Value!.Source));
        Assert.Equal(["+15125550900", "+15125550901"], results.Select(r => r.Value!.CallbackNumber).Order());
    }

    [Fact]
    public async Task RouteCall_ElinLocation_CallRecordCarriesTheCallbackWindow()
    {
        var s = new RoutingScenario();
        var outcome = await s.Router.RouteCallAsync(new EmergencyCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550155" }, CancellationToken.None);
        var window = s.Records.Records.Single().CallbackWindow;
        Assert.NotNull(window);
        Assert.Equal(("acme", "hq-2", "+15125550900", "+15125550155"), (window.Tenant, window.LocationId, window.Elin, window.CallerNumber));
        Assert.Equal(s.Time.GetUtcNow().AddMinutes(60), window.ExpiresAt);
        Assert.Equal(outcome.Value!.CallRecordId, window.CallRecordId);
    }

    [Fact]
    public async Task RouteCall_AfterRestartWithLoadedWindow_NextCallerGetsTheOtherElin()
    {
        var s = new RoutingScenario();
        var first = await s.Router.RouteCallAsync(new EmergencyCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550301", StationIp = "192.168.2.5" }, CancellationToken.None);
        Assert.Equal("+15125550900", first.Value!.CallbackNumber);

        // A new process: the window starts empty and is loaded from the durable store before calls are taken.
        var window = new ElinWindow();
        var loader = new ElinWindowLoader(s.Elins, window, s.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<ElinWindowLoader>.Instance);
        await loader.StartAsync(CancellationToken.None);
        await loader.StopAsync(CancellationToken.None);
        var restarted = s.NewRouter(window);
        s.Time.Advance(TimeSpan.FromMinutes(5));
        var second = await restarted.RouteCallAsync(new EmergencyCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550302", StationIp = "192.168.2.6" }, CancellationToken.None);
        Assert.Equal("+15125550901", second.Value!.CallbackNumber);
        Assert.Equal("+15125550301", (await restarted.ResolveCallbackAsync("acme", "+15125550900", CancellationToken.None)).Value!.Assignment!.CallerNumber);
    }

    [Fact]
    public async Task ResolveCallback_StoreDown_AnsweredFromThisNodesWindow()
    {
        var s = new RoutingScenario();
        await s.Router.RouteCallAsync(new EmergencyCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550155" }, CancellationToken.None);
        s.Elins.Fail = true;
        var outcome = await s.Router.ResolveCallbackAsync("acme", "+15125550900", CancellationToken.None);
        Assert.Equal("+15125550155", outcome.Value!.Assignment!.CallerNumber);
    }

    [Fact]
    public async Task ResolveCallback_ElinLentLaterByAnotherNode_StoreAnswerWins()
    {
        var s = new RoutingScenario();
        await s.Router.RouteCallAsync(new EmergencyCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550155" }, CancellationToken.None);
        s.Time.Advance(TimeSpan.FromMinutes(2));
        var now = s.Time.GetUtcNow();
        s.Elins.Upsert(new ElinAssignment("acme", "hq-2", "+15125550900", "+15125550999", now, now.AddMinutes(60)));
        var outcome = await s.Router.ResolveCallbackAsync("acme", "+15125550900", CancellationToken.None);
        Assert.Equal("+15125550999", outcome.Value!.Assignment!.CallerNumber);
    }

    [Fact]
    public async Task ElinWindowLoader_AnotherNodeLendsElin_NextCallerHereGetsTheOther()
    {
        var s = new RoutingScenario();
        var loader = new ElinWindowLoader(s.Elins, s.Window, s.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<ElinWindowLoader>.Instance);
        await loader.StartAsync(CancellationToken.None);
        var now = s.Time.GetUtcNow();
        s.Elins.Announce(new ElinAssignment("acme", "hq-2", "+15125550900", "+15125550401", now, now.AddMinutes(60)));
        var here = await s.Router.RouteCallAsync(new EmergencyCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550402", StationIp = "192.168.2.7" }, CancellationToken.None);
        await loader.StopAsync(CancellationToken.None);
        Assert.Equal("+15125550901", here.Value!.CallbackNumber);

        // Unsubscribed on stop: later announcements no longer reach the window.
        s.Elins.Announce(new ElinAssignment("acme", "hq-2", "+15125550901", "+15125550403", now.AddMinutes(1), now.AddMinutes(61)));
        Assert.Equal("+15125550402", s.Window.Find("acme", "+15125550901", now)!.CallerNumber);
    }

    [Fact]
    public async Task ElinWindowLoader_StoreDownAtStart_StartsAndRetries()
    {
        var s = new RoutingScenario();
        var now = s.Time.GetUtcNow();
        s.Elins.Upsert(new ElinAssignment("acme", "hq-2", "+15125550900", "+15125550155", now, now.AddMinutes(60)));
        s.Elins.Fail = true;
        var window = new ElinWindow();
        var loader = new ElinWindowLoader(s.Elins, window, s.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<ElinWindowLoader>.Instance);
        await loader.StartAsync(CancellationToken.None);
        Assert.Equal(0, window.Count);
        s.Elins.Fail = false;
        // The retry waits on the fake clock: each advance past the retry interval lets one attempt run.
        for (var i = 0; i < 1000 && window.Count == 0; i++)
        {
            s.Time.Advance(TimeSpan.FromSeconds(2));
            await Task.Delay(5);
        }
        await loader.StopAsync(CancellationToken.None);
        Assert.Equal("+15125550155", window.Find("acme", "5125550900", s.Time.GetUtcNow())!.CallerNumber);
    }
}

public sealed class ElinWindowTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static ResolvedLocation Location(params string[] elins) =>
        new() { TenantId = "acme", Id = "hq-2", SiteId = "hq", Civic = RoutingScenario.Congress, Display = "100 Congress Ave", Elins = elins };

    [Fact]
    public void Allocate_ConcurrentCallers_DistinctElinsThenLeastRecentlyAssigned()
    {
        var window = new ElinWindow();
        var location = Location("+15125550900", "+15125550901");
        var results = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 2, i => results.Add(window.Allocate("acme", location, $"+1512555030{i}", Now, TimeSpan.FromHours(1), reserve: true, null).Choice.Elin));
        Assert.Equal(["+15125550900", "+15125550901"], results.Order());
        var third = window.Allocate("acme", location, "+15125550309", Now.AddSeconds(1), TimeSpan.FromHours(1), reserve: true, null);
        Assert.Equal(ElinChoiceReason.LeastRecentlyAssigned, third.Choice.Reason);
    }

    [Fact]
    public void Allocate_WithoutReserve_ChoosesButLendsNothing()
    {
        var window = new ElinWindow();
        var (choice, assignment) = window.Allocate("acme", Location("+15125550900"), "+15125550301", Now, TimeSpan.FromHours(1), reserve: false, null);
        Assert.Equal("+15125550900", choice.Elin);
        Assert.Null(assignment);
        Assert.Null(window.Find("acme", "+15125550900", Now));
    }

    [Fact]
    public void Merge_OlderThanHeld_Ignored()
    {
        var window = new ElinWindow();
        window.Merge(new ElinAssignment("acme", "hq-2", "5125550900", "+15125550301", Now, Now.AddHours(1)));
        window.Merge(new ElinAssignment("acme", "hq-2", "+15125550900", "+15125550302", Now.AddMinutes(-5), Now.AddHours(1)));
        Assert.Equal("+15125550301", window.Find("acme", "+1 512 555 0900", Now)!.CallerNumber);
        Assert.Null(window.Find("other", "+15125550900", Now));
    }

    [Fact]
    public void Find_AfterWindowCloses_NullAndPruned()
    {
        var window = new ElinWindow();
        window.Merge(new ElinAssignment("acme", "hq-2", "+15125550900", "+15125550301", Now, Now.AddHours(1)));
        Assert.Null(window.Find("acme", "+15125550900", Now.AddHours(1)));
        Assert.Equal(1, window.Prune(Now.AddHours(1)));
        Assert.Equal(0, window.Count);
    }
}
