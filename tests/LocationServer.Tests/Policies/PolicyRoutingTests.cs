using System.Text;
using System.Xml.Linq;
using LocationServer.Core.Wiremap;
using LocationServer.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Policies;

/// <summary>
/// RouteCall and LoST reading the emergency policies written through the admin API: dial strings and presets, the
/// staged-rollout mode, per-scope URIs, the ELIN window and the conference hint, closest scope winning per setting.
/// Each test starts from no policies (the tests of this class share one host and run one at a time).
/// </summary>
public sealed class PolicyRoutingTests(PolicyHost host) : IClassFixture<PolicyHost>, IAsyncLifetime
{
    private const string AustinPsap = "sip:psap-austin@esinet.invalid";

    public Task InitializeAsync() => host.ClearPoliciesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RouteCall_SiteTestOnly_Answers933AndRoutes911ByItsPolicy()
    {
        await host.PolicyAsync("annex-rollout", """
            {"name":"Annex: 933 first","scope":"site","siteIds":["annex"],"mode":"testOnly","carrierRouteUri":"sip:911@carrier.example"}
            """);

        var test = await host.RoutedAsync("933", PolicyHost.AnnexIp);
        Assert.Equal(RouteDestination.TestService, test.Destination);
        Assert.True(test.TestCall);
        Assert.NotNull(test.ReadBack);
        Assert.Equal(PolicyMode.TestOnly, test.Mode);

        var emergency = await host.RoutedAsync("911", PolicyHost.AnnexIp);
        Assert.Equal(RouteDestination.CallServerDefault, emergency.Destination);
        Assert.Equal("sip:911@carrier.example", emergency.RouteUri);
        Assert.Null(emergency.PsapBoundaryId);
        Assert.Equal("annex-rollout", emergency.Policy?.Policy.Id);
        Assert.Equal("site annex", emergency.Policy?.Scope);
        Assert.Contains("policy mode testOnly", emergency.Reason, StringComparison.Ordinal);
        // The location is still resolved and carried, for the carrier route and the call record.
        Assert.Equal("annex-2", emergency.Location?.Id);

        // The other sites are not in the rollout: their 911 calls go to the PSAP.
        var hq = await host.RoutedAsync("911", PolicyHost.HqVoiceIp);
        Assert.Equal(RouteDestination.Psap, hq.Destination);
        Assert.Equal(AustinPsap, hq.RouteUri);
        Assert.Null(hq.Policy);
    }

    [Fact]
    public async Task RouteCall_TestOnlyWithoutCarrierUri_LeavesTheUriEmptyAndSaysCallServerDefault()
    {
        await host.PolicyAsync("tenant", """{"name":"Not live yet","scope":"tenant","mode":"testOnly"}""");
        var emergency = await host.RoutedAsync("911", PolicyHost.HqVoiceIp);
        Assert.Equal(RouteDestination.CallServerDefault, emergency.Destination);
        Assert.Equal("", emergency.RouteUri);
        Assert.Equal(CallRouter.CallServerDefaultName, emergency.RouteName);

        await host.PolicyAsync("tenant", """{"name":"Off","scope":"tenant","mode":"disabled"}""");
        var test = await host.RoutedAsync("933", PolicyHost.HqVoiceIp);
        Assert.Equal(RouteDestination.CallServerDefault, test.Destination);
        Assert.Equal(PolicyMode.Disabled, test.Mode);
    }

    [Fact]
    public async Task RouteCall_UkPresetSite_Routes999WhileUsSiteRejects999()
    {
        await host.PolicyAsync("us", """{"name":"US","scope":"tenant","preset":"us"}""");
        await host.PolicyAsync("uk-annex", """{"name":"Annex (UK dialling)","scope":"site","siteIds":["annex"],"preset":"uk"}""");

        var uk = await host.RoutedAsync("999", PolicyHost.AnnexIp);
        Assert.Equal(RouteDestination.Psap, uk.Destination);
        Assert.False(uk.TestCall);
        Assert.Equal("uk-annex", uk.Policy?.Policy.Id);
        Assert.Equal(RouteDestination.Psap, (await host.RoutedAsync("112", PolicyHost.AnnexIp)).Destination);
        // The UK preset has no test number: 933 is not a dial string there.
        Assert.Equal(RoutingFailure.InvalidArgument, (await host.RouteAsync("933", PolicyHost.AnnexIp)).Failure);

        var us = await host.RouteAsync("999", PolicyHost.HqVoiceIp);
        Assert.Equal(RoutingFailure.InvalidArgument, us.Failure);
        Assert.Contains("policy 'us' (tenant)", us.Detail, StringComparison.Ordinal);
        Assert.Equal(RouteDestination.Psap, (await host.RoutedAsync("911", PolicyHost.HqVoiceIp)).Destination);
        // The US preset leaves 112 out (the built-in default has it).
        Assert.Equal(RoutingFailure.InvalidArgument, (await host.RouteAsync("112", PolicyHost.HqVoiceIp)).Failure);
    }

