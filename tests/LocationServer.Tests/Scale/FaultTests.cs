using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LocationServer.Routing;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace LocationServer.Tests.Scale;

/// <summary>Two replicas while Redis or PostgreSQL goes away and comes back. Every test restores the server it stops.</summary>
[Collection(RealServersCollection.Name)]
public sealed class FaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(10);

    private static async Task<(Cluster Cluster, HttpClient A, HttpClient B)> StartWithDemoAsync()
    {
        var cluster = await Cluster.StartAsync();
        var a = cluster[0].CreateClient();
        var b = cluster.AddReplica().CreateClient();
        await a.WaitReadyAsync();
        await b.WaitReadyAsync();
        await Cluster.ImportAsync(a, DemoWiremap.Create());
        await Cluster.WaitForHqAsync(b, Cluster.DemoStreet, Cluster.DemoFloor, Settle);
        return (cluster, a, b);
    }

    private static async Task<string> MintAsync(HttpClient client, string body, string ip)
    {
        var (response, document, text) = await client.PostHeldAsync(body, ip);
        response.Dispose();
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), $"no location URI issued: {text}");
        return uri!;
    }

    [Fact]
    public async Task Redis_Down_HeldStillAnswersAndTokensRedeemAfterReturn()
    {
        RealServers.RequireControl("REDIS");
        var (cluster, a, b) = await StartWithDemoAsync();
        await using var _ = cluster;
        var stopped = false;
        try
        {
            await RealServers.StopRedisAsync();
            stopped = true;
            var outage = Stopwatch.StartNew();

            var clock = Stopwatch.StartNew();
            var (street, floor, raw) = await Cluster.AskHqAsync(a);
            var byValue = clock.Elapsed;
            Assert.True(street == Cluster.DemoStreet && floor == Cluster.DemoFloor, $"HELD by value on A with Redis down: {raw}");

            var uri = await MintAsync(a, Cluster.ByReferenceRequest, Cluster.HqPhoneIp);
            clock.Restart();
            var (code, mediaType, pidf, body) = await Cluster.DereferenceAsync(b, uri);
            var dereference = clock.Elapsed;
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.Equal("application/pidf+xml", mediaType);
            Assert.True(pidf is not null && pidf.ErrorCode() is null && pidf.Civic("RD") == Cluster.DemoStreet,
                $"a token minted on A while Redis is down was not redeemed on B: {body}");
            output.WriteLine($"Redis down: HELD by value {byValue.TotalMilliseconds:F0} ms, dereference on B {dereference.TotalMilliseconds:F0} ms");
            Assert.True(byValue < TimeSpan.FromSeconds(1), $"HELD by value took {byValue.TotalMilliseconds:F0} ms with Redis down");
            Assert.True(dereference < TimeSpan.FromSeconds(2), $"dereference took {dereference.TotalMilliseconds:F0} ms with Redis down");

            // Without the change bus a wiremap change still reaches B, through polling of the stored version.
            clock.Restart();
            await Cluster.ImportAsync(a, Cluster.ChangedDemo());
            await Cluster.WaitForHqAsync(b, Cluster.ChangedStreet, Cluster.ChangedFloor, TimeSpan.FromSeconds(1.5));
            output.WriteLine($"Redis down: import on A answered by B after {clock.Elapsed.TotalMilliseconds:F0} ms (polling)");

            // Stay down long enough for the connection to be given up and rebuilt, and keep answering meanwhile.
            while (outage.Elapsed < TimeSpan.FromSeconds(5))
            {
                var started = Stopwatch.GetTimestamp();
                var (s, f, r) = await Cluster.AskHqAsync(b);
                Assert.True(s == Cluster.ChangedStreet && f == Cluster.ChangedFloor, $"HELD on B with Redis down: {r}");
                var took = Stopwatch.GetElapsedTime(started);
                Assert.True(took < TimeSpan.FromSeconds(1), $"a HELD answer took {took.TotalMilliseconds:F0} ms, {outage.Elapsed.TotalSeconds:F1} s into the Redis outage");
                await Task.Delay(100);
            }

            await RealServers.StartRedisAsync();
            stopped = false;
            clock.Restart();

            // A phone registers at HQ, then is re-plugged into the annex switch keeping its address and registers again
            // (on A); B's dereference of the first token must follow it once device reports flow through Redis again.
            // Reports sent while the connection is still coming back are dropped by design, so the phone keeps
            // re-registering as a real one would.
            const string mac = "00-0b-82-0a-0b-0c";
            string? seen = null;
            string last = "";
            while (clock.Elapsed < Recovery)
            {
                await Task.Delay(200);
                // While Redis is coming back the phone's MAC claim cannot be checked and is ignored (the URI is then tied
                // to the phone's address alone), so the phone registers afresh each round, as a real one would.
                var first = await MintAsync(a, Cluster.PhoneRequest(Cluster.HqPhoneIp, mac), Cluster.HqPhoneIp);
                var (moved, movedDoc, movedBody) = await a.PostHeldAsync(Cluster.RepluggedPhoneRequest(Cluster.HqPhoneIp, mac), Cluster.HqPhoneIp);
                moved.Dispose();
                Assert.True(movedDoc.Civic("RD") == "Lavaca", $"the moved phone was not located at the annex: {movedBody}");
                var (_, _, doc, text) = await Cluster.DereferenceAsync(b, first);
                seen = doc.Civic("RD");
                last = text;
                if (seen == "Lavaca") break;
            }
            output.WriteLine($"Redis back: B's dereference followed the moved phone after {clock.Elapsed.TotalMilliseconds:F0} ms ({outage.Elapsed.TotalSeconds:F1} s since Redis was stopped)");
            Assert.True(seen == "Lavaca", $"{Recovery.TotalSeconds} s after Redis returned, B still did not see the phone's move: {last}");
        }
        finally
        {
            if (stopped) await RealServers.StartRedisAsync();
        }
    }

    [Fact]
    public async Task Postgres_Down_CallsRoutedAtOnceAndRecordsWrittenWhenItReturns()
    {
        RealServers.RequireControl("POSTGRES");
        var (cluster, a, _) = await StartWithDemoAsync();
        await using var _c = cluster;
        var from = DateTime.UtcNow.AddSeconds(-1);
        var stopped = false;
        var routed = new List<(CallRouting Routing, TimeSpan Took)>();
        try
        {
            await RealServers.StopPostgresAsync();
            stopped = true;

            // Room 301 has two ELINs: the callback windows are taken from memory, the records are held.
            for (var i = 0; i < 3; i++)
            {
                var clock = Stopwatch.StartNew();
                routed.Add((await Cluster.RouteCallAsync(cluster[0], $"+1512555030{i}", $"127.0.0.{10 + i}"), clock.Elapsed));
            }
            Assert.All(routed, r => Assert.Equal(RouteDestination.Psap, r.Routing.Destination));
            Assert.Equal(2, routed.Take(2).Select(r => r.Routing.CallbackNumber).Distinct().Count());
            Assert.True(cluster[0].Services.GetRequiredService<CallRecordWriter>().Deferring, "the writer does not report the outage");
            // The first call waits for its failing commit (the database refuses connections at once); the others
            // do not wait at all.
            output.WriteLine($"routed with PostgreSQL down in {string.Join(", ", routed.Select(r => $"{r.Took.TotalMilliseconds:F0} ms"))}");
            Assert.All(routed.Skip(1), r => Assert.True(r.Took < TimeSpan.FromSeconds(1), $"a call waited {r.Took.TotalMilliseconds:F0} ms for the outage"));

            await RealServers.StartPostgresAsync();
            stopped = false;
            var back = Stopwatch.StartNew();
            var store = cluster[0].Services.GetRequiredService<LocationServer.Data.Storage.WiremapStore>();
            var records = await RealServers.EventuallyAsync(async () =>
            {
                var list = await store.ListCallRecordsAsync(DemoWiremap.TenantId, from, DateTime.UtcNow.AddMinutes(1), 100);
                Assert.Equal(3, list.Count);
                return list;
            }, Recovery);
            output.WriteLine($"PostgreSQL back: the 3 held call records were written within {back.Elapsed.TotalMilliseconds:F0} ms");
            Assert.Equal(routed.Select(r => r.Routing.CallRecordId).Order(), records.Select(r => r.Id.ToString("N")).Order());
            // Two ELINs, three callers: the third took the least recently lent one back; the windows were held too.
            Assert.Equal(routed[0].Routing.CallbackNumber, routed[2].Routing.CallbackNumber);
            Assert.Equal("+15125550302", (await store.FindElinAsync(DemoWiremap.TenantId, routed[0].Routing.CallbackNumber, DateTime.UtcNow))?.CallerNumber);
            Assert.Equal("+15125550301", (await store.FindElinAsync(DemoWiremap.TenantId, routed[1].Routing.CallbackNumber, DateTime.UtcNow))?.CallerNumber);
            Assert.False(cluster[0].Services.GetRequiredService<CallRecordWriter>().Deferring);
        }
        finally
        {
            if (stopped) await RealServers.StartPostgresAsync();
        }
    }

    private const string NomadicSubmission = """
        <locationRequest xmlns="urn:ietf:params:xml:ns:geopriv:held">
          <gatewayMac xmlns="urn:locationserver:held:ext">f0-9f-c2-99-00-01</gatewayMac>
          <userProvidedLocation xmlns="urn:locationserver:held:ext">
            <civicAddress xmlns="urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr">
              <country>US</country><A1>TX</A1><A3>Austin</A3><RD>Elm</RD><STS>St</STS><HNO>42</HNO><PC>78704</PC>
            </civicAddress>
          </userProvidedLocation>
        </locationRequest>
        """;

    [Fact]
    public async Task Postgres_Down_ServesFromIndexAndRejectsAdminWrites()
    {
        RealServers.RequireControl("POSTGRES");
        var (cluster, a, b) = await StartWithDemoAsync();
        await using var _ = cluster;
        var versionBefore = await WiremapVersionAsync(a);
        var stopped = false;
        try
        {
            await RealServers.StopPostgresAsync();
            stopped = true;

            var (street, floor, raw) = await Cluster.AskHqAsync(a);
            Assert.True(street == Cluster.DemoStreet && floor == Cluster.DemoFloor, $"HELD on A with PostgreSQL down: {raw}");

            var (readyCode, status, readyBody) = await Cluster.ReadyAsync(a);
            Assert.Equal(HttpStatusCode.OK, readyCode);
            Assert.True(status == "degraded", $"/health/ready with PostgreSQL down: {readyBody}");

            using (var rejected = await Cluster.PutWiremapAsync(a, Cluster.ChangedDemo()))
            {
                var rejectedBody = await rejected.Content.ReadAsStringAsync();
                Assert.True(rejected.StatusCode == HttpStatusCode.ServiceUnavailable, $"import with PostgreSQL down answered {(int)rejected.StatusCode}: {rejectedBody}");
                using var json = JsonDocument.Parse(rejectedBody);
                Assert.True(json.RootElement.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0, $"no error in the 503 body: {rejectedBody}");
                Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(rejected.Headers.RetryAfter);
            }

            // A soft client submitting its address needs the database: a HELD error in a 200, never an empty 500.
            using (var submit = new HttpRequestMessage(HttpMethod.Post, "/held")
            {
                Content = new StringContent(NomadicSubmission, System.Text.Encoding.UTF8, "application/held+xml"),
            })
            {
                submit.Headers.Add(LocationServerFactory.RemoteIpHeader, "203.0.113.77");
                using var answered = await a.SendAsync(submit);
                var heldBody = await answered.Content.ReadAsStringAsync();
                Assert.True(answered.StatusCode == HttpStatusCode.OK, $"userProvidedLocation with PostgreSQL down answered {(int)answered.StatusCode}: {heldBody}");
                Assert.Contains("code=\"generalLisError\"", heldBody, StringComparison.Ordinal);
            }
            foreach (var replica in new[] { a, b })
            {
                var (s, f, r) = await Cluster.AskHqAsync(replica);
                Assert.True(s == Cluster.DemoStreet && f == Cluster.DemoFloor, $"a refused import changed an answer: {r}");
            }

            await RealServers.StartPostgresAsync();
            stopped = false;
            var clock = Stopwatch.StartNew();

            // Nothing of the refused import reached the database.
            var exported = await RealServers.EventuallyAsync(async () =>
            {
                using var response = await a.GetAsync($"/admin/tenants/{DemoWiremap.TenantId}/wiremap");
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadAsStringAsync();
            }, Recovery);
            Assert.Contains(Cluster.DemoStreet, exported, StringComparison.Ordinal);
            Assert.DoesNotContain(Cluster.ChangedStreet, exported, StringComparison.Ordinal);
            Assert.Equal(versionBefore, await WiremapVersionAsync(a));

            var version = await RealServers.EventuallyAsync(() => Cluster.ImportAsync(a, Cluster.ChangedDemo()), Recovery);
            var writeBack = clock.Elapsed;
            Assert.True(version > versionBefore);
            var ready = await RealServers.EventuallyAsync(async () =>
            {
                var (code, st, text) = await Cluster.ReadyAsync(a);
                Assert.True(code == HttpStatusCode.OK && st == "ready", text);
                return text;
            }, Recovery);
            output.WriteLine($"PostgreSQL back: admin write accepted after {writeBack.TotalMilliseconds:F0} ms, ready after {clock.Elapsed.TotalMilliseconds:F0} ms: {ready}");
            Assert.True(writeBack <= Recovery);
            await Cluster.WaitForHqAsync(b, Cluster.ChangedStreet, Cluster.ChangedFloor, TimeSpan.FromSeconds(2));
        }
        finally
        {
            if (stopped) await RealServers.StartPostgresAsync();
        }
    }

    private static async Task<long> WiremapVersionAsync(HttpClient client)
    {
        var (code, _, body) = await Cluster.ReadyAsync(client);
        Assert.Equal(HttpStatusCode.OK, code);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("wiremap").GetProperty("version").GetInt64();
    }
}
