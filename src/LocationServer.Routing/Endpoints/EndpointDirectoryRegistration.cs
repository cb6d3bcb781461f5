using LocationServer.Core.Endpoints;
using LocationServer.Data.Endpoints;
using LocationServer.Data.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LocationServer.Routing.Endpoints;

/// <summary>What the host calls to serve emergency endpoints and users: the store, the in-memory directory and its loader.</summary>
internal static class EndpointDirectoryRegistration
{
    public static IServiceCollection AddEmergencyEndpoints(this IServiceCollection services)
    {
        services.AddEndpointDirectoryStore();
        services.TryAddSingleton<EndpointDirectoryHolder>();
        services.AddSingleton<EndpointDirectoryLoader>();
        services.AddSingleton<IReloadLoop>(sp => sp.GetRequiredService<EndpointDirectoryLoader>());
        services.AddHostedService(sp => sp.GetRequiredService<EndpointDirectoryLoader>());
        return services;
    }
}
