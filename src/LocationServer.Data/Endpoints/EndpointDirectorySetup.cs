using LocationServer.Data.Redis;
using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocationServer.Data.Endpoints;

/// <summary>Registers the endpoint directory's store and change bus over the storage <see cref="StorageSetup.AddLocationStorage"/> configured.</summary>
public static class EndpointDirectorySetup
{
    /// <summary>Adds <see cref="EndpointDirectoryStore"/> and <see cref="IEndpointDirectoryChangeBus"/> (Redis when configured, else in-process).</summary>
    public static IServiceCollection AddEndpointDirectoryStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton<IEndpointDirectoryChangeBus>(sp => sp.GetRequiredService<StorageSettings>().Redis is not null
            ? new RedisEndpointDirectoryChangeBus(sp.GetRequiredService<RedisConnection>())
            : new InProcessEndpointDirectoryChangeBus());
        services.AddSingleton(sp => new EndpointDirectoryStore(
            sp.GetRequiredService<IDbContextFactory<LocationDbContext>>(),
            sp.GetRequiredService<IEndpointDirectoryChangeBus>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>()?.CreateLogger<EndpointDirectoryStore>() ?? NullLogger<EndpointDirectoryStore>.Instance));
        return services;
    }
}
