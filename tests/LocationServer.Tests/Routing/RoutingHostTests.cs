using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
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

namespace LocationServer.Tests.Routing;

/// <summary>
/// The routing service as the host wires it: ConfigureRoutingListener + AddEmergencyRouting + MapRoutingGrpc on a
/// real Kestrel with a regular HTTP listener and the h2c gRPC listener, called by the Python grpcio client.
/// </summary>
public sealed class RoutingHostTests : IAsyncLifetime
{
    private readonly RoutingScenario _scenario = new();
    private WebApplication? _app;
    private int _grpcPort;
    private Uri _httpAddress = null!;

    private string GrpcTarget => $"127.0.0.1:{_grpcPort}";

    public async Task InitializeAsync()
    {
        _grpcPort = FreePort();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Routing:GrpcPort"] = _grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Routing:GrpcAddress"] = "127.0.0.1",
            ["Routing:RelayCenter:Uri"] = "sip:ecrc@relay.example",
            ["Routing:RelayCenter:Name"] = "Relay",
            ["Routing:TestService:Uri"] = "sip:933@test.example",
            ["Routing:TestService:Name"] = "Test service",
        });
        builder.Services.AddSingleton<TimeProvider>(_scenario.Time);
        builder.ConfigureRoutingListener();
        builder.Services.AddEmergencyRouting(builder.Configuration);
        builder.Services.AddSingleton(_scenario.Wiremap);
        builder.Services.AddSingleton(_scenario.Boundaries);
        builder.Services.AddSingleton<ILocationTokenResolver>(_scenario.Tokens);
        builder.Services.AddSingleton<ICallRecordSink>(_scenario.Records);
        builder.Services.AddSingleton<IPidfLoRenderer, FakePidfLoRenderer>();
        builder.Services.AddSingleton<IElinAssignmentStore>(_scenario.Elins);
        builder.Services.AddSingleton<IAlertTargetSource, NoTargets>();
        builder.Services.AddSingleton<IAlertDeliveryLog, NoDeliveryLog>();
        _app = builder.Build();
        _app.MapGet("/health/live", () => "ok");
        _app.MapRoutingGrpc();
        await _app.StartAsync();
        var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        _httpAddress = new Uri(addresses.Single(a => !a.EndsWith($":{_grpcPort}", StringComparison.Ordinal)));
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    [Fact]
    public async Task RouteCall_RealClient_RoutesToPsapAndWritesRecord()
    {
        _scenario.Tokens.Tokens["tok"] = TokenResolution.Resolved(_scenario.Location("hq-3"), "Wiremap");
        var request = new RouteCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550100", LocationReference = "tok", CallId = "c1" };
        var result = await GrpcClients.PythonAsync(GrpcTarget, "/locationserver.routing.v1.RoutingService/RouteCall", request.ToByteArray());
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
    public async Task RouteCall_933_ReadBackOverTheWire()
    {
        var request = new RouteCallRequest { Tenant = "acme", Dialed = "933", CallingNumber = "+15125550100", StationIdentity = "uu_StationMacAddress=0004f215c285;uu_StationIPAddress=192.168.1.4" };
        var result = await GrpcClients.NodeAsync(GrpcTarget, "/locationserver.routing.v1.RoutingService/RouteCall", request.ToByteArray());
        Assert.Equal(0, result.Code);
        var response = RouteCallResponse.Parser.ParseFrom(result.Response);
        Assert.Equal(RouteKind.TestService, response.Route.Kind);
        Assert.True(response.TestCall);
        Assert.Equal(LocationSource.Station, response.Source);
        Assert.Equal("Your caller ID is 5 1 2 5 5 5 0 1 0 0. Your address is 100 Congress Ave, Floor 3, Austin, TX 78701.", response.ReadBack);
    }

    [Fact]
    public async Task RouteCall_UnknownTenant_NotFound()
    {
        var request = new RouteCallRequest { Tenant = "nobody", Dialed = "911" };
        var result = await GrpcClients.PythonAsync(GrpcTarget, "/locationserver.routing.v1.RoutingService/RouteCall", request.ToByteArray());
        Assert.Equal(5, result.Code);
        Assert.Equal("tenant not found.", result.Details);
    }

    [Fact]
    public async Task RouteCall_MissingDialed_InvalidArgument()
    {
        var request = new RouteCallRequest { Tenant = "acme" };
        var result = await GrpcClients.PythonAsync(GrpcTarget, "/locationserver.routing.v1.RoutingService/RouteCall", request.ToByteArray());
        Assert.Equal(3, result.Code);
    }

    [Fact]
    public async Task GetLocationAndResolveCallback_RealClient_Answer()
    {
        var location = await GrpcClients.PythonAsync(GrpcTarget, "/locationserver.routing.v1.RoutingService/GetLocation",
            new GetLocationRequest { Tenant = "acme", LocationReference = "unknown-token" }.ToByteArray());
        Assert.Equal(0, location.Code);
        var lookup = GetLocationResponse.Parser.ParseFrom(location.Response);
        Assert.False(lookup.Found);
        Assert.Equal("unknown", lookup.Reason);

        var routed = await GrpcClients.PythonAsync(GrpcTarget, "/locationserver.routing.v1.RoutingService/RouteCall",
            new RouteCallRequest { Tenant = "acme", Dialed = "911", CallingNumber = "+15125550155" }.ToByteArray());
        var elin = RouteCallResponse.Parser.ParseFrom(routed.Response);
        Assert.True(elin.CallbackIsElin);
        var callback = await GrpcClients.PythonAsync(GrpcTarget, "/locationserver.routing.v1.RoutingService/ResolveCallback",
            new ResolveCallbackRequest { Tenant = "acme", Elin = elin.CallbackNumber }.ToByteArray());
        var answer = ResolveCallbackResponse.Parser.ParseFrom(callback.Response);
        Assert.True(answer.Found);
        Assert.Equal("+15125550155", answer.CallerNumber);
        Assert.Equal("hq-2", answer.LocationId);
        Assert.Equal("2026-11-22T13:00:00Z", answer.Expires);
    }

    [Fact]
    public async Task Ping_OnGrpcListener_OkAndUnknownMethodUnimplemented()
    {
        using var client = GrpcInteropTests.Http2Client();
        using var ping = await GrpcInteropTests.PostAsync(client, new Uri($"http://{GrpcTarget}/locationserver.routing.v1.RoutingService/Ping"), GrpcInteropTests.Frame(new PingRequest()));
        await ping.Content.ReadAsByteArrayAsync();
        Assert.Equal("0", GrpcInteropTests.Status(ping));
        using var unknown = await GrpcInteropTests.PostAsync(client, new Uri($"http://{GrpcTarget}/locationserver.routing.v1.RoutingService/Nope"), GrpcInteropTests.Frame(new PingRequest()));
        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Equal("12", GrpcInteropTests.Status(unknown));
    }

    [Fact]
    public async Task GrpcPaths_OnRegularListener_NotFound()
    {
        using var client = new HttpClient();
        using var content = new ByteArrayContent(GrpcInteropTests.Frame(new PingRequest()));
        content.Headers.ContentType = new("application/grpc");
        // Even with a Host header naming the gRPC port: the socket's local port decides.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_httpAddress, "/locationserver.routing.v1.RoutingService/Ping")) { Content = content };
        request.Headers.Host = $"127.0.0.1:{_grpcPort}";
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("ok", await client.GetStringAsync(new Uri(_httpAddress, "/health/live")));
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
