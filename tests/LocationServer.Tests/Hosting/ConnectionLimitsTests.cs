using System.Net;
using System.Net.Sockets;
using LocationServer.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LocationServer.Tests.Hosting;

/// <summary>The connection limits on a real Kestrel listener on loopback.</summary>
public sealed class ConnectionLimitsTests
{
    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddConnectionLimits();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/", () => "ok");
        await app.StartAsync();
        return app;
    }

    private static int Port(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

    private static async Task<string> GetAsync(int port, string source)
    {
        using var client = new TcpClient(new IPEndPoint(IPAddress.Parse(source), 0));
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray());
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Reads until the service closes the connection; "" when it did so without answering.</summary>
    private static async Task<int> ReadUntilClosedAsync(TcpClient client)
    {
        var buffer = new byte[64];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            return await client.GetStream().ReadAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task Connections_SourceAtItsLimit_NewOneClosedOtherSourceServed()
    {
        await using var app = await StartAsync(new() { ["Connections:MaxPerSource"] = "2" });
        var port = Port(app);
        using var first = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 0));
        using var second = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 0));
        await first.ConnectAsync(IPAddress.Loopback, port);
        await second.ConnectAsync(IPAddress.Loopback, port);
        var counter = app.Services.GetRequiredService<SourceConnectionCounter>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (counter.OpenFrom(IPAddress.Loopback) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the service never accepted the first two connections");
            await Task.Delay(10);
        }

        using var third = new TcpClient(new IPEndPoint(IPAddress.Parse("127.0.0.1"), 0));
        await third.ConnectAsync(IPAddress.Loopback, port);
        Assert.Equal(0, await ReadUntilClosedAsync(third));
        Assert.Equal(1, counter.Refused);

        Assert.Contains("ok", await GetAsync(port, "127.0.0.2"), StringComparison.Ordinal);
        // Once one of the source's connections closes, it may open another.
        first.Close();
        while (counter.OpenFrom(IPAddress.Loopback) > 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the service never saw the first connection close");
            await Task.Delay(10);
        }
        Assert.Contains("ok", await GetAsync(port, "127.0.0.1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_Settings_AppliedToKestrel()
    {
        await using var app = await StartAsync(new()
        {
            ["Connections:MaxConnections"] = "1234",
            ["Connections:MaxUpgradedConnections"] = "12",
            ["Connections:KeepAliveTimeoutSeconds"] = "7",
            ["Connections:RequestHeadersTimeoutSeconds"] = "3",
        });
        var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal(1234, limits.MaxConcurrentConnections);
        Assert.Equal(12, limits.MaxConcurrentUpgradedConnections);
        Assert.Equal(TimeSpan.FromSeconds(7), limits.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), limits.RequestHeadersTimeout);
    }

    [Theory]
    [InlineData("Connections:MaxConnections", "0")]
    [InlineData("Connections:MaxPerSource", "20000")]
    [InlineData("Connections:KeepAliveTimeoutSeconds", "0")]
    [InlineData("Connections:RequestHeadersTimeoutSeconds", "301")]
    public async Task Connections_InvalidSetting_StartRefused(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { [key] = value }));
        Assert.Contains(key.Split(':')[1], error.Message, StringComparison.Ordinal);
    }
}
