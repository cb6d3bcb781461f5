using System.Net;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.AdminAccounts;
using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Notifications;

/// <summary>
/// Recipients per scope: targets at the tenant, a site and a dispatchable location add up (the central point always
/// hears; a building's or a floor's responders hear their own calls), each filtered by the kinds it wants. Real
/// webhook receivers (Kestrel on loopback), calls routed by the real router on the demo wiremap.
/// </summary>
public sealed class AlertScopeTests : IAsyncLifetime
{
    private readonly LocationServerFactory _factory = new();
    private WebhookReceiver _desks = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _desks = await WebhookReceiver.StartAsync((_, _, _) => Task.FromResult(Results.Ok()));
        _factory.Settings["Routing:Alerts:AllowPrivateTargets"] = "true";
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _desks.DisposeAsync();
    }

    [Fact]
    public async Task EmergencyCall_TargetsAtTenantSiteAndLocation_EveryCoveringScopeHearsOthersDoNot()
    {
        await AddAsync("central", null, null, "emergency-call");
        await AddAsync("hq-guards", "site", "hq", "emergency-call");
        await AddAsync("room-301", "location", "hq-3-301", "emergency-call");
        await AddAsync("annex-guards", "site", "annex", "emergency-call");
        await AddAsync("lobby", "location", "hq-1-lobby", "emergency-call");
        await AddAsync("hq-tests-only", "site", "hq", "test-call");

        // alice's DID sits in hq-3-301; bob's in annex-2.
        var alice = await RouteAsync("+15125550100");
        var bob = await RouteAsync("+15125550123");

        await Poll.UntilAsync(() => Task.FromResult(_desks.Received.Count), n => n >= 5, TimeSpan.FromSeconds(60), "five deliveries");
        // Whatever was going to arrive has: a later delivery would be a wrong one.
        await Task.Delay(500);
        var heard = _desks.Received.Select(r => (r.Path, Call: JsonDocument.Parse(r.Body).RootElement.GetProperty("callRecordId").GetString())).ToList();
        Assert.Equal(
            [("annex-guards", bob.CallRecordId), ("central", alice.CallRecordId), ("central", bob.CallRecordId), ("hq-guards", alice.CallRecordId), ("room-301", alice.CallRecordId)],
            heard.OrderBy(h => h.Path, StringComparer.Ordinal).ThenBy(h => h.Call == alice.CallRecordId ? 0 : 1));
    }

    [Fact]
    public async Task TestCall_SiteTargetForTestCallsOnly_HearsItWhileEmergencyOnlyTargetsDoNot()
    {
        await AddAsync("hq-emergency", "site", "hq", "emergency-call");
        await AddAsync("hq-tests", "site", "hq", "test-call");

        await RouteAsync("+15125550100", "933");

        await Poll.UntilAsync(() => Task.FromResult(_desks.Received.Count), n => n >= 1, TimeSpan.FromSeconds(60), "the test-call delivery");
        await Task.Delay(500);
        Assert.Equal(["hq-tests"], _desks.Received.Select(r => r.Path));
    }

    [Theory]
    [InlineData("{\"url\":\"URL\",\"scope\":\"building\",\"scopeId\":\"hq\"}", "/scope")]
    [InlineData("{\"url\":\"URL\",\"scope\":\"site\"}", "/scopeId")]
    [InlineData("{\"url\":\"URL\",\"scope\":\"site\",\"scopeId\":\"nowhere\"}", "/scopeId")]
    [InlineData("{\"url\":\"URL\",\"scope\":\"site\",\"scopeId\":\"hq-3-301\"}", "/scopeId")]
    [InlineData("{\"url\":\"URL\",\"scope\":\"location\",\"scopeId\":\"hq\"}", "/scopeId")]
    [InlineData("{\"url\":\"URL\",\"scopeId\":\"hq\"}", "/scopeId")]
    public async Task AddTarget_BadScope_RefusedNamingTheField(string json, string field)
    {
        var (status, body) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets", json.Replace("URL", _desks.Url("x").ToString(), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(field, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListTargets_ScopedTarget_ShowsChannelScopeAndKinds()
    {
        await AddAsync("hq-guards", "site", "hq", "emergency-call");

        var (status, body) = await AdminApi.GetAsync(_client, null, "/admin/tenants/demo/alert-targets");

        Assert.Equal(HttpStatusCode.OK, status);
        var target = Assert.Single(JsonDocument.Parse(body).RootElement.EnumerateArray());
        Assert.Equal("webhook", target.GetProperty("channel").GetString());
        Assert.Equal("site", target.GetProperty("scope").GetString());
        Assert.Equal("hq", target.GetProperty("scopeId").GetString());
        Assert.Equal("EmergencyCall", Assert.Single(target.GetProperty("kinds").EnumerateArray()).GetString());
    }

    private async Task AddAsync(string name, string? scope, string? scopeId, string kind)
    {
        var scopeJson = scope is null ? "" : $",\"scope\":\"{scope}\",\"scopeId\":\"{scopeId}\"";
        var (status, body) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets",
            $"{{\"url\":\"{_desks.Url(name)}\",\"kinds\":[\"{kind}\"]{scopeJson}}}");
        Assert.True(status == HttpStatusCode.OK, body);
    }

    private async Task<CallRouting> RouteAsync(string caller, string dialed = "911")
    {
        using var scope = _factory.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = "demo", Dialed = dialed, CallingNumber = caller }, CancellationToken.None);
        Assert.Equal(RoutingFailure.None, outcome.Failure);
        return outcome.Value!;
    }
}
