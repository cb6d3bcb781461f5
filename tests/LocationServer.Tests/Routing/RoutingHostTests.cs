using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using LocationServer.Core.Matching;
using LocationServer.Grpc;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using LocationServer.Routing.V1;
using LocationServer.Tests.Grpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using HealthClient = Grpc.Health.V1.Health.HealthClient;

namespace LocationServer.Tests.Routing;

/// <summary>
/// The routing service as the host wires it: ConfigureRoutingListener + AddEmergencyRouting + MapRoutingGrpc on a
/// real Kestrel with a regular HTTP listener and the h2c gRPC listener, called by real clients (grpcio, grpc-js,
/// Grpc.Net.Client) with the call server's API key, and by callers without one.
/// </summary>
public sealed class RoutingHostTests : IAsyncLifetime
{
    private readonly RoutingScenario _scenario = new();
    private WebApplication? _app;
    private int _grpcPort;
    private Uri _httpAddress = null!;

    private const string Service = "/locationserver.routing.v1.RoutingService/";

    private string GrpcTarget => $"127.0.0.1:{_grpcPort}";

    public async Task InitializeAsync()
    {
        _grpcPort = FreePort();
        _app = await StartAsync(_grpcPort, _scenario.Wiremap);
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        _httpAddress = new Uri(addresses.Single(a => !a.EndsWith($":{_grpcPort}", StringComparison.Ordinal)));
    }

