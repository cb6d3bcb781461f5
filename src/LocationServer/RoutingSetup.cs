using LocationServer.Grpc;
using LocationServer.HeldHttp;
using LocationServer.Locating.Configuration;
using LocationServer.Lost;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using LocationServer.Routing.Endpoints;

namespace LocationServer;

/// <summary>Registers the routing service with the seams this host provides.</summary>
internal static class RoutingSetup
{
    public static IServiceCollection AddRoutingService(this IServiceCollection services, IConfiguration configuration)
    {
        // Registered before the alert dispatcher, so it stops after it: the ledger records of the alerts the
        // dispatcher delivers while it stops are still committed.
        services.AddValidatedOptions<CallRecordOptions>(configuration, CallRecordOptions.Section, o => o.Problems());
        services.AddSingleton<CallRecordWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<CallRecordWriter>());
        services.AddEmergencyRouting(configuration);
        services.AddLost(configuration);
        services.AddSingleton<ILocationTokenResolver, HeldTokenResolver>();
        services.AddSingleton<IPidfLoRenderer, HeldPidfLoRenderer>();
        services.AddSingleton<StoreRoutingSeams>();
        services.AddSingleton<ICallRecordSink>(sp => sp.GetRequiredService<StoreRoutingSeams>());
        services.AddSingleton<IElinAssignmentStore>(sp => sp.GetRequiredService<StoreRoutingSeams>());
        services.AddSingleton<IAlertTargetSource>(sp => sp.GetRequiredService<StoreRoutingSeams>());
        services.AddSingleton<IAlertDeliveryLog>(sp => sp.GetRequiredService<StoreRoutingSeams>());
        services.AddSingleton<IAlertLedger>(sp => sp.GetRequiredService<StoreRoutingSeams>());
        services.AddEmergencyEndpoints();
        return services;
    }
}
