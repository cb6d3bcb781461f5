using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Routing.Alerts;

/// <summary>The security desk's live feed: Server-Sent Events from the whole host, a call routed by the real router.</summary>
public sealed class AlertFeedTests : IClassFixture<LocationServerFactory>
{
    private readonly LocationServerFactory _factory;

    public AlertFeedTests(LocationServerFactory factory) => _factory = factory;

    [Fact]
    public async Task LiveFeed_EmergencyCall_EventNamesCallerAndRoom()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync("/admin/tenants/demo/alerts/live", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("ready", events.Current.EventType);

        var routed = await RouteAsync("+15125550100");

        var alert = await NextAlertAsync(events);
        Assert.Equal("emergency-call", alert.EventType);
        using var json = JsonDocument.Parse(alert.Data);
        Assert.Equal(json.RootElement.GetProperty("id").GetString(), alert.EventId);
        Assert.Equal("alice", json.RootElement.GetProperty("callerName").GetString());
        Assert.Equal(routed.CallRecordId, json.RootElement.GetProperty("callRecordId").GetString());
        Assert.Contains("Room 301", json.RootElement.GetProperty("address").GetString(), StringComparison.Ordinal);
        Assert.Equal(routed.CallbackNumber, json.RootElement.GetProperty("callbackNumber").GetString());
        await events.DisposeAsync();
    }

    [Fact]
    public async Task LiveFeed_TestCallThenEmergencyCall_InOrder()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var response = await client.GetAsync("/admin/tenants/demo/alerts/live", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var events = SseParser.Create(await response.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());

        await RouteAsync("+15125550123", "933");
        await RouteAsync("+15125550123", "911");

        Assert.Equal("test-call", (await NextAlertAsync(events)).EventType);
        Assert.Equal("emergency-call", (await NextAlertAsync(events)).EventType);
        await events.DisposeAsync();
    }

    [Fact]
    public async Task LiveFeed_UnknownTenantOrNoCredentials_Refused()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        using (var unknown = await client.GetAsync("/admin/tenants/nobody/alerts/live"))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        // Not from loopback and without the key: the admin policy refuses before anything streams.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/tenants/demo/alerts/live");
        request.Headers.Add(LocationServerFactory.RemoteIpHeader, "203.0.113.9");
        using var remote = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, remote.StatusCode);
    }

    private static async Task<SseItem<string>> NextAlertAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        while (await events.MoveNextAsync())
            if (events.Current.EventType != "keep-alive") return events.Current;
        throw new InvalidOperationException("The feed ended.");
    }

    private async Task<CallRouting> RouteAsync(string caller, string dialed = "911")
    {
        using var scope = _factory.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>()
            .RouteCallAsync(new EmergencyCallRequest { Tenant = "demo", Dialed = dialed, CallingNumber = caller }, CancellationToken.None);
        Assert.Equal(RoutingFailure.None, outcome.Failure);
        return outcome.Value!;
    }
}
