using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using LocationServer.Routing.V1;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;
using Xunit.Abstractions;

namespace LocationServer.Tests.Scale;

/// <summary>
/// Two replica processes while Redis or PostgreSQL goes away and comes back. Each test first sees the outage
/// reported (by <c>/health/ready</c> on the replicas and by the server refusing connections), then asserts that the
/// service survives it. Every test restores the server it stops. Waits poll for a condition with a generous deadline.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class FaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    private static async Task<string> MintAsync(HttpClient phone, string body)
    {
        var (response, document, text) = await phone.PostHeldAsync(body);
        response.Dispose();
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), $"no location URI issued: {text}");
        return uri!;
    }

    /// <summary>Whether anything accepts a TCP connection at host:port.</summary>
    private static async Task<bool> ListeningAsync(string hostPort)
    {
        var colon = hostPort.LastIndexOf(':');
        using var socket = new TcpClient();
        try
        {
            await socket.ConnectAsync(hostPort[..colon], int.Parse(hostPort[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string PostgresHostPort()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(RealServers.Postgres);
        return $"{builder.Host}:{builder.Port}";
    }

    private static Task<JsonElement> WaitForDependencyAsync(ReplicaProcess replica, string dependency, string state, string status) =>
        ProcessCluster.WaitForReadyAsync(replica,
            (code, body) => code == HttpStatusCode.OK && ProcessCluster.State(body, dependency) == state && body.GetProperty("status").GetString() == status,
            $"{dependency} {state} ({status})", Settle);

    [Fact]
    public async Task Redis_Down_ReportedThenHeldAnswersTokensRedeemAndMovesFollowAfterReturn()
    {
        RealServers.RequireControl("REDIS");
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();
        var (a, b) = (cluster[0], cluster[1]);
        using var phoneOnA = a.CreateClient(ProcessCluster.HqPhoneAddress);
        using var phoneOnB = b.CreateClient(ProcessCluster.HqPhoneAddress);
        using var callServerOnB = b.CreateClient();
        var stopped = false;
        try
        {
            await RealServers.StopRedisAsync();
            stopped = true;

            // The outage is real and visible: nothing listens, and both replicas report Redis unavailable (still 200).
            Assert.False(await ListeningAsync(RealServers.Redis), "Redis still accepts connections after its stop command");
            foreach (var replica in new[] { a, b })
            {
                var ready = await WaitForDependencyAsync(replica, "redis", "unavailable", "degraded");
                Assert.Equal("ok", ProcessCluster.State(ready, "database"));
                Assert.Equal("loaded", ProcessCluster.State(ready, "index"));
            }

            var (street, floor, raw) = await ProcessCluster.AskHqAsync(phoneOnA);
            Assert.True(street == Cluster.DemoStreet && floor == Cluster.DemoFloor, $"HELD by value on A with Redis down: {raw}");

            var uri = await MintAsync(phoneOnA, Cluster.ByReferenceRequest);
            var (code, mediaType, pidf, body) = await Cluster.DereferenceAsync(callServerOnB, uri);
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.Equal("application/pidf+xml", mediaType);
            Assert.True(pidf is not null && pidf.ErrorCode() is null && pidf.Civic("RD") == Cluster.DemoStreet,
                $"a token minted on A while Redis is down was not redeemed on B: {body}");

            // Without the change bus a wiremap change still reaches B, through polling of the stored version.
            await ProcessCluster.ImportAsync(a, ProcessCluster.Wiremap(changed: true));
            await ProcessCluster.WaitForHqAsync(phoneOnB, Cluster.ChangedStreet, Cluster.ChangedFloor, Settle);

            // B keeps answering while the client keeps failing to reconnect.
            for (var i = 0; i < 20; i++)
            {
                var (s, f, r) = await ProcessCluster.AskHqAsync(phoneOnB);
                Assert.True(s == Cluster.ChangedStreet && f == Cluster.ChangedFloor, $"HELD on B with Redis down: {r}");
                await Task.Delay(100);
            }
            Assert.Equal("unavailable", ProcessCluster.State((await ProcessCluster.ReadyAsync(b)).Body, "redis"));

            await RealServers.StartRedisAsync();
            stopped = false;

            // The return is seen by both replicas before anything is asked of it.
            foreach (var replica in new[] { a, b }) await WaitForDependencyAsync(replica, "redis", "ok", "ready");

            // A phone registers at HQ, then is re-plugged into the annex switch keeping its address and registers again
            // (on A); B's dereference of the first token must follow it, which only device reports through Redis carry.
            const string mac = "00-0b-82-0a-0b-0c";
            string? seen = null;
            var last = "";
            var deadline = DateTime.UtcNow + Settle;
            while (DateTime.UtcNow < deadline)
            {
                var first = await MintAsync(phoneOnA, Cluster.PhoneRequest(ProcessCluster.HqPhoneAddress, mac));
                var (moved, movedDoc, movedBody) = await phoneOnA.PostHeldAsync(Cluster.RepluggedPhoneRequest(ProcessCluster.HqPhoneAddress, mac));
                moved.Dispose();
                Assert.True(movedDoc.Civic("RD") == "Lavaca", $"the moved phone was not located at the annex: {movedBody}");
                var (_, _, doc, text) = await Cluster.DereferenceAsync(callServerOnB, first);
                seen = doc.Civic("RD");
                last = text;
                if (seen == "Lavaca") break;
                await Task.Delay(200);
            }
            Assert.True(seen == "Lavaca", $"{Settle.TotalSeconds} s after Redis returned, B still did not see the phone's move: {last}\n{cluster.Logs()}");
        }
        finally
        {
            if (stopped) await RealServers.StartRedisAsync();
        }
    }

    [Fact]
    public async Task Postgres_Down_ReportedThenCallsRoutedAndRecordsWrittenWhenItReturns()
    {
        RealServers.RequireControl("POSTGRES");
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();
        var (a, b) = (cluster[0], cluster[1]);
        var stopped = false;
        var routed = new List<RouteCallResponse>();
        try
        {
            await RealServers.StopPostgresAsync();
            stopped = true;
            Assert.False(await ListeningAsync(PostgresHostPort()), "PostgreSQL still accepts connections after its stop command");
            var ready = await WaitForDependencyAsync(a, "database", "unavailable", "degraded");
            Assert.Equal("writing", ProcessCluster.State(ready, "callRecords"));

            // Room 301 has two ELINs: the callback windows are taken from memory, the records are held.
            for (var i = 0; i < 3; i++)
                routed.Add(await ProcessCluster.RouteCallAsync(a, $"+1512555030{i}", ProcessCluster.Room301Prefix + (10 + i)));
            Assert.All(routed, r => Assert.Equal(RouteKind.Psap, r.Route.Kind));
            Assert.Equal(2, routed.Take(2).Select(r => r.CallbackNumber).Distinct().Count());
            // No call waits for its record: the writer finds the outage in the background and reports it.
            await WaitForDependencyAsync(a, "callRecords", "holding", "degraded");

            await RealServers.StartPostgresAsync();
            stopped = false;
            await WaitForDependencyAsync(a, "database", "ok", "ready");

            // B lists what is in the shared database: A's three held records, written once it returned.
            using var adminOnB = b.CreateClient();
            var ids = await RealServers.EventuallyAsync(async () =>
            {
                var calls = JsonDocument.Parse(await adminOnB.GetStringAsync(new Uri($"/admin/tenants/{DemoWiremap.TenantId}/calls", UriKind.Relative))).RootElement;
                var list = calls.EnumerateArray().Select(c => Guid.Parse(c.GetProperty("id").GetString()!)).Order().ToList();
                return list.Count == 3 ? list : throw new InvalidOperationException($"{list.Count} call records so far");
            }, Settle);
            Assert.Equal(routed.Select(r => Guid.Parse(r.CallRecordId)).Order(), ids);
            await WaitForDependencyAsync(a, "callRecords", "writing", "ready");

            // Two ELINs, three callers: the third took the least recently lent one back; the windows were held too,
            // and B (which asks the database first) resolves them to the callers A lent them to.
            Assert.Equal(routed[0].CallbackNumber, routed[2].CallbackNumber);
            Assert.Equal("+15125550302", (await ProcessCluster.ResolveCallbackAsync(b, routed[0].CallbackNumber)).CallerNumber);
            Assert.Equal("+15125550301", (await ProcessCluster.ResolveCallbackAsync(b, routed[1].CallbackNumber)).CallerNumber);
        }
        finally
        {
            if (stopped) await RealServers.StartPostgresAsync();
        }
        output.WriteLine($"routed with PostgreSQL down: {string.Join(", ", routed.Select(r => r.CallbackNumber))}");
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
    public async Task Postgres_Down_ReportedThenServesFromIndexAndRejectsAdminWrites()
    {
        RealServers.RequireControl("POSTGRES");
        await using var cluster = await ProcessCluster.StartWithWiremapAsync();
        var (a, b) = (cluster[0], cluster[1]);
        using var admin = a.CreateClient();
        using var phoneOnA = a.CreateClient(ProcessCluster.HqPhoneAddress);
        var versionBefore = (await ProcessCluster.ReadyAsync(a)).Body.GetProperty("wiremap").GetProperty("version").GetInt64();
        var stopped = false;
        try
        {
            await RealServers.StopPostgresAsync();
            stopped = true;
            Assert.False(await ListeningAsync(PostgresHostPort()), "PostgreSQL still accepts connections after its stop command");
            foreach (var replica in new[] { a, b })
            {
                var ready = await WaitForDependencyAsync(replica, "database", "unavailable", "degraded");
                Assert.Equal("ok", ProcessCluster.State(ready, "redis"));
                Assert.Equal("loaded", ProcessCluster.State(ready, "index"));
            }

            var (street, floor, raw) = await ProcessCluster.AskHqAsync(phoneOnA);
            Assert.True(street == Cluster.DemoStreet && floor == Cluster.DemoFloor, $"HELD on A with PostgreSQL down: {raw}");

            using (var rejected = await Cluster.PutWiremapAsync(admin, ProcessCluster.Wiremap(changed: true)))
            {
                var rejectedBody = await rejected.Content.ReadAsStringAsync();
                Assert.True(rejected.StatusCode == HttpStatusCode.ServiceUnavailable, $"import with PostgreSQL down answered {(int)rejected.StatusCode}: {rejectedBody}");
                using var json = JsonDocument.Parse(rejectedBody);
                Assert.True(json.RootElement.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0, $"no error in the 503 body: {rejectedBody}");
                Assert.Equal("application/problem+json", rejected.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(rejected.Headers.RetryAfter);
            }

            // A soft client on an unknown network submitting its address needs the database: a HELD error in a 200,
            // never an empty 500.
            using (var softClient = a.CreateClient(ProcessCluster.UnknownAddress))
            {
                var (answered, _, heldBody) = await softClient.PostHeldAsync(NomadicSubmission);
                using (answered)
                {
                    Assert.True(answered.StatusCode == HttpStatusCode.OK, $"userProvidedLocation with PostgreSQL down answered {(int)answered.StatusCode}: {heldBody}");
                    Assert.Contains("code=\"generalLisError\"", heldBody, StringComparison.Ordinal);
                }
            }
            foreach (var replica in new[] { a, b })
            {
                using var phone = replica.CreateClient(ProcessCluster.HqPhoneAddress);
                var (s, f, r) = await ProcessCluster.AskHqAsync(phone);
                Assert.True(s == Cluster.DemoStreet && f == Cluster.DemoFloor, $"a refused import changed an answer on {replica.Name}: {r}");
            }

            await RealServers.StartPostgresAsync();
            stopped = false;
            await WaitForDependencyAsync(a, "database", "ok", "ready");

            // Nothing of the refused import reached the database.
            var exported = await RealServers.EventuallyAsync(async () =>
            {
                using var response = await admin.GetAsync(new Uri($"/admin/tenants/{DemoWiremap.TenantId}/wiremap", UriKind.Relative));
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadAsStringAsync();
            }, Settle);
            Assert.Contains(Cluster.DemoStreet, exported, StringComparison.Ordinal);
            Assert.DoesNotContain(Cluster.ChangedStreet, exported, StringComparison.Ordinal);
            Assert.Equal(versionBefore, (await ProcessCluster.ReadyAsync(a)).Body.GetProperty("wiremap").GetProperty("version").GetInt64());

            var version = await RealServers.EventuallyAsync(() => ProcessCluster.ImportAsync(a, ProcessCluster.Wiremap(changed: true)), Settle);
            Assert.True(version > versionBefore);
            using var phoneOnB = b.CreateClient(ProcessCluster.HqPhoneAddress);
            await ProcessCluster.WaitForHqAsync(phoneOnB, Cluster.ChangedStreet, Cluster.ChangedFloor, Settle);
        }
        finally
        {
            if (stopped) await RealServers.StartPostgresAsync();
        }
    }
}
