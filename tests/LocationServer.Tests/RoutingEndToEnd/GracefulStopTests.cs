using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using LocationServer.Routing.V1;
using LocationServer.Tests.Grpc;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;
using Microsoft.AspNetCore.Http;

namespace LocationServer.Tests.RoutingEndToEnd;

/// <summary>
/// A graceful stop (SIGTERM) of the built service while alerts of calls routed moments before still wait for a slow
/// desk: they are delivered within the shutdown grace, and every one is in the alert ledger after a restart, so a
/// desk can acknowledge it.
/// </summary>
public sealed class GracefulStopTests : IAsyncLifetime
{
    private const string Method = "/locationserver.routing.v1.RoutingService/RouteCall";

    private readonly ConcurrentQueue<string> _answered = new();
    private WebhookReceiver _desk = null!;

    public async Task InitializeAsync() => _desk = await WebhookReceiver.StartAsync(async (name, _, context) =>
    {
        // A desk that takes a moment per alert: "slow" far longer than the shutdown grace.
        await Task.Delay(name == "slow" ? TimeSpan.FromSeconds(30) : TimeSpan.FromMilliseconds(150), context.RequestAborted);
        _answered.Enqueue(context.Request.Headers["Idempotency-Key"].ToString());
        return Results.Ok();
    });

    public async Task DisposeAsync() => await _desk.DisposeAsync();

    private static ServiceProcess Service(string graceMs) => new(Directory.CreateTempSubdirectory("locationserver-stop-").FullName, new Dictionary<string, string>
    {
        ["Routing:Alerts:AllowPrivateTargets"] = "true",
        // One delivery at a time, so the alerts queue behind the desk.
        ["Routing:Alerts:MaxConcurrentDeliveries"] = "1",
        ["Routing:Alerts:ShutdownGraceMilliseconds"] = graceMs,
        ["Logging:LogLevel:LocationServer.Routing.Alerts"] = "Information",
    });

    private async Task<List<string>> RouteCallsAsync(ServiceProcess service, string desk, int calls)
    {
        using var client = new HttpClient { BaseAddress = service.HttpAddress };
        using var target = new StringContent($"{{\"url\":\"{_desk.Url(desk)}\"}}", Encoding.UTF8, "application/json");
        using var added = await client.PostAsync(new Uri("/admin/tenants/demo/alert-targets", UriKind.Relative), target);
        Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        var records = new List<string>();
        for (var i = 0; i < calls; i++)
        {
            var request = new RouteCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550199", CallId = $"stop-{i}" };
            var result = await GrpcClients.DotNetAsync(service.GrpcTarget, Method, request.ToByteArray(), apiKey: DemoWiremap.CallServerKey);
            Assert.True(result.Code == 0, $"RouteCall failed with status {result.Code}: {result.Details}");
            records.Add(RouteCallResponse.Parser.ParseFrom(result.Response).CallRecordId);
        }
        return records;
    }

    /// <summary>The alert ledger's entries: the call record each call alert names.</summary>
    private static async Task<List<string>> LedgerAsync(ServiceProcess service)
    {
        using var client = new HttpClient { BaseAddress = service.HttpAddress };
        using var response = await client.GetAsync(new Uri("/admin/tenants/demo/alerts?limit=100", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var document = JsonDocument.Parse(body);
        return [.. document.RootElement.EnumerateArray().Select(a => a.GetProperty("alert").GetProperty("callRecordId").GetString()!)];
    }

    [Fact]
    public async Task GracefulStop_AlertsQueuedBehindASlowDesk_DeliveredAndRecordedBeforeExit()
    {
        await using var service = Service("20000");
        await service.StartAsync();
        var records = await RouteCallsAsync(service, "desk", 8);

        // Stopped at once: most alerts still wait behind the desk's 150 ms per alert.
        await service.StopAsync();

        Assert.Equal(8, _answered.Distinct().Count());
        await service.StartAsync();
        Assert.Equal(records.Order(), (await LedgerAsync(service)).Order());
    }

    [Fact]
    public async Task GracefulStop_GraceShorterThanTheDesk_UndeliveredAlertsStillRecorded()
    {
        await using var service = Service("300");
        await service.StartAsync();
        var records = await RouteCallsAsync(service, "slow", 5);

        await service.StopAsync();

        Assert.Contains("queued alerts were not delivered within the shutdown grace (300 ms)", service.Output, StringComparison.Ordinal);
        await service.StartAsync();
        Assert.Equal(records.Order(), (await LedgerAsync(service)).Order());
    }
}
