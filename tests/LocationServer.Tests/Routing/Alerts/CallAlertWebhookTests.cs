using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Routing.Alerts;

/// <summary>
/// A 911 call routed by the real host reaches the security desk's webhook (a real Kestrel receiver), which answers
/// 408, then 429, then too slowly, then 200: each is retried with the same <c>Idempotency-Key</c>. The backoff runs on
/// the host's fake clock, moved on by the test; the attempt time limit is real time.
/// </summary>
public sealed class CallAlertWebhookTests : IAsyncLifetime
{
    private readonly LocationServerFactory _factory = new();
    private WebhookReceiver _desk = null!;

    public async Task InitializeAsync()
    {
        _desk = await WebhookReceiver.StartAsync(async (_, hit, context) =>
        {
            switch (hit)
            {
                case 1: return Results.StatusCode(StatusCodes.Status408RequestTimeout);
                case 2: return Results.StatusCode(StatusCodes.Status429TooManyRequests);
                case 3:
                    // Slower than the attempt's time limit: the dispatcher gives up on this attempt and retries.
                    try { await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted); }
                    catch (OperationCanceledException) { }
                    return Results.Ok();
                default: return Results.Ok();
            }
        });
        _factory.Settings["Routing:Alerts:AllowPrivateTargets"] = "true";
        _factory.Settings["Routing:Alerts:AttemptTimeoutMilliseconds"] = "1000";
        _factory.Settings["Routing:Alerts:MaxAttempts"] = "5";
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _desk.DisposeAsync();
    }

    private int Hits => _desk.Hits.TryGetValue("desk", out var n) ? n : 0;

    [Fact]
    public async Task RoutedEmergencyCall_DeskAnswers408Then429ThenTimeoutThen200_SameIdempotencyKeyEveryAttempt()
    {
        var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        using var add = new StringContent($"{{\"url\":\"{_desk.Url("desk")}\",\"kinds\":[\"EmergencyCall\"]}}", Encoding.UTF8, "application/json");
        using var added = await client.PostAsync("/admin/tenants/demo/alert-targets", add);
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var targetId = JsonDocument.Parse(await added.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        CallRouting routed;
        using (var scope = _factory.Services.CreateScope())
        {
            var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
                new EmergencyCallRequest { Tenant = DemoWiremap.TenantId, Dialed = "911", CallingNumber = "+15125550188", StationIp = "10.1.3.44" }, CancellationToken.None);
            routed = outcome.Value ?? throw new InvalidOperationException(outcome.Detail);
        }
        Assert.Equal(RouteDestination.Psap, routed.Destination);

        // Each retry waits for its backoff on the host's clock: move it on until the next attempt arrives.
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var expected = attempt;
            await Poll.UntilAsync(() =>
            {
                if (Hits < expected) _factory.Time.Advance(TimeSpan.FromSeconds(30));
                return Task.FromResult(Hits);
            }, hits => hits >= expected, TimeSpan.FromSeconds(60), $"attempt {expected} at the desk");
        }
        var attempts = _desk.Received.Where(r => r.Path == "desk").ToList();
        Assert.Equal(4, attempts.Count);
        var body = JsonDocument.Parse(attempts[0].Body).RootElement;
        Assert.Equal("emergency-call", body.GetProperty("event").GetString());
        Assert.Equal(routed.CallRecordId, body.GetProperty("callRecordId").GetString());
        var alertId = body.GetProperty("id").GetString();
        Assert.All(attempts, a =>
        {
            Assert.Equal(attempts[0].Body, a.Body);
            Assert.Equal("emergency-call", a.Headers["X-LocationServer-Event"]);
            var key = a.Headers["Idempotency-Key"].Split('/');
            Assert.Equal(2, key.Length);
            Assert.Equal(alertId, key[0]);
            Assert.Equal(targetId, Guid.Parse(key[1]));
        });
    }
}
