using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.AdminAccounts;
using LocationServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Notifications;

/// <summary>
/// Issue 14's notification test: one 911 call in the demo reaches the security desk both ways, an e-mail in a real
/// SMTP server (python3-aiosmtpd) and an event on the live feed, and both name the caller and the room.
/// </summary>
public sealed class DemoCallNotificationTests : IAsyncLifetime
{
    private const string Desk = "security-desk@example.com";
    private readonly LocationServerFactory _factory = new();
    private readonly SmtpSink _smtp = new();
    private HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await _smtp.StartForAsync(_factory);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task DemoEmergencyCall_MailtoTargetAndLiveFeed_BothNameCallerAndRoom()
    {
        var (added, answer) = await AdminApi.SendAsync(_client, null, HttpMethod.Post, "/admin/tenants/demo/alert-targets", $"{{\"url\":\"mailto:{Desk}\",\"kinds\":[\"emergency-call\"]}}");
        Assert.True(added == HttpStatusCode.OK, answer);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var feed = await _client.GetAsync("/admin/tenants/demo/alerts/live", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var events = SseParser.Create(await feed.Content.ReadAsStreamAsync(timeout.Token)).EnumerateAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("ready", events.Current.EventType);

        CallRouting routed;
        using (var scope = _factory.Services.CreateScope())
        {
            var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
                new EmergencyCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550100" }, CancellationToken.None);
            routed = outcome.Value ?? throw new InvalidOperationException(outcome.Detail);
        }

        SseItem<string> alert;
        do Assert.True(await events.MoveNextAsync(), "the feed ended");
        while (events.Current.EventType == "keep-alive");
        alert = events.Current;
        Assert.Equal("emergency-call", alert.EventType);
        var json = JsonDocument.Parse(alert.Data).RootElement;
        Assert.Equal(routed.CallRecordId, json.GetProperty("callRecordId").GetString());
        Assert.Equal("alice", json.GetProperty("callerName").GetString());
        Assert.Contains("Room 301", json.GetProperty("address").GetString(), StringComparison.Ordinal);

        var message = Assert.Single(await _smtp.MessagesAsync(1));
        Assert.Equal(Desk, message.To.Mailboxes.Single().Address);
        Assert.Contains("alice", message.Subject, StringComparison.Ordinal);
        Assert.Contains("Room 301", message.Subject, StringComparison.Ordinal);
        Assert.Contains("Caller: alice", message.TextBody, StringComparison.Ordinal);
        Assert.Contains("Room 301", message.TextBody, StringComparison.Ordinal);
        Assert.Contains(routed.CallRecordId, message.TextBody, StringComparison.Ordinal);
        await events.DisposeAsync();
    }
}
