using System.Buffers;
using LocationServer.Configuration;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using LocationServer.Core.Wiremap;
using LocationServer.Held;
using LocationServer.Held.Lost;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LocationServer.Lost;

/// <summary>LoST settings, section <c>Lost</c>.</summary>
internal sealed class LostOptions : IValidatedOptions
{
    public const string Section = "Lost";

    /// <summary>This server's LoST source identifier (mapping@source, path/via). Default <c>lost.locationserver.invalid</c>.</summary>
    public string Source { get; set; } = "lost.locationserver.invalid";

    /// <summary>How long clients may cache a mapping. Default 1 hour.</summary>
    public TimeSpan MappingLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Service number in mappings for urn:service:sos. Default "911".</summary>
    public string ServiceNumber { get; set; } = "911";

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(Source)) yield return "Lost:Source must not be empty (RFC 5222 §5: the mapping's source).";
        if (MappingLifetime < TimeSpan.FromMinutes(1) || MappingLifetime > TimeSpan.FromDays(7))
            yield return $"Lost:MappingLifetime must lie between 00:01:00 and 7.00:00:00; it is {MappingLifetime}.";
        if (string.IsNullOrWhiteSpace(ServiceNumber) || !ServiceNumber.All(char.IsAsciiDigit))
            yield return $"Lost:ServiceNumber must be digits, e.g. 911; it is '{ServiceNumber}'.";
    }
}

/// <summary>
/// LoST <c>findService</c> (RFC 5222) on <c>POST /lost</c> over the same PSAP boundaries as call routing:
/// geodetic locations by point-in-polygon (a circle's centre, a polygon's centre), civic locations through the site of
/// the wiremap with that street address. <c>urn:service:sos</c> and its sub-services map to the PSAP (or, with a
/// <c>defaultMappingReturned</c> warning, to the relay centre); <c>urn:service:test.sos</c> maps to the test service.
/// Every answer, errors included, is a 200 with <c>application/lost+xml</c>, and every mapping has a displayName.
/// </summary>
internal static class LostEndpoints
{
    public const string ContentType = "application/lost+xml;charset=utf-8";

    public static IServiceCollection AddLost(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<LostOptions>(configuration, LostOptions.Section);
        return services;
    }

    public static IEndpointRouteBuilder MapLost(this IEndpointRouteBuilder app)
    {
        app.MapPost("/lost", HandleAsync).WithTags("LoST").ExcludeFromDescription();
        return app;
    }

