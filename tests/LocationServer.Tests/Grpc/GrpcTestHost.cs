using System.Net;
using Grpc.Core;
using LocationServer.Tests.Grpc.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LocationServer.Tests.Grpc;

/// <summary>
/// A minimal real Kestrel app on a random loopback port with an HTTP/2-only cleartext listener serving the test
/// service <c>locationserver.test.v1.Interop</c> through Grpc.AspNetCore, as the routing service is served.
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
        builder.Services.AddGrpc();
        _app = builder.Build();
        _app.MapGrpcService<InteropService>();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Target = new Uri(address).Authority;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }

    private sealed class InteropService : Interop.InteropBase
    {
        public override Task<EchoReply> Echo(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(new EchoReply { Text = request.Text + "|" + request.Tenant + "|" + (context.Deadline == DateTime.MaxValue ? "no-deadline" : "deadline") });

        public override Task<EchoReply> Fail(EchoRequest request, ServerCallContext context) =>
            throw new RpcException(new Status(StatusCode.InvalidArgument, NonAsciiMessage));

        public override async Task<EchoReply> Slow(EchoRequest request, ServerCallContext context)
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.CancellationToken);
            return new EchoReply { Text = "late" };
        }

        public override async Task<EchoReply> Stubborn(EchoRequest request, ServerCallContext context)
        {
            // Ignores the cancellation token: the deadline must still be answered on time.
            await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
            return new EchoReply { Text = "late" };
        }

        public override Task<EchoReply> Boom(EchoRequest request, ServerCallContext context) =>
            throw new InvalidOperationException("secret internals");

        public override Task<EchoReply> OwnCancel(EchoRequest request, ServerCallContext context) =>
            throw new OperationCanceledException();
    }
}
