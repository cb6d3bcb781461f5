using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Google.Protobuf;
using LocationServer.Routing.V1;
using LocationServer.Tests.Grpc;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;

namespace LocationServer.Tests.RoutingEndToEnd;

/// <summary>
/// The whole service as deployed: the built host as a child process on real loopback ports with the demo tenant
/// seeded into a SQLite file, a phone fetching a location URI over HELD, and the call server's side played by the
/// real Python grpcio client. The call records are then read back over the admin API, before and after a restart.
/// </summary>
public sealed class RoutingEndToEndTests : IAsyncLifetime
{
    private const string Service = "/locationserver.routing.v1.RoutingService/";
    private const string AustinPsap = "sip:psap-austin@esinet.invalid";
    private const string WilliamsonPsap = "sip:psap-williamson@esinet.invalid";
    private const string RelayCentre = "sip:ecrc@relay.invalid";
    private static readonly string[] Elins = ["+15125559301", "+15125559302"];

    private readonly ServiceProcess _service = new(Directory.CreateTempSubdirectory("locationserver-e2e-").FullName);

    public Task InitializeAsync() => _service.StartAsync();

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private async Task<string> HeldLocationUriAsync()
    {
        using var client = new HttpClient { BaseAddress = _service.HttpAddress };
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(HeldClient.EmptyRequest));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/held+xml;charset=utf-8");
        using var response = await client.PostAsync(new Uri("/held", UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"HELD answered {(int)response.StatusCode}: {body}");
        var document = XDocument.Parse(body);
        Assert.Null(document.ErrorCode());
        Assert.Equal("301", document.Civic("ROOM"));
        var uri = document.LocationUri();
        Assert.False(string.IsNullOrEmpty(uri), "HELD returned no location URI: " + body);
        return uri!;
    }

    private async Task<RouteCallResponse> RouteCallAsync(RouteCallRequest request)
    {
        var result = await GrpcClients.PythonAsync(_service.GrpcTarget, Service + "RouteCall", request.ToByteArray(), apiKey: DemoWiremap.CallServerKey);
        Assert.True(result.Code == 0, $"RouteCall failed with status {result.Code}: {result.Details}");
        return RouteCallResponse.Parser.ParseFrom(result.Response);
    }

    private async Task<ResolveCallbackResponse> ResolveCallbackAsync(string elin)
    {
        var result = await GrpcClients.PythonAsync(_service.GrpcTarget, Service + "ResolveCallback",
            new ResolveCallbackRequest { Tenant = "demo", Elin = elin }.ToByteArray(), apiKey: DemoWiremap.CallServerKey);
        Assert.True(result.Code == 0, $"ResolveCallback failed with status {result.Code}: {result.Details}");
        return ResolveCallbackResponse.Parser.ParseFrom(result.Response);
    }

