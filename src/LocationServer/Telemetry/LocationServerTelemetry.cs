using System.Diagnostics;
using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LocationServer.Telemetry;

/// <summary>The service's own ActivitySource and Meter, and the instruments every feature records to.</summary>
internal sealed class LocationServerTelemetry : IDisposable
{
    public const string Name = "LocationServer";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;

    public LocationServerTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        HeldRequests = _meter.CreateCounter<long>("locationserver.held.requests", description: "HELD requests by outcome and matched rule.");
        HeldDuration = _meter.CreateHistogram<double>("locationserver.held.duration", unit: "ms", description: "HELD request processing time.");
        IgnoredMacClaims = _meter.CreateCounter<long>("locationserver.held.ignored_mac_claims", description: "HELD requests whose MAC claim was not bound to their source address and was ignored.");
        Dereferences = _meter.CreateCounter<long>("locationserver.dereferences", description: "Location URI dereferences by outcome.");
        RoutedCalls = _meter.CreateCounter<long>("locationserver.routing.calls", description: "Routed emergency calls by route kind and location source.");
        WiremapReloads = _meter.CreateCounter<long>("locationserver.wiremap.reloads", description: "Wiremap index rebuilds.");
    }

    public Counter<long> HeldRequests { get; }
    public Histogram<double> HeldDuration { get; }
    public Counter<long> IgnoredMacClaims { get; }
    public Counter<long> Dereferences { get; }
    public Counter<long> RoutedCalls { get; }
    public Counter<long> WiremapReloads { get; }

    public void Dispose() => _meter.Dispose();
}

/// <summary>
/// Wires OpenTelemetry without the hosting extensions (not available in this registry): tracer and meter providers
/// built with the SDK, exporting over OTLP when <c>OpenTelemetry:Endpoint</c> (or OTEL_EXPORTER_OTLP_ENDPOINT) is set.
/// </summary>
internal static class TelemetrySetup
{
    public static WebApplicationBuilder AddLocationServerTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<LocationServerTelemetry>();
        var endpoint = builder.Configuration["OpenTelemetry:Endpoint"] ?? builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var serviceName = builder.Configuration["OpenTelemetry:ServiceName"] ?? "location-server";
        var resource = ResourceBuilder.CreateDefault().AddService(serviceName);

        var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(LocationServerTelemetry.Name, "Microsoft.AspNetCore", "Npgsql");
        var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(LocationServerTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime", "Npgsql");
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            var uri = new Uri(endpoint);
            tracing.AddOtlpExporter(o => { o.Endpoint = uri; o.Protocol = OtlpExportProtocol.HttpProtobuf; });
            metrics.AddOtlpExporter(o => { o.Endpoint = uri; o.Protocol = OtlpExportProtocol.HttpProtobuf; });
        }
        // Singletons so the container disposes (and flushes) them on shutdown.
        builder.Services.AddSingleton(_ => tracing.Build());
        builder.Services.AddSingleton(_ => metrics.Build());
        return builder;
    }

    /// <summary>Creates the providers at start and tags the request activity (ASP.NET Core's carries no tags).</summary>
    public static WebApplication UseLocationServerTelemetry(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<TracerProvider>();
        _ = app.Services.GetRequiredService<MeterProvider>();
        app.Use(async (context, next) =>
        {
            await next(context).ConfigureAwait(false);
            if (Activity.Current is { } activity)
            {
                activity.SetTag("http.request.method", context.Request.Method);
                activity.SetTag("http.route", (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText);
                activity.SetTag("http.response.status_code", context.Response.StatusCode);
                activity.SetTag("server.port", context.Connection.LocalPort);
            }
        });
        return app;
    }
}
