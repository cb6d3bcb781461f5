using System.Net;
using LocationServer.Grpc;
using LocationServer.Routing.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace LocationServer.Tests.Grpc;

/// <summary>The gRPC endpoints through the in-memory TestServer, as WebApplicationFactory host tests reach them.</summary>
public sealed class GrpcTestServerTests
{
    [Fact]
    public async Task TestServer_PortRestrictedEndpoint_ReachableWithTrailers()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Routing.MatcherPolicy, LocalPortMatcherPolicy>());
        await using var app = builder.Build();
        app.MapGrpcUnary<PingRequest, PingResponse>("locationserver.routing.v1.RoutingService", "Ping", (_, _) => ValueTask.FromResult(new PingResponse { Status = "ok" }))
            .RequireLocalPort(8081);
        app.MapGrpcUnimplemented().RequireLocalPort(8081);
        await app.StartAsync();

        using var client = app.GetTestClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/locationserver.routing.v1.RoutingService/Ping")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(GrpcInteropTests.Frame(new PingRequest())),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("ok", PingResponse.Parser.ParseFrom(body.AsSpan(5).ToArray()).Status);
        Assert.Equal("0", Assert.Single(response.TrailingHeaders.GetValues("grpc-status")));
    }

    [Fact]
    public async Task TestServer_Http11Request_UpgradeRequired()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();
        app.MapGrpcUnary<PingRequest, PingResponse>("locationserver.routing.v1.RoutingService", "Ping", (_, _) => ValueTask.FromResult(new PingResponse()));
        await app.StartAsync();

        using var client = app.GetTestClient();
        using var content = new ByteArrayContent(GrpcInteropTests.Frame(new PingRequest()));
        content.Headers.ContentType = new("application/grpc");
        using var response = await client.PostAsync(new Uri("/locationserver.routing.v1.RoutingService/Ping", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("13", GrpcInteropTests.Status(response));
    }
}