    private async Task<List<JsonElement>> ListCallsAsync(string query = "")
    {
        using var client = new HttpClient { BaseAddress = _service.HttpAddress };
        using var response = await client.GetAsync(new Uri("/admin/tenants/demo/calls" + query, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"calls answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static JsonElement Call(List<JsonElement> calls, string callId) =>
        Assert.Single(calls, c => c.GetProperty("callId").GetString() == callId);

    [Fact]
    public async Task RealService_HeldTokenCallsOverGrpc_RoutedRecordedAndDurableAcrossRestart()
    {
        // (a) Phones in room 301 (the demo maps loopback there) fetch location URIs over HELD.
        var aliceUri = await HeldLocationUriAsync();
        var bobUri = await HeldLocationUriAsync();

        // (b, c) Two concurrent 911 calls from that room: PSAP by the token's location, each lent its own ELIN.
        var aliceTask = RouteCallAsync(new RouteCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550100", LocationReference = aliceUri, CallId = "e2e-alice" });
        var bobTask = RouteCallAsync(new RouteCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550123", LocationReference = bobUri, CallId = "e2e-bob" });
        var alice = await aliceTask;
        var bob = await bobTask;
        foreach (var call in new[] { alice, bob })
        {
            Assert.Equal(RouteKind.Psap, call.Route.Kind);
            Assert.Equal(AustinPsap, call.Route.Uri);
            Assert.Equal("psap-austin", call.Route.BoundaryId);
            Assert.Equal(LocationSource.Token, call.Source);
            Assert.Equal("hq-3-301", call.Location.LocationId);
            Assert.Equal("301", call.Location.Civic.Room);
            Assert.True(call.CallbackIsElin);
            Assert.Contains(call.CallbackNumber, Elins);
            Assert.False(call.TestCall);
            Assert.False(string.IsNullOrEmpty(call.CallRecordId));
        }
        Assert.NotEqual(alice.CallbackNumber, bob.CallbackNumber);

        // (d) The PSAP calling back the first ELIN reaches the first caller.
        var callback = await ResolveCallbackAsync(alice.CallbackNumber);
        Assert.True(callback.Found);
        Assert.Equal("+15125550100", callback.CallerNumber);
        Assert.Equal("hq-3-301", callback.LocationId);
        Assert.Equal("+15125550123", (await ResolveCallbackAsync(bob.CallbackNumber)).CallerNumber);

        // (e) 933 goes to the test service and reads the address back.
        var test = await RouteCallAsync(new RouteCallRequest { Tenant = "demo", Dialed = "933", CallingNumber = "+15125550100", LocationReference = aliceUri, CallId = "e2e-933" });
        Assert.Equal(RouteKind.TestService, test.Route.Kind);
        Assert.Equal("sip:933@test-service.invalid", test.Route.Uri);
        Assert.True(test.TestCall);
        Assert.Contains("100 Congress Ave", test.ReadBack, StringComparison.Ordinal);
        Assert.Contains("Austin", test.ReadBack, StringComparison.Ordinal);

        // (f) No token from an analog line: the DID's location (Round Rock lab) picks the Williamson PSAP.
        var analog = await RouteCallAsync(new RouteCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550199", CallId = "e2e-analog" });
        Assert.Equal(LocationSource.Did, analog.Source);
        Assert.Equal(RouteKind.Psap, analog.Route.Kind);
        Assert.Equal(WilliamsonPsap, analog.Route.Uri);
        Assert.Equal("lab-1", analog.Location.LocationId);
        Assert.Equal("+15125550002", analog.CallbackNumber);

        // (g) A forged token and a number the tenant does not know: the relay centre.
        var forged = await RouteCallAsync(new RouteCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550777", LocationReference = "https://127.0.0.1/loc/forged-token-AAAAAAAAAAAAAAAA", CallId = "e2e-forged" });
        Assert.Equal(RouteKind.RelayCenter, forged.Route.Kind);
        Assert.Equal(RelayCentre, forged.Route.Uri);
        Assert.NotEqual(LocationSource.Token, forged.Source);

        // (h) The admin API lists every call, and still does after a restart on the same database.
        //     Records are committed in the background after the answer; the listing writes this node's queue first.
        string[] callIds = ["e2e-alice", "e2e-bob", "e2e-933", "e2e-analog", "e2e-forged"];
        var before = await ListCallsAsync();
        AssertCalls(before, callIds);
        Assert.Equal(2, (await ListCallsAsync("?limit=2")).Count);

        // (i) A call routed just before a graceful stop is written by the stop.
        var last = await RouteCallAsync(new RouteCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550199", CallId = "e2e-last" });
        await _service.StopAsync();
        await _service.StartAsync();

        var after = await ListCallsAsync();
        Assert.Equal(Guid.ParseExact(last.CallRecordId, "N"), Call(after, "e2e-last").GetProperty("id").GetGuid());
        after = [.. after.Where(c => c.GetProperty("callId").GetString() != "e2e-last")];
        AssertCalls(after, callIds);
        Assert.Equal(before.Select(c => c.GetProperty("id").GetString()), after.Select(c => c.GetProperty("id").GetString()));
        var again = await ResolveCallbackAsync(alice.CallbackNumber);
        Assert.True(again.Found);
        Assert.Equal("+15125550100", again.CallerNumber);
    }

    private static void AssertCalls(List<JsonElement> calls, string[] callIds)
    {
        foreach (var id in callIds) Call(calls, id);
        var alice = Call(calls, "e2e-alice");
        Assert.Equal("911", alice.GetProperty("dialed").GetString());
        Assert.Equal("+15125550100", alice.GetProperty("callingNumber").GetString());
        Assert.Equal("token", alice.GetProperty("locationSource").GetString());
        Assert.Equal("hq-3-301", alice.GetProperty("locationId").GetString());
        Assert.StartsWith("100 Congress Ave", alice.GetProperty("civicDisplay").GetString(), StringComparison.Ordinal);
        Assert.Equal("psap", alice.GetProperty("routeKind").GetString());
        Assert.Equal(AustinPsap, alice.GetProperty("routeUri").GetString());
        Assert.Contains(alice.GetProperty("callbackNumber").GetString(), Elins);
        var test = Call(calls, "e2e-933");
        Assert.True(test.GetProperty("testCall").GetBoolean());
        Assert.Equal("test", test.GetProperty("routeKind").GetString());
        var analog = Call(calls, "e2e-analog");
        Assert.Equal("did", analog.GetProperty("locationSource").GetString());
        Assert.Equal(WilliamsonPsap, analog.GetProperty("routeUri").GetString());
        Assert.Equal("ecrc", Call(calls, "e2e-forged").GetProperty("routeKind").GetString());
        // Newest first.
        var times = calls.Select(c => c.GetProperty("time").GetDateTime()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
    }

    [Fact]
    public async Task RealService_GrpcListener_ServesGrpcOnly()
    {
        using var client = GrpcInteropTests.Http2Client();
        var grpc = new Uri("http://" + _service.GrpcTarget);
        // HELD, dereference, LoST, admin, health and OpenAPI exist on the HTTP listener and nowhere on the gRPC one.
        foreach (var (method, path, contentType) in new[]
        {
            (HttpMethod.Post, "/held", "application/held+xml"),
            (HttpMethod.Post, "/held/demo", "application/held+xml"),
            (HttpMethod.Get, "/loc/some-token", ""),
            (HttpMethod.Post, "/lost", "application/lost+xml"),
            (HttpMethod.Get, "/admin/tenants", ""),
            (HttpMethod.Get, "/health/live", ""),
            (HttpMethod.Get, "/openapi/v1.json", ""),
        })
        {
            using var request = new HttpRequestMessage(method, new Uri(grpc, path)) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            if (contentType.Length > 0) request.Content = new StringContent(HeldClient.EmptyRequest, Encoding.UTF8, contentType);
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} on the gRPC listener answered {(int)response.StatusCode}");
        }
        using var http = new HttpClient { BaseAddress = _service.HttpAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);

        var ping = await GrpcClients.PythonAsync(_service.GrpcTarget, Service + "Ping", new PingRequest().ToByteArray());
        Assert.Equal(0, ping.Code);
        var unauthenticated = await GrpcClients.NodeAsync(_service.GrpcTarget, Service + "RouteCall",
            new RouteCallRequest { Tenant = "demo", Dialed = "911", CallingNumber = "+15125550100" }.ToByteArray());
        Assert.Equal(16, unauthenticated.Code);
        var health = await GrpcClients.DotNetAsync(_service.GrpcTarget, "/grpc.health.v1.Health/Check", new global::Grpc.Health.V1.HealthCheckRequest().ToByteArray());
        Assert.Equal(global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, global::Grpc.Health.V1.HealthCheckResponse.Parser.ParseFrom(health.Response).Status);
    }
}