    [Fact]
    public async Task RouteCall_NoPolicies_BuiltInDialStringsAndGlobalConfiguration()
    {
        Assert.Equal(RouteDestination.Psap, (await host.RoutedAsync("911", PolicyHost.HqVoiceIp)).Destination);
        Assert.Equal(RouteDestination.Psap, (await host.RoutedAsync("tel:9911", PolicyHost.HqVoiceIp)).Destination);
        Assert.Equal(RouteDestination.TestService, (await host.RoutedAsync("9933", PolicyHost.HqVoiceIp)).Destination);
        Assert.Equal(RouteDestination.Psap, (await host.RoutedAsync("urn:service:sos", PolicyHost.HqVoiceIp)).Destination);
        Assert.Equal(RoutingFailure.InvalidArgument, (await host.RouteAsync("999", PolicyHost.HqVoiceIp)).Failure);
        Assert.Equal(RoutingFailure.InvalidArgument, (await host.RouteAsync("9-1-1", PolicyHost.HqVoiceIp)).Failure);
        var routed = await host.RoutedAsync("911", PolicyHost.HqVoiceIp);
        Assert.Null(routed.Policy);
        Assert.Null(routed.Conference.Value);
        Assert.Contains("policy: global configuration", routed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteCall_NetworkSiteAndTenantPolicies_ClosestWinsPerSetting()
    {
        await host.PolicyAsync("tenant", """
            {"name":"Tenant","scope":"tenant","testServiceUri":"sip:933@tenant.example","conference":{"uri":"sip:desk@tenant.example","mode":"oneWay"}}
            """);
        await host.PolicyAsync("hq", """{"name":"HQ","scope":"site","siteIds":["hq"],"testServiceUri":"sip:933@hq.example"}""");
        await host.PolicyAsync("voice-vlan", """{"name":"HQ voice VLAN","scope":"network","networks":["10.1.3.0/24"],"testServiceUri":"sip:933@vlan.example"}""");

        // Network beats site beats tenant, for the setting each sets.
        var inNetwork = await host.RoutedAsync("933", PolicyHost.HqVoiceIp);
        Assert.Equal("sip:933@vlan.example", inNetwork.RouteUri);
        Assert.Equal("voice-vlan", inNetwork.Policy?.Policy.Id);
        Assert.Equal("network 10.1.3.0/24", inNetwork.Policy?.Scope);
        var atSite = await host.RoutedAsync("933", PolicyHost.HqOtherIp);
        Assert.Equal("sip:933@hq.example", atSite.RouteUri);
        Assert.Equal("hq", atSite.Policy?.Policy.Id);
        var elsewhere = await host.RoutedAsync("933", PolicyHost.AnnexIp);
        Assert.Equal("sip:933@tenant.example", elsewhere.RouteUri);
        Assert.Equal("tenant", elsewhere.Policy?.Policy.Id);

        // What the closer scopes leave unset comes from the wider one: the tenant's conference hint reaches the VLAN.
        var emergency = await host.RoutedAsync("911", PolicyHost.HqVoiceIp);
        Assert.Equal("sip:desk@tenant.example", emergency.Conference.Value?.Uri);
        Assert.Equal("tenant", emergency.Conference.Source?.Policy.Id);

        // A network policy applies whatever the site: a station on that network without a wiremap match too.
        await host.PolicyAsync("voice-vlan", """{"name":"Guest net","scope":"network","networks":["10.1.3.0/24","10.77.0.0/16"],"testServiceUri":"sip:933@vlan.example"}""");
        Assert.Equal("sip:933@vlan.example", (await host.RoutedAsync("933", "10.77.1.1", calling: "+15125559999")).RouteUri);
    }

    [Fact]
    public async Task RouteCall_SiteRelayCentre_UsedForCallsWithoutAPsap()
    {
        var global = await host.RoutedAsync("911", PolicyHost.RemoteIp);
        Assert.Equal(RouteDestination.RelayCenter, global.Destination);

        await host.PolicyAsync("toronto", """{"name":"Toronto","scope":"site","siteIds":["remote"],"relayCenterUri":"sip:ecrc@relay.ca.example"}""");
        var routed = await host.RoutedAsync("911", PolicyHost.RemoteIp);
        Assert.Equal(RouteDestination.RelayCenter, routed.Destination);
        Assert.Equal("sip:ecrc@relay.ca.example", routed.RouteUri);
        Assert.Equal("toronto", routed.Policy?.Policy.Id);
        Assert.NotEqual(global.RouteUri, routed.RouteUri);

        // Another site's calls without a PSAP keep the global relay centre.
        var nowhere = await host.RoutedAsync("911", "192.0.2.1", calling: "+15125559999");
        Assert.Equal(global.RouteUri, nowhere.RouteUri);
    }

    [Fact]
    public async Task RouteCall_ConferenceHint_ReturnedForEmergencyCallsOnlyAndKeptInTheRecord()
    {
        await host.PolicyAsync("hq-desk", """
            {"name":"HQ security desk","scope":"site","siteIds":["hq"],"conference":{"uri":"sip:security@hq.example","mode":"twoWay"}}
            """);
        var emergency = await host.RoutedAsync("911", PolicyHost.HqVoiceIp);
        Assert.Equal(new ConferenceHint("sip:security@hq.example", ConferenceMode.TwoWay), emergency.Conference.Value);
        Assert.Equal("hq-desk", emergency.Conference.Source?.Policy.Id);
        Assert.Null((await host.RoutedAsync("933", PolicyHost.HqVoiceIp)).Conference.Value);
        Assert.Null((await host.RoutedAsync("911", PolicyHost.AnnexIp)).Conference.Value);

        // The conference policy did not decide the route (no dial strings, mode or URIs): the record names none.
        Assert.Null(emergency.Policy);
        await host.PolicyAsync("hq-desk", """{"name":"HQ","scope":"site","siteIds":["hq"],"preset":"us","conference":{"uri":"sip:security@hq.example"}}""");
        var decided = await host.RoutedAsync("911", PolicyHost.HqVoiceIp);
        Assert.Equal(ConferenceMode.OneWay, decided.Conference.Value?.Mode);
        using var calls = System.Text.Json.JsonDocument.Parse(await host.Client.GetStringAsync($"/admin/tenants/demo/calls/{Guid.ParseExact(decided.CallRecordId, "N")}"));
        Assert.Equal("hq-desk", calls.RootElement.GetProperty("policyId").GetString());
    }

    [Fact]
    public async Task RouteCall_SiteCallbackWindow_ElinHeldForThePolicysMinutes()
    {
        await host.PolicyAsync("hq-window", """{"name":"HQ ELIN window","scope":"site","siteIds":["hq"],"callbackWindowMinutes":15}""");
        var routed = await host.RoutedAsync("911", PolicyHost.Room301Ip, calling: "+15125550177");
        Assert.True(routed.CallbackIsElin);
        using var scope = host.Factory.Services.CreateScope();
        var lookup = await scope.ServiceProvider.GetRequiredService<CallRouter>().ResolveCallbackAsync("demo", routed.CallbackNumber, CancellationToken.None);
        var assignment = lookup.Value?.Assignment;
        Assert.NotNull(assignment);
        Assert.Equal(TimeSpan.FromMinutes(15), assignment.ExpiresAt - assignment.AssignedAt);
    }

    [Fact]
    public async Task Lost_CivicLocationOfAUkPresetSite_AnswersItsServiceNumber()
    {
        const string annex = """
            <findService xmlns="urn:ietf:params:xml:ns:lost1"><location id="l1" profile="civic"><civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"><country>US</country><A1>TX</A1><A3>Austin</A3><RD>Lavaca</RD><STS>St</STS><HNO>901</HNO></civicAddress></location><service>urn:service:sos</service></findService>
            """;
        Assert.Equal("911", await ServiceNumberAsync(annex));
        await host.PolicyAsync("uk-annex", """{"name":"Annex (UK dialling)","scope":"site","siteIds":["annex"],"preset":"uk"}""");
        Assert.Equal("999", await ServiceNumberAsync(annex));
        // Another site's address keeps the configured number.
        Assert.Equal("911", await ServiceNumberAsync(annex.Replace("Lavaca", "Congress", StringComparison.Ordinal).Replace("901", "100", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Lost_TestServiceUrnAtASiteWithItsOwnTestService_MapsToThePolicysUriSchemaValid()
    {
        const string annex = """
            <findService xmlns="urn:ietf:params:xml:ns:lost1"><location id="l1" profile="civic"><civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr"><country>US</country><A1>TX</A1><A3>Austin</A3><RD>Lavaca</RD><STS>St</STS><HNO>901</HNO></civicAddress></location><service>urn:service:test.sos</service></findService>
            """;
        var configured = await MappedUriAsync(annex);
        await host.PolicyAsync("annex-test", """{"name":"Annex test line","scope":"site","siteIds":["annex"],"testServiceUri":"sip:933@annex-test.example"}""");

        Assert.Equal("sip:933@annex-test.example", await MappedUriAsync(annex));
        Assert.NotEqual("sip:933@annex-test.example", configured);
        // Another site's address keeps the configured test service.
        Assert.Equal(configured, await MappedUriAsync(annex.Replace("Lavaca", "Congress", StringComparison.Ordinal).Replace("901", "100", StringComparison.Ordinal)));
    }

    private async Task<string?> MappedUriAsync(string query)
    {
        using var content = new StringContent(query, Encoding.UTF8, "application/lost+xml");
        using var response = await host.Client.PostAsync("/lost", content);
        var body = await response.Content.ReadAsStringAsync();
        await Lost.LostEndpointTests.ValidateAsync(body);
        return XDocument.Parse(body).Descendants(XName.Get("uri", "urn:ietf:params:xml:ns:lost1")).SingleOrDefault()?.Value;
    }

    private async Task<string?> ServiceNumberAsync(string query)
    {
        using var content = new StringContent(query, Encoding.UTF8, "application/lost+xml");
        using var response = await host.Client.PostAsync("/lost", content);
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.Descendants(XName.Get("serviceNumber", "urn:ietf:params:xml:ns:lost1")).SingleOrDefault()?.Value;
    }
}
