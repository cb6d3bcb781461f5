using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LocationServer.Tests.Endpoints;

/// <summary>Two replicas on one PostgreSQL and one Redis: an endpoint change made through one is presented by the other.</summary>
[Collection(RealServersCollection.Name)]
public sealed class EndpointReplicaTests(ITestOutputHelper output)
{
    private static async Task<string?> CallbackOnAsync(ReplicaFactory replica, string mac)
    {
        using var scope = replica.Services.CreateScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
            new EmergencyCallRequest { Tenant = DemoWiremap.TenantId, Dialed = "911", CallingNumber = "+15125550123", StationMac = mac, StationIp = Cluster.HqPhoneIp }, CancellationToken.None);
        return outcome.Value?.CallbackNumber;
    }

    private static async Task SendAsync(HttpClient client, HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
        using var response = await client.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Replicas_DeviceEndpointChangedOnOne_PresentedByOtherAndLatencyPrinted()
    {
        await using var cluster = await Cluster.StartAsync();
        var (a, b) = (cluster[0], cluster.AddReplica());
        using var adminOnA = a.CreateClient();
        await Cluster.ImportAsync(adminOnA, DemoWiremap.Create());
        using (var phoneOnB = b.CreateClient()) await Cluster.WaitForHqAsync(phoneOnB, Cluster.DemoStreet, Cluster.DemoFloor, TimeSpan.FromSeconds(30));

        var billing = new Dictionary<string, string> { ["country"] = "US", ["A1"] = "TX", ["A3"] = "Austin", ["RD"] = "Billing", ["HNO"] = "1", ["PC"] = "78702" };
        string[] numbers = ["+15125557801", "+15125557802"];
        for (var i = 0; i < numbers.Length; i++)
            await SendAsync(adminOnA, HttpMethod.Post, "/admin/tenants/demo/emergency-endpoints", new { id = $"ep{i}", callbackNumber = numbers[i], billingAddress = billing });
        const string mac = "02:00:5e:10:20:30";
        var before = await CallbackOnAsync(b, mac);
        Assert.DoesNotContain(before, numbers);

        var latencies = new List<double>();
        for (var round = 0; round < 6; round++)
        {
            var expected = numbers[round % 2];
            await SendAsync(adminOnA, HttpMethod.Put, $"/admin/tenants/demo/endpoint-assignments/devices/{mac}", new { endpoint = $"ep{round % 2}" });
            // A committed and reloaded its own directory before answering.
            Assert.Equal(expected, await CallbackOnAsync(a, mac));
            var watch = Stopwatch.StartNew();
            while (await CallbackOnAsync(b, mac) != expected)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"B still presents {await CallbackOnAsync(b, mac)} 10 s after A's change to {expected}");
                await Task.Delay(5);
            }
            latencies.Add(watch.Elapsed.TotalMilliseconds);
            output.WriteLine($"round {round + 1}: B presents {expected} {watch.Elapsed.TotalMilliseconds:F1} ms after A answered");
        }
        latencies.Sort();
        output.WriteLine($"endpoint assignment on A -> presented by B: min {latencies[0]:F1} ms, median {latencies[latencies.Count / 2]:F1} ms, max {latencies[^1]:F1} ms over {latencies.Count} changes");
    }
}
