using System.Net;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using LocationServer.Grpc;
using LocationServer.Routing.Alerts;
using LocationServer.Routing.V1;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LocationServer.Routing;

/// <summary>What the host calls to serve the routing service: <c>ConfigureRoutingListener</c>, <c>AddEmergencyRouting</c>, <c>MapRoutingGrpc</c>.</summary>
internal static class RoutingGrpcExtensions
{
    /// <summary>
    /// Adds a separate HTTP/2-only cleartext (h2c, prior knowledge) Kestrel listener for gRPC on
    /// <c>Routing:GrpcAddress</c>:<c>Routing:GrpcPort</c> (default 127.0.0.1:8081), and registers the matcher policy
    /// that keeps the gRPC endpoints on that listener only (by the socket's local port, not the Host header).
    /// </summary>
    /// <remarks>
    /// Listening in code makes Kestrel ignore <c>--urls</c>/<c>ASPNETCORE_URLS</c>/<c>ASPNETCORE_HTTP_PORTS</c>, so
    /// this re-binds those addresses (default http://localhost:5000) unless <c>Kestrel:Endpoints</c> is configured,
    /// which Kestrel keeps loading itself.
    /// </remarks>
    public static WebApplicationBuilder ConfigureRoutingListener(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(RoutingOptions.SectionName);
        var port = section.GetValue(nameof(RoutingOptions.GrpcPort), 8081);
        var addressText = section[nameof(RoutingOptions.GrpcAddress)] ?? "127.0.0.1";
        if (!IPAddress.TryParse(addressText, out var address))
            throw new InvalidOperationException($"Routing:GrpcAddress '{addressText}' is not an IP address.");
        var rebind = builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any() ? [] : ServerUrls(builder.Configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var url in rebind) ListenUrl(kestrel, url, port);
            kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Routing.MatcherPolicy, LocalPortMatcherPolicy>());
        return builder;
    }

    /// <summary>
    /// Registers the routing service: options (validated at start), <see cref="CallRouter"/>, the PSAP boundary
    /// holder, the wiremap station locator, the in-memory ELIN callback window (loaded from
    /// <see cref="IElinAssignmentStore"/> at start) and the alert dispatcher. The host registers the seams it owns:
    /// <see cref="ILocationTokenResolver"/>, <see cref="IPidfLoRenderer"/>, <see cref="ICallRecordSink"/>,
    /// <see cref="IElinAssignmentStore"/>, <see cref="IAlertTargetSource"/>, <see cref="IAlertDeliveryLog"/>, and
    /// <see cref="WiremapIndexHolder"/>.
    /// </summary>
    public static IServiceCollection AddEmergencyRouting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RoutingOptions>()
            .Bind(configuration.GetSection(RoutingOptions.SectionName))
            .Validate(o => !o.Validate().Any(), "Routing options are invalid: " + RoutingOptions.SectionName + " needs RelayCenter:Uri and TestService:Uri (sip:), CallbackWindowMinutes 1-1440.")
            .ValidateOnStart();
        services.AddOptions<AlertOptions>()
            .Bind(configuration.GetSection(AlertOptions.SectionName))
            .Validate(o => o.Validate(), "Routing:Alerts options are invalid.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PsapBoundaryIndexHolder>();
        services.TryAddSingleton<IStationLocator, WiremapStationLocator>();
        services.TryAddSingleton<ElinWindow>();
        services.AddHostedService<ElinWindowLoader>();
        // Scoped, so the host's seams may be scoped (a DbContext-backed call record sink, for one).
        services.TryAddScoped<CallRouter>();
        services.TryAddScoped<RoutingGrpcService>();
        services.AddHostedService<PsapBoundaryFileLoader>();
        services.AddHttpClient(AlertDispatcher.HttpClientName).ConfigurePrimaryHttpMessageHandler(sp => WebhookTargetPolicy.CreateHandler(sp.GetRequiredService<IOptions<AlertOptions>>().Value.AllowPrivateTargets));
        services.TryAddSingleton<AlertDispatcher>();
        services.TryAddSingleton<IAlertSink>(sp => sp.GetRequiredService<AlertDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<AlertDispatcher>());
        return services;
    }

    /// <summary>
    /// Maps the four methods of <c>locationserver.routing.v1.RoutingService</c> and the UNIMPLEMENTED answer for any
    /// other method, all restricted to the gRPC listener of <see cref="ConfigureRoutingListener"/>.
    /// </summary>
    public static WebApplication MapRoutingGrpc(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.GetServices<Microsoft.AspNetCore.Routing.MatcherPolicy>().OfType<LocalPortMatcherPolicy>().Any())
            throw new InvalidOperationException("Call builder.ConfigureRoutingListener() before MapRoutingGrpc(): the gRPC endpoints must stay on their own listener.");
        var port = app.Services.GetRequiredService<IOptions<RoutingOptions>>().Value.GrpcPort;
        const string name = RoutingGrpcService.ServiceName;
        app.MapGrpcUnary<RouteCallRequest, RouteCallResponse>(name, "RouteCall", static (r, c) => Service(c).RouteCall(r, c)).RequireLocalPort(port);
        app.MapGrpcUnary<ResolveCallbackRequest, ResolveCallbackResponse>(name, "ResolveCallback", static (r, c) => Service(c).ResolveCallback(r, c)).RequireLocalPort(port);
        app.MapGrpcUnary<GetLocationRequest, GetLocationResponse>(name, "GetLocation", static (r, c) => Service(c).GetLocation(r, c)).RequireLocalPort(port);
        app.MapGrpcUnary<PingRequest, PingResponse>(name, "Ping", RoutingGrpcService.Ping).RequireLocalPort(port);
        app.MapGrpcUnimplemented().RequireLocalPort(port);
        return app;
    }

    private static RoutingGrpcService Service(ServerCallContextLite context) =>
        context.HttpContext.RequestServices.GetRequiredService<RoutingGrpcService>();

    private static List<string> ServerUrls(ConfigurationManager configuration)
    {
        var urls = new List<string>();
        if (configuration["urls"] is { Length: > 0 } configured)
        {
            urls.AddRange(configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        else
        {
            foreach (var p in (configuration["http_ports"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) urls.Add($"http://*:{p}");
            foreach (var p in (configuration["https_ports"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) urls.Add($"https://*:{p}");
        }
        if (urls.Count == 0) urls.Add("http://localhost:5000");
        return urls;
    }

    private static void ListenUrl(KestrelServerOptions kestrel, string url, int grpcPort)
    {
        var binding = BindingAddress.Parse(url);
        var https = string.Equals(binding.Scheme, "https", StringComparison.OrdinalIgnoreCase);
        if (binding.Port == grpcPort) return;
        Action<ListenOptions> configure = https ? static o => o.UseHttps() : static _ => { };
        if (string.Equals(binding.Host, "localhost", StringComparison.OrdinalIgnoreCase)) kestrel.ListenLocalhost(binding.Port, configure);
        else if (IPAddress.TryParse(binding.Host.Trim('[', ']'), out var ip)) kestrel.Listen(ip, binding.Port, configure);
        else kestrel.ListenAnyIP(binding.Port, configure);
    }
}
