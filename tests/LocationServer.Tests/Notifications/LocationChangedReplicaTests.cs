using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LocationServer.Tests.Notifications;

/// <summary>
/// Two replicas on one PostgreSQL and one Redis: a 911 call routed by one replica, the caller's phone then answered
/// by the other from somewhere else, and by both again from there. The desk hears of the change once.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class LocationChangedReplicaTests(ITestOutputHelper output)
{
    private const string Replugged = """
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <locationType exact="true">civic</locationType>
          <measurements xmlns="urn:ietf:params:xml:ns:geopriv:lm">
            <lldp xmlns="urn:ietf:params:xml:ns:geopriv:lm:lldp"><chassis type="6">616e6e65782d737732</chassis><port type="5">4769312f302f31</port></lldp>
          </measurements>
        </locationRequest>
        """;

    [Fact]
    public async Task LocationChanged_CallRoutedOnOneReplicaPhoneSeenElsewhereOnTheOther_OneAlert()
    {
        await using var cluster = await Cluster.StartAsync();
        var (a, b) = (cluster[0], cluster.AddReplica());
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        await Cluster.ImportAsync(clientA, DemoWiremap.Create());
        await Cluster.WaitForHqAsync(clientB, Cluster.DemoStreet, Cluster.DemoFloor, TimeSpan.FromSeconds(30));
        await using var feed = await LocationChangedAlertTests.Feed.OpenAsync(clientA);

        var (response, document, body) = await clientA.PostHeldAsync(Cluster.ByReferenceRequest, Cluster.HqPhoneIp);
        using (response) Assert.True(document.LocationUri() is not null, body);
        CallRouting call;
        using (var scope = a.Services.CreateScope())
        {
            var outcome = await scope.ServiceProvider.GetRequiredService<CallRouter>().RouteCallAsync(
                new EmergencyCallRequest { Tenant = DemoWiremap.TenantId, Dialed = "911", CallingNumber = "+15125550100", LocationReference = document.LocationUri() }, CancellationToken.None);
            call = outcome.Value ?? throw new InvalidOperationException(outcome.Detail);
        }
        Assert.Equal(LocationSourceKind.Token, call.Source);

        // The window reaches B through Redis; B's next answer for the phone from the annex is the change.
        var watch = Stopwatch.StartNew();
        string? moved = null;
        var polls = 0;
        while (moved is null)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "no location-changed alert 30 s after the call");
            await AskAsync(clientB);
            polls++;
            using var next = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            moved = await feed.TryNextOfCallAsync(call.CallRecordId, "location-changed", next.Token);
        }
        output.WriteLine($"call on A -> location-changed raised by B after {polls} polls, {watch.Elapsed.TotalMilliseconds:F0} ms");
        var json = JsonDocument.Parse(moved).RootElement;
        Assert.Equal(call.Location!.Id, json.GetProperty("previousLocationId").GetString());
        Assert.Equal("annex-2", json.GetProperty("locationId").GetString());
        Assert.Equal("alice", json.GetProperty("callerName").GetString());

        // The phone keeps polling from the annex through both replicas: nothing new to tell.
        for (var i = 0; i < 3; i++)
        {
            await AskAsync(clientA);
            await AskAsync(clientB);
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (status, listed) = await GetAsync(clientB, "/admin/tenants/demo/alerts?limit=100");
        Assert.Equal(HttpStatusCode.OK, status);
        var changes = JsonDocument.Parse(listed).RootElement.EnumerateArray()
            .Select(i => i.GetProperty("alert"))
            .Where(alert => alert.GetProperty("event").GetString() == "location-changed" && alert.GetProperty("callRecordId").GetString() == call.CallRecordId)
            .ToList();
        Assert.Single(changes);
    }

    private static async Task AskAsync(HttpClient client)
    {
        var (response, document, body) = await client.PostHeldAsync(Replugged, Cluster.HqPhoneIp);
        using (response) Assert.True(document.Civic("FLR") == "2", body);
    }

    private static async Task<(HttpStatusCode, string)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
