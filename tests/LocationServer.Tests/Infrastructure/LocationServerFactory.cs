using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace LocationServer.Tests.Infrastructure;

/// <summary>
/// The service on its embedded default (a fresh SQLite database in a temp directory, demo tenant seeded), hosted in
/// memory. Requests may set <c>X-Test-Remote-Ip</c> to stand in for the TCP source address the test server lacks.
/// </summary>
public sealed class LocationServerFactory : WebApplicationFactory<Program>
{
    public const string RemoteIpHeader = "X-Test-Remote-Ip";

    public LocationServerFactory()
    {
        DataDirectory = Directory.CreateTempSubdirectory("locationserver-tests-").FullName;
    }

    public string DataDirectory { get; }

    /// <summary>The host's clock: wall-clock reads and the timers the host creates through it move only when a test advances it.</summary>
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>Extra configuration, applied before the host is built.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        builder.UseSetting("Storage:SqlitePath", Path.Combine(DataDirectory, "test.db"));
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
            services.AddSingleton<IStartupFilter, RemoteIpStartupFilter>();
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Sets the connection's remote address from the test header (loopback when absent).</summary>
    internal sealed class RemoteIpStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                var header = context.Request.Headers[RemoteIpHeader].ToString();
                context.Connection.RemoteIpAddress = IPAddress.TryParse(header, out var ip) ? ip : IPAddress.Loopback;
                await nextMiddleware(context);
            });
            next(app);
        };
    }
}
