using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using LocationServer.Tests.Scale;
using Xunit.Abstractions;

namespace LocationServer.Tests.WiremapObjects;

/// <summary>
/// Two replica processes on one PostgreSQL and one Redis: an object changed through A's admin API is what HELD and
/// RouteCall answer on B within a second.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class ObjectReplicaTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    private static async Task<(HttpStatusCode Status, JsonElement Body, string? ETag)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default, response.Headers.ETag?.ToString());
    }

    /// <summary>Polls <paramref name="probe"/> until it holds; returns how long after the start it took, failing past <see cref="Within"/>.</summary>
    private static async Task<TimeSpan> WaitAsync(Func<Task<(bool Holds, string Seen)>> probe, string what, ProcessCluster cluster)
    {
        var watch = Stopwatch.StartNew();
        var seen = "";
        while (watch.Elapsed <= Within)
        {
            (var holds, seen) = await probe();
            if (holds) return watch.Elapsed;
            await Task.Delay(10);
        }
        Assert.Fail($"Within {Within.TotalSeconds} s of A's answer, B never showed {what}; last seen: {seen}\n{cluster.Logs()}");
        return watch.Elapsed;
    }

    [Fact]
    public async Task Replicas_LocationAndElementChangedOnA_HeldAndRouteCallOnBWithinOneSecond()
    {
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();
        var (a, b) = (cluster[0], cluster[1]);
        using var adminOnA = a.CreateClient();
        using var phoneOnB = b.CreateClient(ProcessCluster.UnknownAddress);
        var subnet = ProcessCluster.UnknownAddress[..ProcessCluster.UnknownAddress.LastIndexOf('.')] + ".0/24";
        // Before the change, B answers neither at the new location. These first calls also carry B's one-time costs
        // (the first gRPC connection, compiling the routing path), which are not part of the propagation measured.
        Assert.NotEqual("9", (await ProcessCluster.AskHqAsync(phoneOnB)).Floor);
        Assert.NotEqual("hq-9-east", (await ProcessCluster.RouteCallAsync(b, "+15125550300", ProcessCluster.UnknownAddress)).Location?.LocationId);

        var (created, _, etag) = await SendAsync(adminOnA, HttpMethod.Post, "/admin/tenants/demo/sites/hq/locations", new { id = "hq-9-east", floor = "9", text = "East wing" });
        Assert.True(created == HttpStatusCode.Created, $"location: {(int)created}");
        var (added, element, _) = await SendAsync(adminOnA, HttpMethod.Post, "/admin/tenants/demo/elements", new { kind = "subnet", value = subnet, locationId = "hq-9-east" });
        Assert.True(added == HttpStatusCode.Created, $"element: {(int)added} {element}");

        var held = await WaitAsync(async () =>
        {
            var (_, floor, raw) = await ProcessCluster.AskHqAsync(phoneOnB);
            return (floor == "9", raw);
        }, "floor 9 in HELD for the new subnet", cluster);
        var routed = await WaitAsync(async () =>
        {
            var answer = await ProcessCluster.RouteCallAsync(b, "+15125550301", ProcessCluster.UnknownAddress);
            return (answer.Location?.LocationId == "hq-9-east", answer.ToString());
        }, "RouteCall locating the station at hq-9-east", cluster);
        output.WriteLine($"element created on A -> HELD on B after {held.TotalMilliseconds:F0} ms, RouteCall on B after {routed.TotalMilliseconds:F0} ms");

        // Changing the location (If-Match from the create) moves what both answer.
        var (updated, _, _) = await SendAsync(adminOnA, HttpMethod.Put, "/admin/tenants/demo/sites/hq/locations/hq-9-east", new { floor = "10", text = "East wing" }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, updated);
        held = await WaitAsync(async () =>
        {
            var (_, floor, raw) = await ProcessCluster.AskHqAsync(phoneOnB);
            return (floor == "10", raw);
        }, "floor 10 in HELD after the location changed", cluster);
        routed = await WaitAsync(async () =>
        {
            var answer = await ProcessCluster.RouteCallAsync(b, "+15125550302", ProcessCluster.UnknownAddress);
            return (answer.Location?.Display?.Contains("Floor 10", StringComparison.Ordinal) == true, answer.ToString());
        }, "RouteCall with floor 10", cluster);
        output.WriteLine($"location changed on A -> HELD on B after {held.TotalMilliseconds:F0} ms, RouteCall on B after {routed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Replicas_PsapBoundaryAddedAndDeletedOnA_RouteCallPsapChangesOnBothWithinOneSecond()
    {
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();
        var (a, b) = (cluster[0], cluster[1]);
        using var adminOnA = a.CreateClient();
        // The HQ phone routes by the HQ site's point (30.2672, -97.7431), inside the demo Austin boundary. These first
        // calls also carry each replica's one-time costs, which are not part of the propagation measured.
        foreach (var replica in new[] { a, b })
            Assert.Equal("psap-austin", (await ProcessCluster.RouteCallAsync(replica, "+15125550310", ProcessCluster.HqPhoneAddress)).Route.BoundaryId);

        // A smaller boundary around downtown wins over the county's.
        var downtown = new { type = "Polygon", coordinates = new[] { new[] { new[] { -97.76, 30.26 }, new[] { -97.73, 30.26 }, new[] { -97.73, 30.28 }, new[] { -97.76, 30.28 }, new[] { -97.76, 30.26 } } } };
        var (created, body, etag) = await SendAsync(adminOnA, HttpMethod.Post, "/admin/psap-boundaries", new { id = "psap-downtown", name = "Downtown 9-1-1 (test)", uri = "sip:psap-downtown@esinet.invalid", geometry = downtown });
        Assert.True(created == HttpStatusCode.Created, $"boundary: {(int)created} {body}");
        foreach (var replica in new[] { a, b })
        {
            var took = await WaitAsync(async () =>
            {
                var answer = await ProcessCluster.RouteCallAsync(replica, "+15125550311", ProcessCluster.HqPhoneAddress);
                return (answer.Route.BoundaryId == "psap-downtown" && answer.Route.Uri == "sip:psap-downtown@esinet.invalid", answer.Route.ToString());
            }, $"the downtown PSAP on {replica.Name}", cluster);
            output.WriteLine($"boundary created on A -> RouteCall on {replica.Name} after {took.TotalMilliseconds:F0} ms");
        }

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(adminOnA, HttpMethod.Delete, "/admin/psap-boundaries/psap-downtown", ifMatch: etag)).Status);
        foreach (var replica in new[] { a, b })
        {
            var took = await WaitAsync(async () =>
            {
                var answer = await ProcessCluster.RouteCallAsync(replica, "+15125550312", ProcessCluster.HqPhoneAddress);
                return (answer.Route.BoundaryId == "psap-austin", answer.Route.ToString());
            }, $"the Austin PSAP again on {replica.Name}", cluster);
            output.WriteLine($"boundary deleted on A -> RouteCall on {replica.Name} after {took.TotalMilliseconds:F0} ms");
        }
    }
}
