using System.Net;
using LocationServer.Grpc;
using LocationServer.Routing.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocationServer.Tests.Grpc;

/// <summary>
/// A minimal real Kestrel app on a random loopback port with an HTTP/2-only cleartext listener and a test set of
/// unary gRPC handlers: Ping, Echo (round trip), Fail (non-ASCII error message), Slow (outlives deadlines), Boom.
/// </summary>
public sealed class GrpcTestHost : IAsyncLifetime
{
    public const string Service = "locationserver.test.v1.Interop";
    public const string NonAsciiMessage = "Ungültige Nummer – 緊急";

    private WebApplication? _app;

    public string Target { get; private set; } = "";

    public Uri BaseAddress => new("http://" + Target);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        _app = builder.Build();
        _app.MapGrpcUnary<PingRequest, PingResponse>("locationserver.routing.v1.RoutingService", "Ping", (_, _) => ValueTask.FromResult(new PingResponse { Status = "ok" }));
        _app.MapGrpcUnary<GetLocationRequest, GetLocationResponse>(Service, "Echo", (request, context) =>
            ValueTask.FromResult(new GetLocationResponse { Found = true, Reason = request.LocationReference + "|" + request.Tenant + "|" + (context.Deadline is null ? "no-deadline" : "deadline") }));
        _app.MapGrpcUnary<PingRequest, PingResponse>(Service, "Fail", (_, _) => throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, NonAsciiMessage));
        _app.MapGrpcUnary<PingRequest, PingResponse>(Service, "Slow", async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.CancellationToken);
            return new PingResponse { Status = "late" };
        });
        _app.MapGrpcUnary<PingRequest, PingResponse>(Service, "Stubborn", async (_, _) =>
        {
            // Ignores the cancellation token: the deadline must still be answered on time.
            await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
            return new PingResponse { Status = "late" };
        });
        _app.MapGrpcUnary<PingRequest, PingResponse>(Service, "Boom", (_, _) => throw new InvalidOperationException("secret internals"));
        _app.MapGrpcUnary<PingRequest, PingResponse>(Service, "OwnCancel", (_, _) => throw new OperationCanceledException());
        _app.MapGrpcUnimplemented();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Target = new Uri(address).Authority;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}
