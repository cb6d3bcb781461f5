using System.Net;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using LocationServer.Locating.Configuration;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LocationServer.Grpc;

/// <summary>What the host calls to serve the routing service: <c>ConfigureRoutingListener</c>, <c>AddEmergencyRouting</c>, <c>MapRoutingGrpc</c>.</summary>
internal static class RoutingGrpcExtensions
{
    /// <summary>
    /// Declares the routing service's HTTP/2-only cleartext (h2c, prior knowledge) listener as the named Kestrel
    /// endpoint <c>Kestrel:Endpoints:Grpc</c> and registers the matcher policy that keeps gRPC on that listener and
    /// everything else off it (by the socket's local port, not the Host header). Without a configured <c>Url</c> the
    /// endpoint is built from <c>Routing:GrpcAddress</c>:<c>Routing:GrpcPort</c> (default 127.0.0.1:8081); its
    /// <c>Protocols</c> is <c>Http2</c> (any other value stops the start).
    /// </summary>
    /// <remarks>
    /// Once <c>Kestrel:Endpoints</c> names an endpoint Kestrel ignores <c>--urls</c>/<c>ASPNETCORE_URLS</c>/
    /// <c>ASPNETCORE_HTTP_PORTS</c>, so when the gRPC endpoint is the only one configured, those addresses (default
    /// http://localhost:5000) become endpoints too.
    /// </remarks>
    public static WebApplicationBuilder ConfigureRoutingListener(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var added = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var endpoint = configuration.GetSection(GrpcListener.SectionPath);
        var url = endpoint["Url"];
        if (string.IsNullOrWhiteSpace(url))
        {
            var section = configuration.GetSection(RoutingOptions.SectionName);
            var port = section.GetValue(nameof(RoutingOptions.GrpcPort), 8081);
            var addressText = section[nameof(RoutingOptions.GrpcAddress)] ?? "127.0.0.1";
            if (!IPAddress.TryParse(addressText, out var address))
                throw new InvalidOperationException($"Routing:GrpcAddress '{addressText}' is not an IP address.");
            url = "http://" + new IPEndPoint(address, port);
            added[GrpcListener.SectionPath + ":Url"] = url;
        }
        var protocols = endpoint["Protocols"];
        if (string.IsNullOrWhiteSpace(protocols)) added[GrpcListener.SectionPath + ":Protocols"] = nameof(HttpProtocols.Http2);
        else if (!Enum.TryParse<HttpProtocols>(protocols, ignoreCase: true, out var parsed) || parsed != HttpProtocols.Http2)
            throw new InvalidOperationException($"{GrpcListener.SectionPath}:Protocols must be Http2 (h2c), not '{protocols}'.");
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(url);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"{GrpcListener.SectionPath}:Url '{url}' is not a URL.", ex);
        }
        if (binding.Port is < 1 or > 65535)
            throw new InvalidOperationException($"{GrpcListener.SectionPath}:Url '{url}' must name a fixed port: the port keeps gRPC and HTTP apart.");

        var others = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Where(c => !string.Equals(c.Key, GrpcListener.EndpointName, StringComparison.OrdinalIgnoreCase));
        if (!others.Any())
        {
            var i = 0;
            foreach (var serverUrl in ServerUrls(configuration))
            {
                if (BindingAddress.Parse(serverUrl).Port == binding.Port) continue;
                added[$"Kestrel:Endpoints:Http{i++}:Url"] = serverUrl;
            }
        }
        if (added.Count > 0) configuration.AddInMemoryCollection(added);
        builder.Services.AddSingleton(new GrpcListener(url, binding.Port));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Routing.MatcherPolicy, LocalPortMatcherPolicy>());
        return builder;
    }

    /// <summary>
    /// Registers the routing service: options (validated at start), <see cref="CallRouter"/>, the PSAP boundary
    /// holder, the in-memory ELIN callback window (loaded from
    /// <see cref="IElinAssignmentStore"/> at start) and the alert dispatcher. The host registers the seams it owns:
    /// <see cref="ILocationTokenResolver"/>, <see cref="IPidfLoRenderer"/>, <see cref="ICallRecordSink"/>,
    /// <see cref="IElinAssignmentStore"/>, <see cref="IAlertTargetSource"/>, <see cref="IAlertDeliveryLog"/>, and
    /// <see cref="WiremapIndexHolder"/>.
    /// </summary>
    public static IServiceCollection AddEmergencyRouting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<RoutingOptions>(configuration, RoutingOptions.SectionName, o => o.Validate());
        services.AddValidatedOptions<AlertOptions>(configuration, AlertOptions.SectionName, o => o.Problems());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PsapBoundaryIndexHolder>();
        services.TryAddSingleton<Core.Endpoints.EndpointDirectoryHolder>();
        services.TryAddSingleton<ElinWindow>();
        services.AddHostedService<ElinWindowLoader>();
        // Scoped, so the host's seams may be scoped (a DbContext-backed call record sink, for one).
        services.AddMetrics();
        services.TryAddSingleton<RoutingTelemetry>();
        services.TryAddScoped<CallRouter>();
        services.TryAddSingleton<RoutingGrpcService>();
        services.TryAddSingleton<RoutingCallerAuthenticator>();
        services.AddGrpc();
        services.AddGrpcReflection();
        services.AddHealthChecks().AddCheck<RoutingHealthCheck>(RoutingHealthCheck.Name, tags: [RoutingHealthCheck.Name]);
        services.AddGrpcHealthChecks(o =>
        {
            // "" is the server as a whole; the routing service by its full name. Both answer from the same check.
            o.Services.Map("", r => r.Tags.Contains(RoutingHealthCheck.Name));
            o.Services.Map(RoutingGrpcService.ServiceName, r => r.Tags.Contains(RoutingHealthCheck.Name));
        });
        // The file loads first (and seeds an empty store); the stored set then takes over (docs/routing.md).
        services.AddSingleton<PsapBoundaryFileLoader>();
        services.AddHostedService(sp => sp.GetRequiredService<PsapBoundaryFileLoader>());
        services.AddSingleton<PsapBoundaryStoreLoader>();
        services.AddHostedService(sp => sp.GetRequiredService<PsapBoundaryStoreLoader>());
        services.AddHttpClient(AlertDispatcher.HttpClientName).ConfigurePrimaryHttpMessageHandler(sp => WebhookTargetPolicy.CreateHandler(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AlertOptions>>().Value.AllowPrivateTargets));
        // The SMS gateway is the operator's, not a tenant's: no address policy, but never a redirect.
        services.AddHttpClient(SmsAlertSender.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        // Storage registers the Redis feed bus when Redis is configured; alone, the feed is this node's.
        services.TryAddSingleton<Data.Redis.IAlertFeedBus, Data.Redis.InProcessAlertFeedBus>();
        services.TryAddSingleton<AlertFeed>();
        services.TryAddSingleton<AlertDispatcher>();
        services.TryAddSingleton<IAlertSink>(sp => sp.GetRequiredService<AlertDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<AlertDispatcher>());
        // Open emergency-call windows: storage registers the Redis bus when Redis is configured.
        services.TryAddSingleton<Data.Redis.ICallWatchBus, Data.Redis.InProcessCallWatchBus>();
        services.TryAddSingleton<EmergencyCallWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<EmergencyCallWatch>());
        return services;
    }

    /// <summary>
    /// Maps <c>locationserver.routing.v1.RoutingService</c> (with Grpc.AspNetCore's UNIMPLEMENTED answer for unknown
    /// services and methods), server reflection and <c>grpc.health.v1.Health</c>, all restricted to the gRPC listener
    /// of <see cref="ConfigureRoutingListener"/>.
    /// </summary>
    public static WebApplication MapRoutingGrpc(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var listener = app.Services.GetService<GrpcListener>()
            ?? throw new InvalidOperationException("Call builder.ConfigureRoutingListener() before MapRoutingGrpc(): the gRPC endpoints must stay on their own listener.");
        app.MapGrpcService<RoutingGrpcService>().RequireLocalPort(listener.Port);
        app.MapGrpcReflectionService().RequireLocalPort(listener.Port);
        app.MapGrpcHealthChecksService().RequireLocalPort(listener.Port);
        return app;
    }

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
}
