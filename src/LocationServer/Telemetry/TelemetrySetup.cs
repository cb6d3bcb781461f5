using LocationServer.Locating.Telemetry;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LocationServer.Telemetry;

/// <summary>
/// OpenTelemetry through its hosting extensions: the service's own source and meter, ASP.NET Core, HttpClient,
/// Npgsql and .NET runtime instrumentation. Traces, metrics and logs go out over OTLP when an endpoint is configured
/// by the standard variables (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
/// <c>OTEL_EXPORTER_OTLP_HEADERS</c>, per-signal <c>OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT</c>, …) or
/// by the older <c>OpenTelemetry:Endpoint</c> (an OTLP/HTTP base URL); otherwise nothing is exported.
/// Kept in its own file: <c>OpenTelemetry.Trace.Status</c> clashes with <c>Grpc.Core.Status</c>.
/// </summary>
internal static class TelemetrySetup
{
    public const string DefaultServiceName = "location-server";

    private static readonly string[] OtlpEndpointKeys =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"];

    public static WebApplicationBuilder AddLocationServerTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddSingleton<LocationServerTelemetry>();
        var serviceName = configuration["OTEL_SERVICE_NAME"] ?? configuration["OpenTelemetry:ServiceName"] ?? DefaultServiceName;

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(LocationServerTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(LocationServerTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation());

        if (OtlpEndpointKeys.Any(key => !string.IsNullOrWhiteSpace(configuration[key])))
            telemetry.UseOtlpExporter();
        else if (configuration["OpenTelemetry:Endpoint"] is { Length: > 0 } legacy)
            telemetry.UseOtlpExporter(OtlpExportProtocol.HttpProtobuf, new Uri(legacy));
        return builder;
    }
}