    private async Task<WebApplication> StartAsync(int grpcPort, WiremapIndexHolder wiremap)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            // The settings from before the named Kestrel endpoint; the end-to-end tests use Kestrel:Endpoints:Grpc.
            ["Routing:GrpcPort"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Routing:GrpcAddress"] = "127.0.0.1",
            ["Routing:RelayCenter:Uri"] = "sip:ecrc@relay.example",
            ["Routing:RelayCenter:Name"] = "Relay",
            ["Routing:TestService:Uri"] = "sip:933@test.example",
            ["Routing:TestService:Name"] = "Test service",
        });
        builder.Services.AddSingleton<TimeProvider>(_scenario.Time);
        builder.ConfigureRoutingListener();
        builder.Services.AddEmergencyRouting(builder.Configuration);
        builder.Services.AddSingleton(wiremap);
        builder.Services.AddSingleton(_scenario.Boundaries);
        builder.Services.AddSingleton<ILocationTokenResolver>(_scenario.Tokens);
        builder.Services.AddSingleton<ICallRecordSink>(_scenario.Records);
        builder.Services.AddSingleton<IPidfLoRenderer, FakePidfLoRenderer>();
        builder.Services.AddSingleton<IElinAssignmentStore>(_scenario.Elins);
        builder.Services.AddSingleton<IAlertTargetSource, NoTargets>();
        builder.Services.AddSingleton<IAlertDeliveryLog, NoDeliveryLog>();
        var app = builder.Build();
        app.MapGet("/health/live", () => "ok");
        app.MapRoutingGrpc();
        await app.StartAsync();
        return app;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    private Task<ClientResult> CallAsync(string client, string method, IMessage request, string? apiKey = RoutingScenario.AcmeKey) =>
        GrpcClients.CallAsync(client, GrpcTarget, Service + method, request.ToByteArray(), 10, apiKey);

    public static TheoryData<string> Clients => new() { "python", "node", "dotnet" };

    public static TheoryData<string, string> MethodsAndClients
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var method in new[] { "RouteCall", "ResolveCallback", "GetLocation" })
            {
                foreach (var client in new[] { "python", "node", "dotnet" }) data.Add(method, client);
            }
            return data;
        }
    }

    private static IMessage RequestFor(string method, string tenant) => method switch
    {
        "RouteCall" => new RouteCallRequest { Tenant = tenant, Dialed = "911", CallingNumber = "+15125550155" },
        "ResolveCallback" => new ResolveCallbackRequest { Tenant = tenant, Elin = "+15125550900" },
        _ => new GetLocationRequest { Tenant = tenant, LocationReference = "tok" },
    };

    [Fact]
    public async Task RouteCall_RealClient_RoutesToPsapAndWritesRecord()
    {
        _scenario.Tokens.Tokens["tok"] = TokenResolution.Resolved(_scenario.Location("hq-3"), "Wiremap");
        var request = new RouteCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550100", LocationReference = "tok", CallId = "c1" };
        var result = await CallAsync("python", "RouteCall", request);
        Assert.Equal(0, result.Code);
        var response = RouteCallResponse.Parser.ParseFrom(result.Response);
        Assert.Equal(RouteKind.Psap, response.Route.Kind);
        Assert.Equal("sip:austin@esinet.example", response.Route.Uri);
        Assert.Equal("austin", response.Route.BoundaryId);
        Assert.Equal(LocationSource.Token, response.Source);
        Assert.Equal("hq-3", response.Location.LocationId);
        Assert.Equal("3", response.Location.Civic.Flr);
        Assert.True(response.Location.HasPoint);
        Assert.Equal(30.2672, response.Location.Point.Latitude);
        Assert.Equal("+15125550100", response.CallbackNumber);
        Assert.Equal(response.CallRecordId, Assert.Single(_scenario.Records.Records).Id);
    }

    [Fact]
    public async Task RouteCall_DotNetClientWithCompanyUuid_Routes()
    {
        var request = new RouteCallRequest { Tenant = "6f1c1e1a-7d2b-4c55-9a43-2b7c1f0e9d11", Dialed = "911", CallingNumber = "+15125550100", StationMac = "0004f215c285" };
        var result = await CallAsync("dotnet", "RouteCall", request);
        Assert.Equal(0, result.Code);
        var response = RouteCallResponse.Parser.ParseFrom(result.Response);
        Assert.Equal(LocationSource.Station, response.Source);
        Assert.Equal("hq-3", response.Location.LocationId);
    }

    [Fact]
    public async Task RouteCall_933_ReadBackOverTheWire()
    {
        var request = new RouteCallRequest { Tenant = "acme", Dialed = "933", CallingNumber = "+15125550100", StationIdentity = "uu_StationMacAddress=0004f215c285;uu_StationIPAddress=192.168.1.4" };
        var result = await CallAsync("node", "RouteCall", request);
        Assert.Equal(0, result.Code);
        var response = RouteCallResponse.Parser.ParseFrom(result.Response);
        Assert.Equal(RouteKind.TestService, response.Route.Kind);
        Assert.True(response.TestCall);
        Assert.Equal(LocationSource.Station, response.Source);
        Assert.Equal("Your caller ID is 5 1 2 5 5 5 0 1 0 0. Your address is 100 Congress Ave, Floor 3, Austin, TX 78701.", response.ReadBack);
    }

    [Fact]
    public async Task RouteCall_UnknownTenant_PermissionDenied()
    {
        var result = await CallAsync("python", "RouteCall", new RouteCallRequest { Tenant = "nobody", Dialed = "911" });
        Assert.Equal(7, result.Code);
        Assert.Empty(_scenario.Records.Records);
    }

    [Fact]
    public async Task RouteCall_MissingDialed_InvalidArgument()
    {
        var result = await CallAsync("python", "RouteCall", new RouteCallRequest { Tenant = "acme" });
        Assert.Equal(3, result.Code);
    }

    [Fact]
    public async Task RouteCall_MissingTenant_InvalidArgument()
    {
        var result = await CallAsync("dotnet", "RouteCall", new RouteCallRequest { Dialed = "911" });
        Assert.Equal(3, result.Code);
    }

    [Fact]
    public async Task GetLocationAndResolveCallback_RealClient_Answer()
    {
        var location = await CallAsync("python", "GetLocation", new GetLocationRequest { Tenant = "acme", LocationReference = "unknown-token" });
        Assert.Equal(0, location.Code);
        var lookup = GetLocationResponse.Parser.ParseFrom(location.Response);
        Assert.False(lookup.Found);
        Assert.Equal("unknown", lookup.Reason);

        var routed = await CallAsync("python", "RouteCall", new RouteCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550155" });
        var elin = RouteCallResponse.Parser.ParseFrom(routed.Response);
        Assert.True(elin.CallbackIsElin);
        var callback = await CallAsync("dotnet", "ResolveCallback", new ResolveCallbackRequest { Tenant = "acme", Elin = elin.CallbackNumber });
        var answer = ResolveCallbackResponse.Parser.ParseFrom(callback.Response);
        Assert.True(answer.Found);
        Assert.Equal("+15125550155", answer.CallerNumber);
        Assert.Equal("hq-2", answer.LocationId);
        Assert.Equal("2026-11-22T13:00:00Z", answer.Expires);
    }

    [Theory]
    [MemberData(nameof(MethodsAndClients))]
    public async Task RoutingMethod_NoKey_UnauthenticatedAndNothingRecorded(string method, string client)
    {
        // From loopback, which the tenant's "lan" requester covers: an address alone never authenticates routing.
        var result = await CallAsync(client, method, RequestFor(method, "acme"), apiKey: null);
        Assert.Equal(16, result.Code);
        Assert.Empty(_scenario.Records.Records);
    }

    [Theory]
    [MemberData(nameof(MethodsAndClients))]
    public async Task RoutingMethod_WrongKey_Unauthenticated(string method, string client)
    {
        var result = await CallAsync(client, method, RequestFor(method, "acme"), apiKey: "not-a-key");
        Assert.Equal(16, result.Code);
        Assert.Empty(_scenario.Records.Records);
    }

    [Theory]
    [MemberData(nameof(MethodsAndClients))]
    public async Task RoutingMethod_OtherTenantsKey_PermissionDenied(string method, string client)
    {
        var result = await CallAsync(client, method, RequestFor(method, "acme"), apiKey: RoutingScenario.OtherKey);
        Assert.Equal(7, result.Code);
        Assert.Empty(_scenario.Records.Records);
    }

    [Fact]
    public async Task RoutingMethod_OtherTenantsKeyForItsOwnTenant_Answers()
    {
        var result = await CallAsync("python", "RouteCall", RequestFor("RouteCall", "other"), apiKey: RoutingScenario.OtherKey);
        Assert.Equal(0, result.Code);
    }

    [Fact]
    public async Task RoutingMethod_BasicCredentials_Unauthenticated()
    {
        using var channel = GrpcChannel.ForAddress("http://" + GrpcTarget);
        var headers = new Metadata { { "authorization", "Basic " + Convert.ToBase64String("pbx:acme-pbx-key"u8.ToArray()) } };
        var method = new Method<PingRequest, PingResponse>(MethodType.Unary, Service.Trim('/'), "Ping",
            Marshallers.Create<PingRequest>(m => m.ToByteArray(), PingRequest.Parser.ParseFrom), Marshallers.Create<PingResponse>(m => m.ToByteArray(), PingResponse.Parser.ParseFrom));
        // Ping needs no credentials at all, whatever the metadata says.
        var pong = await channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(headers), new PingRequest());
        Assert.Equal("ok", pong.Status);
        var result = await GrpcClients.PythonAsync(GrpcTarget, Service + "RouteCall", RequestFor("RouteCall", "acme").ToByteArray());
        Assert.Equal(16, result.Code);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task RouteCall_UnauthenticatedCallerTakesTheRoomsElins_RefusedAndCallbackUnchanged(string client)
    {
        // The real caller in hq-2 (two ELINs) gets the first ELIN.
        var real = await CallAsync("python", "RouteCall", new RouteCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550155", CallId = "real" });
        Assert.Equal(0, real.Code);
        var elin = RouteCallResponse.Parser.ParseFrom(real.Response).CallbackNumber;
        Assert.True(RouteCallResponse.Parser.ParseFrom(real.Response).CallbackIsElin);

        // The attack: made-up callers in the same room, enough to cycle through both ELINs, with no key, a wrong key
        // and another tenant's key.
        foreach (var key in new[] { null, "guessed-key", RoutingScenario.OtherKey })
        {
            foreach (var number in new[] { "+15125550001", "+15125550002", "+15125550003" })
            {
                var attack = await CallAsync(client, "RouteCall",
                    new RouteCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = number, StationIp = "192.168.2.50", CallId = "attack" }, key);
                Assert.Equal(key == RoutingScenario.OtherKey ? 7 : 16, attack.Code);
            }
        }

        Assert.Equal("real", Assert.Single(_scenario.Records.Records).CallId);
        var callback = await CallAsync("python", "ResolveCallback", new ResolveCallbackRequest { Tenant = "acme", Elin = elin });
        Assert.Equal(0, callback.Code);
        var answer = ResolveCallbackResponse.Parser.ParseFrom(callback.Response);
        Assert.True(answer.Found);
        Assert.Equal("+15125550155", answer.CallerNumber);
        Assert.Equal("hq-2", answer.LocationId);
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Ping_NoKey_Ok(string client)
    {
        var result = await CallAsync(client, "Ping", new PingRequest(), apiKey: null);
        Assert.Equal(0, result.Code);
        Assert.Equal("ok", PingResponse.Parser.ParseFrom(result.Response).Status);
    }

    [Fact]
    public async Task Ping_OnGrpcListener_OkAndUnknownMethodUnimplemented()
    {
        using var client = GrpcInteropTests.Http2Client();
        using var ping = await GrpcInteropTests.PostAsync(client, new Uri($"http://{GrpcTarget}{Service}Ping"), GrpcInteropTests.Frame(new PingRequest()));
        await ping.Content.ReadAsByteArrayAsync();
        Assert.Equal("0", GrpcInteropTests.Status(ping));
        using var unknown = await GrpcInteropTests.PostAsync(client, new Uri($"http://{GrpcTarget}{Service}Nope"), GrpcInteropTests.Frame(new PingRequest()));
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Equal("12", GrpcInteropTests.Status(unknown));
        using var unknownService = await GrpcInteropTests.PostAsync(client, new Uri($"http://{GrpcTarget}/no.such.v1.Service/Method"), GrpcInteropTests.Frame(new PingRequest()));
        Assert.Equal(HttpStatusCode.OK, unknownService.StatusCode);
        Assert.Equal("12", GrpcInteropTests.Status(unknownService));
    }

    [Fact]
    public async Task GrpcPaths_OnRegularListener_NotFound()
    {
        using var client = new HttpClient();
        using var content = new ByteArrayContent(GrpcInteropTests.Frame(new PingRequest()));
        content.Headers.ContentType = new("application/grpc");
        // Even with a Host header naming the gRPC port: the socket's local port decides.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_httpAddress, Service + "Ping")) { Content = content };
        request.Headers.Host = $"127.0.0.1:{_grpcPort}";
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        // Nor does the HTTP listener answer unknown gRPC methods, unknown services or the health service.
        foreach (var path in new[] { Service + "Nope", "/no.such.v1.Service/Method", "/grpc.health.v1.Health/Check" })
        {
            using var body = new ByteArrayContent(GrpcInteropTests.Frame(new PingRequest()));
            body.Headers.ContentType = new("application/grpc");
            using var other = await client.PostAsync(new Uri(_httpAddress, path), body);
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }
        Assert.Equal("ok", await client.GetStringAsync(new Uri(_httpAddress, "/health/live")));
    }

    [Fact]
    public async Task HttpPaths_OnGrpcListener_NotFound()
    {
        using var client = GrpcInteropTests.Http2Client();
        using var response = await client.GetAsync(new Uri($"http://{GrpcTarget}/health/live"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Health_IndexLoaded_ServingForServerAndRoutingService()
    {
        using var channel = GrpcChannel.ForAddress("http://" + GrpcTarget);
        var health = new HealthClient(channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = Service.Trim('/') })).Status);
    }

    [Fact]
    public async Task Health_IndexNotLoaded_NotServingUntilLoaded()
    {
        var port = FreePort();
        var wiremap = new WiremapIndexHolder();
        await using var app = await StartAsync(port, wiremap);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var health = new HealthClient(channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
        wiremap.Swap(_scenario.Wiremap.Current);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = Service.Trim('/') })).Status);
    }

    [Fact]
    public async Task Reflection_ListServices_NamesRoutingAndHealth()
    {
        using var channel = GrpcChannel.ForAddress("http://" + GrpcTarget);
        var reflection = new ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains(Service.Trim('/'), names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class NoTargets : IAlertTargetSource
    {
        public ValueTask<IReadOnlyList<AlertTarget>> GetTargetsAsync(string tenant, CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<AlertTarget>>([]);
    }

    private sealed class NoDeliveryLog : IAlertDeliveryLog
    {
        public Task RecordAsync(AlertDelivery delivery, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