    private static async Task HandleAsync(HttpContext context, IOptions<LostOptions> lostOptions, IOptionsMonitor<RoutingOptions> routingOptions,
        PsapBoundaryIndexHolder boundaries, WiremapIndexHolder wiremap, TimeProvider time)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) ||
            !type.MediaType.Equals("application/lost+xml", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        var options = lostOptions.Value;
        var parsed = await LostRequestReader.ParseAsync(context.Request.Body, 64 * 1024, context.RequestAborted).ConfigureAwait(false);
        var output = new ArrayBufferWriter<byte>(1024);
        if (!parsed.IsSuccess)
        {
            WriteError(output, options.Source, parsed.Error);
        }
        else
        {
            var answer = Answer(parsed.Request, options, routingOptions.CurrentValue, boundaries.Current, wiremap.Current, time.GetUtcNow());
            if (answer.Error is { } answerError) WriteError(output, options.Source, answerError);
            else LostResponseWriter.WriteFindServiceResponse(answer.Response!, output);
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ContentType;
        context.Response.ContentLength = output.WrittenCount;
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.Body.WriteAsync(output.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteError(ArrayBufferWriter<byte> output, string source, LostError error) =>
        LostResponseWriter.WriteErrors(source, error.Kind, error.Message, output, error.UnsupportedProfiles);

    /// <summary>A representative point: the point, the circle's centre, or a point inside the polygon.</summary>
    private static GeoPoint Representative(LostGeometry geometry) =>
        geometry.Kind == LostGeometryKind.Polygon && geometry.Points.Count >= 2
            ? RepresentativePoint.OfPolygon(geometry.Points)
            : geometry.Points[0];

    internal static (FindServiceResponse? Response, LostError? Error) Answer(
        FindServiceRequest request, LostOptions options, RoutingOptions routing, PsapBoundaryIndex boundaries, WiremapIndex wiremap, DateTimeOffset now)
    {
        if (request.Path.Contains(options.Source, StringComparer.OrdinalIgnoreCase))
            return (null, new LostError(LostErrorKind.Loop, "This query has already passed through this server."));
        var service = (request.Service ?? "").Trim().ToLowerInvariant();
        var isTest = service == "urn:service:test.sos" || service.StartsWith("urn:service:test.sos.", StringComparison.Ordinal);
        var isSos = service == "urn:service:sos" || service.StartsWith("urn:service:sos.", StringComparison.Ordinal);
        if (!isTest && !isSos)
            return (null, new LostError(LostErrorKind.ServiceNotImplemented, $"This server maps urn:service:sos and urn:service:test.sos, not {request.Service}."));

        // The first location in a profile we understand is used (RFC 5222 §8.3.1).
        var location = request.Locations[0];
        GeoPoint? point = location.Geometry is { } geometry ? Representative(geometry) : null;
        if (point is null && location.Civic is { } civic) point = FindSitePoint(wiremap, civic);

        var expires = now + options.MappingLifetime;
        LostMapping mapping;
        var warnings = new List<LostWarning>();
        if (isTest)
        {
            mapping = Mapping(routing.TestService.Name, routing.TestService.Uri, service, null, "test-service", expires, now, options.Source);
        }
        else if (point is { } p && boundaries.Find(p) is { } psap)
        {
            mapping = Mapping(psap.Name, psap.SipUri, service, options.ServiceNumber, psap.Id, expires, now, options.Source);
        }
        else
        {
            mapping = Mapping(routing.RelayCenter.Name, routing.RelayCenter.Uri, service, options.ServiceNumber, "relay-center", expires, now, options.Source);
            warnings.Add(new LostWarning(LostWarningKind.DefaultMappingReturned, point is null
                ? "The location could not be placed; the emergency call relay centre is returned."
                : "No PSAP boundary covers the location; the emergency call relay centre is returned."));
        }
        return (new FindServiceResponse
        {
            Mappings = [mapping],
            Warnings = warnings,
            Source = options.Source,
            RequestPath = request.Path,
            LocationUsed = location.Id,
        }, null);
    }

    private static LostMapping Mapping(string name, string uri, string service, string? number, string sourceId, DateTimeOffset expires, DateTimeOffset updated, string source) => new()
    {
        DisplayNames = [new LostDisplayName(string.IsNullOrWhiteSpace(name) ? uri : name)],
        Service = service,
        Uris = [uri],
        ServiceNumber = number,
        Expires = expires,
        LastUpdated = updated,
        Source = source,
        SourceId = sourceId,
    };

    /// <summary>A civic-only location is placed at the point of the wiremap site with the same street address.</summary>
    private static GeoPoint? FindSitePoint(WiremapIndex wiremap, CivicAddress civic)
    {
        foreach (var tenant in wiremap.Tenants)
        {
            foreach (var location in tenant.Locations)
            {
                if (location.Point is null) continue;
                var site = location.Civic;
                if (Same(site.Country, civic.Country) && Same(site.A1, civic.A1) && Same(site.A3, civic.A3) &&
                    Same(site.RD, civic.RD) && Same(site.HNO, civic.HNO))
                    return location.Point;
            }
        }
        return null;
    }

    private static bool Same(string? a, string? b) => string.Equals(a?.Trim(), b?.Trim(), StringComparison.OrdinalIgnoreCase);
}
