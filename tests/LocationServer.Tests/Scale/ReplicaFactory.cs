using LocationServer.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.Scale;

/// <summary>
/// One replica of the production deployment (PostgreSQL + Redis), hosted in memory on the system clock so several
/// replicas agree on time. Requests may set <c>X-Test-Remote-Ip</c> to stand in for the TCP source address.
/// </summary>
public sealed class ReplicaFactory : WebApplicationFactory<Program>
{
    private readonly string _postgres;
    private readonly string _redis;
    private readonly string _tokenKey;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("locationserver-replica-").FullName;

    public ReplicaFactory(string postgres, string redis, string tokenKey)
    {
        _postgres = postgres;
        _redis = redis;
        _tokenKey = tokenKey;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:DataDirectory", _dataDirectory);
        builder.UseSetting("ConnectionStrings:Postgres", _postgres);
        builder.UseSetting("ConnectionStrings:Redis", _redis);
        builder.UseSetting("Tokens:Key", _tokenKey);
        builder.UseSetting("Held:PublicBaseUrl", "http://localhost");
        builder.UseSetting("Demo:Seed", "false");
        builder.UseSetting("Admin:ApiKey", AdminBearer.TestKey);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, LocationServerFactory.RemoteIpStartupFilter>());
    }

    /// <summary>A client whose <c>/admin</c> requests carry the break-glass key (loopback is no admin on PostgreSQL).</summary>
    public new HttpClient CreateClient() => CreateDefaultClient(new AdminBearer(AdminBearer.TestKey));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(_dataDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
