using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.AdminAccounts;
using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Notifications;

/// <summary>
/// Acknowledging an alert: the first desk to take it is recorded (who, when), later ones are told who took it, the
/// alert API shows it with its deliveries, every listening desk screen hears it on the live feed, and the audit trail
/// records each acknowledgement.
/// </summary>
public sealed class AlertAcknowledgementTests : IAsyncLifetime
{
    private readonly LocationServerFactory _factory = new();
    private WebhookReceiver _desk = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _desk = await WebhookReceiver.StartAsync((_, _, _) => Task.FromResult(Results.Ok()));
        _factory.Settings["Routing:Alerts:AllowPrivateTargets"] = "true";
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _desk.DisposeAsync();
    }

    [Fact]
    public async Task Acknowledge_TwoDesks_FirstWinsSecondSeesWhoTookItAndFeedClearsIt()
    {
        var desk = await AdminApi.CreateKeyAsync(_client, null, """{"role":"securityDesk","tenant":"demo","name":"front desk"}""");
        var admin = await AdminApi.CreateKeyAsync(_client, null, """{"role":"tenantAdmin","tenant":"demo"}""");
        var (added, answer) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets", $"{{\"url\":\"{_desk.Url("desk")}\"}}");
        Assert.True(added == HttpStatusCode.OK, answer);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var feed = await _client.GetAsync("/admin/tenants/demo/alerts/live", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var events = SseParser.Create(await feed.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());

        await RouteAsync("+15125550100");
        var raised = await NextAsync(events);
        Assert.Equal("emergency-call", raised.EventType);
        var id = raised.EventId!;
        // The alert is recorded beside its deliveries; the API knows it moments after the feed carried it.
        await Poll.UntilAsync(() => AdminApi.GetAsync(_client, desk, $"/admin/tenants/demo/alerts/{id}"), r => r.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the alert in the API");
        var (_, open) = await AdminApi.GetAsync(_client, desk, "/admin/tenants/demo/alerts?open=true");
        Assert.Contains(id, open, StringComparison.Ordinal);

        var (firstStatus, firstBody) = await AdminApi.SendAsync(_client, desk, HttpMethod.Post, $"/admin/tenants/demo/alerts/{id}/acknowledge");
        var (secondStatus, secondBody) = await AdminApi.SendAsync(_client, admin, HttpMethod.Post, $"/admin/tenants/demo/alerts/{id}/acknowledge");

        Assert.Equal(HttpStatusCode.OK, firstStatus);
        Assert.Equal(HttpStatusCode.OK, secondStatus);
        var first = JsonDocument.Parse(firstBody).RootElement;
        var second = JsonDocument.Parse(secondBody).RootElement;
        Assert.True(first.GetProperty("first").GetBoolean());
        Assert.False(second.GetProperty("first").GetBoolean());
        Assert.Equal("key:" + AdminApi.IdOf(desk), first.GetProperty("acknowledgedBy").GetString());
        Assert.Equal(first.GetProperty("acknowledgedBy").GetString(), second.GetProperty("acknowledgedBy").GetString());
        Assert.Equal(first.GetProperty("acknowledgedAt").GetDateTimeOffset(), second.GetProperty("acknowledgedAt").GetDateTimeOffset());
        Assert.Equal(_factory.Time.GetUtcNow().ToUnixTimeSeconds(), first.GetProperty("acknowledgedAt").GetDateTimeOffset().ToUnixTimeSeconds());

        var cleared = await NextAsync(events);
        Assert.Equal("acknowledged", cleared.EventType);
        Assert.Equal(id, cleared.EventId);
        Assert.Equal("key:" + AdminApi.IdOf(desk), JsonDocument.Parse(cleared.Data).RootElement.GetProperty("acknowledgedBy").GetString());

        var shown = await Poll.UntilAsync(() => AdminApi.GetAsync(_client, desk, $"/admin/tenants/demo/alerts/{id}"),
            r => JsonDocument.Parse(r.Body).RootElement.GetProperty("deliveries").GetArrayLength() > 0, TimeSpan.FromSeconds(30), "the delivery in the alert");
        var view = JsonDocument.Parse(shown.Body).RootElement;
        Assert.Equal("key:" + AdminApi.IdOf(desk), view.GetProperty("acknowledgedBy").GetString());
        Assert.Equal("alice", view.GetProperty("alert").GetProperty("callerName").GetString());
        var delivery = Assert.Single(view.GetProperty("deliveries").EnumerateArray());
        Assert.Equal("webhook", delivery.GetProperty("channel").GetString());
        Assert.Equal("delivered", delivery.GetProperty("status").GetString());
        var (_, stillOpen) = await AdminApi.GetAsync(_client, desk, "/admin/tenants/demo/alerts?open=true");
        Assert.DoesNotContain(id, stillOpen, StringComparison.Ordinal);

        var (_, audit) = await AdminApi.GetAsync(_client, admin, "/admin/tenants/demo/audit?kind=alert.acknowledge");
        var entries = JsonDocument.Parse(audit).RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(id, e.GetProperty("objectId").GetString()));
        await events.DisposeAsync();
    }

    [Fact]
    public async Task Acknowledge_UnknownAlertOrOtherTenants_NotFound()
    {
        var (status, body) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alerts/0194a3c2b1e07c3d8e9f0a1b2c3d4e5f/acknowledge");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("\"status\":404", body, StringComparison.Ordinal);
    }

    private async Task RouteAsync(string caller)
    {
        using var scope = _factory.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = caller }, CancellationToken.None);
        Assert.Equal(RoutingFailure.None, outcome.Failure);
    }

    private static async Task<SseItem<string>> NextAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        while (await events.MoveNextAsync())
            if (events.Current.EventType != "keep-alive") return events.Current;
        throw new InvalidOperationException("The feed ended.");
    }
}
