using LocationServer.Hosting;
using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Proxies;

/// <summary>
/// The trusted-proxy pipeline on a real Kestrel listener in this process, answering what the host would see: the
/// client address, the scheme, the public origin and whether the request counts as local.
/// </summary>
public sealed class TrustedProxiesTests
{
    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        // The service's appsettings.json beside the tests names port 8080; this listener takes any free port instead.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(settings) { ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0" });
        builder.AddTrustedProxies();
        var app = builder.Build();
        app.MapGet("/", (HttpContext context) =>
            $"{context.Connection.RemoteIpAddress?.ToString() ?? "none"}|{context.Request.Scheme}|{ForwardedRequest.PublicOrigin(context) ?? "none"}|{ForwardedRequest.IsDirectLoopback(context)}");
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    private static async Task<string> GetAsync(WebApplication app, string source, params (string Name, string Value)[] headers)
    {
        using var client = Loopback.ClientFrom(source, Address(app));
        foreach (var (name, value) in headers) client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
        return await client.GetStringAsync(new Uri("/", UriKind.Relative));
    }

    [Fact]
    public async Task NoTrustedProxies_HeadersIgnoredAndLoopbackIsLocal()
    {
        await using var app = await StartAsync([]);
        var seen = await GetAsync(app, "127.0.0.1", ("X-Forwarded-For", "192.0.2.1"), ("X-Forwarded-Proto", "https"));
        Assert.Equal("127.0.0.1|http|none|True", seen);
    }

    [Fact]
    public async Task XForwardedFor_FromTrustedProxy_ClientSchemeAndHostTaken()
    {
        await using var app = await StartAsync(new() { ["Network:TrustedProxies:0"] = "127.0.0.1" });
        var seen = await GetAsync(app, "127.0.0.1",
            ("X-Forwarded-For", "192.0.2.66, 2001:db8::5, 127.0.0.1"), ("X-Forwarded-Proto", "http, https, https"), ("X-Forwarded-Host", "lis.example.com"));
        // Right to left: 127.0.0.1 is trusted and skipped; 2001:db8::5 is the first untrusted hop; 192.0.2.66 was the client's to write.
        Assert.Equal("2001:db8::5|https|https://lis.example.com|False", seen);
    }

    [Fact]
    public async Task XForwardedFor_ModeForwardedHeaderFromTrustedProxy_Ignored()
    {
        await using var app = await StartAsync(new() { ["Network:TrustedProxies:0"] = "127.0.0.1" });
        var seen = await GetAsync(app, "127.0.0.1", ("Forwarded", "for=192.0.2.66;proto=https"));
        // Relayed, but the proxy named no client in the header this mode reads: no address rather than the proxy's.
        Assert.StartsWith("none|http|", seen, StringComparison.Ordinal);
        Assert.EndsWith("|False", seen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedMode_Rfc7239FromTrustedProxy_ClientSchemeAndHostTaken()
    {
        await using var app = await StartAsync(new()
        {
            ["Network:TrustedProxies:0"] = "127.0.0.1",
            ["Network:TrustedProxies:1"] = "198.51.100.0/24",
            ["Network:ForwardedHeader"] = "Forwarded",
        });
        var seen = await GetAsync(app, "127.0.0.1",
            ("Forwarded", "for=192.0.2.66, for=\"[2001:db8::7]:4711\";proto=https;host=lis.example.com"),
            ("Forwarded", "for=198.51.100.9"),
            ("X-Forwarded-For", "203.0.113.1"));
        Assert.Equal("2001:db8::7|https|https://lis.example.com|False", seen);
    }

    [Fact]
    public async Task ForwardedMode_XForwardedForFromTrustedProxy_Ignored()
    {
        await using var app = await StartAsync(new() { ["Network:TrustedProxies:0"] = "127.0.0.1", ["Network:ForwardedHeader"] = "Forwarded" });
        var seen = await GetAsync(app, "127.0.0.1", ("X-Forwarded-For", "192.0.2.66"), ("X-Forwarded-Proto", "https"));
        Assert.StartsWith("none|http|", seen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForwardedMode_HeaderFromUntrustedSource_Ignored()
    {
        await using var app = await StartAsync(new() { ["Network:TrustedProxies:0"] = "127.0.0.1", ["Network:ForwardedHeader"] = "Forwarded" });
        var seen = await GetAsync(app, "127.0.0.33", ("Forwarded", "for=192.0.2.66;proto=https;host=evil.example"));
        Assert.Equal("127.0.0.33|http|none|True", seen);
    }

    [Fact]
    public async Task ForwardedMode_BrokenHeaderFromTrustedProxy_NoClientAddress()
    {
        await using var app = await StartAsync(new() { ["Network:TrustedProxies:0"] = "127.0.0.1", ["Network:ForwardedHeader"] = "Forwarded" });
        var seen = await GetAsync(app, "127.0.0.1", ("Forwarded", "for=192.0.2.66;for=192.0.2.67"));
        Assert.StartsWith("none|", seen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrustedProxyAddress_DirectWithoutHeaders_NotLocalAndNoClient()
    {
        await using var app = await StartAsync(new() { ["Network:TrustedProxies:0"] = "127.0.0.0/8" });
        Assert.Equal("none|http|http://127.0.0.1:" + Address(app).Port + "|False", await GetAsync(app, "127.0.0.1"));
    }
}
