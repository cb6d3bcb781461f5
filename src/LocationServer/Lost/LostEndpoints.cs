using System.Buffers;
using LocationServer.Core.Gis;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Lost;
using LocationServer.Locating.Configuration;
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
/// LoST <c>findService</c> (RFC 5222) on <c>POST /lost</c> over the same PSAP boundaries as call routing and the
/// authority's GIS data: geodetic locations by point-in-polygon (a circle's centre, a polygon's centre); civic
/// locations geocoded against the GIS data (address point, else the centerline range), else placed at the wiremap site
/// with that street address, else inside the A3/A2/A1 polygon their names pick. <c>urn:service:sos</c> maps to the
/// configured PSAP boundary, else the GIS PsapPolygon; <c>sos.police</c>, <c>sos.fire</c> and <c>sos.ambulance</c>
/// map to the GIS responder polygon first. Without a boundary the relay centre is returned with a
/// <c>defaultMappingReturned</c> warning; <c>urn:service:test.sos</c> maps to the test service. With
/// <c>validateLocation="true"</c> a civic location is validated (the LVF) and the answer carries
/// <c>locationValidation</c> (§8.4.2). Every answer, errors included, is a 200 with <c>application/lost+xml</c>, and
/// every mapping has a displayName.
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
        PsapBoundaryIndexHolder boundaries, WiremapIndexHolder wiremap, GisIndexHolder gis, TimeProvider time)
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
            var answer = Answer(parsed.Request, options, routingOptions.CurrentValue, boundaries.Current, wiremap.Current, gis.Current, time.GetUtcNow());
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
        FindServiceRequest request, LostOptions options, RoutingOptions routing, PsapBoundaryIndex boundaries, WiremapIndex wiremap, GisIndex gis, DateTimeOffset now)
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
        LostLocationValidation? validation = null;
        ServiceArea? covering = null;
        if (location.Civic is { } civic)
        {
            var check = gis.Validate(civic);
            if (request.ValidateLocation)
                validation = new LostLocationValidation([.. AddressCheck.Names(check.Valid)], [.. AddressCheck.Names(check.Invalid)], [.. check.UncheckedNames(civic)]);
            point ??= check.Point ?? FindSitePoint(wiremap, civic);
            if (point is null && !isTest) covering = FindCoveringArea(gis, civic, ResponderKind(service)) ?? FindCoveringArea(gis, civic, ServiceAreaKind.Psap);
        }

        // Where the location is one of a tenant's sites, that site's emergency policy names the number (999 in the UK),
        // the test service and the relay centre, as RouteCall uses them for a call from there.
        var policy = location.Civic is { } siteCivic ? FindSitePolicy(wiremap, siteCivic) : null;
        var serviceNumber = policy?.ServiceNumber ?? options.ServiceNumber;
        var expires = now + options.MappingLifetime;
        LostMapping mapping;
        var warnings = new List<LostWarning>();
        if (isTest)
        {
            mapping = Mapping(routing.TestService.Name, policy?.TestServiceUri.Value ?? routing.TestService.Uri, service, null, "test-service", expires, now, options.Source);
        }
        else if (point is { } r && ResponderKind(service) is { } kind && gis.FindArea(kind, r) is { Uri: { } responderUri } responder)
        {
            mapping = Mapping(responder.Name, responderUri, service, serviceNumber, responder.Id, expires, now, options.Source);
        }
        else if (point is { } p && boundaries.Find(p) is { } psap)
        {
            mapping = Mapping(psap.Name, psap.SipUri, service, serviceNumber, psap.Id, expires, now, options.Source);
        }
        else if ((point is { } g ? gis.FindArea(ServiceAreaKind.Psap, g) : covering) is { Uri: { } psapUri } gisPsap)
        {
            mapping = Mapping(gisPsap.Name, psapUri, service, serviceNumber, gisPsap.Id, expires, now, options.Source);
        }
        else
        {
            mapping = Mapping(routing.RelayCenter.Name, policy?.RelayCenterUri.Value ?? routing.RelayCenter.Uri, service, serviceNumber, "relay-center", expires, now, options.Source);
            warnings.Add(new LostWarning(LostWarningKind.DefaultMappingReturned, point is null
                ? "The location could not be placed; the emergency call relay centre is returned."
                : "No PSAP boundary covers the location; the emergency call relay centre is returned."));
        }
        return (new FindServiceResponse
        {
            Mappings = [mapping],
            LocationValidation = validation,
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

    /// <summary>The emergency policy in force at the wiremap site or location with this street address, if a policy applies there.</summary>
    private static EffectivePolicy? FindSitePolicy(WiremapIndex wiremap, CivicAddress civic)
    {
        foreach (var tenant in wiremap.Tenants)
        {
            if (ReferenceEquals(tenant.Policies, PolicyIndex.Empty)) continue;
            foreach (var location in tenant.Locations)
            {
                var site = location.Civic;
                if (Same(site.Country, civic.Country) && Same(site.A1, civic.A1) && Same(site.A3, civic.A3) &&
                    Same(site.RD, civic.RD) && Same(site.HNO, civic.HNO))
                    return tenant.Policies.Resolve(location.SiteId, null);
            }
        }
        return null;
    }

    /// <summary>The GIS responder layer for a service URN (RFC 5031 §4.2), or null for urn:service:sos itself.</summary>
    private static ServiceAreaKind? ResponderKind(string service) => service switch
    {
        _ when service.StartsWith("urn:service:sos.police", StringComparison.Ordinal) => ServiceAreaKind.Police,
        _ when service.StartsWith("urn:service:sos.fire", StringComparison.Ordinal) => ServiceAreaKind.Fire,
        _ when service.StartsWith("urn:service:sos.ambulance", StringComparison.Ordinal) => ServiceAreaKind.Ems,
        _ => null,
    };

    /// <summary>
    /// A civic location the data cannot place is mapped by the administrative areas its names pick: the boundary of
    /// <paramref name="kind"/> covering the whole A3 (municipality) polygon, else the whole A2 (county), else A1.
    /// </summary>
    private static ServiceArea? FindCoveringArea(GisIndex gis, CivicAddress civic, ServiceAreaKind? kind)
    {
        if (kind is not { } wanted || gis.AreaCount == 0) return null;
        foreach (var (level, name) in (ReadOnlySpan<(ServiceAreaKind, string?)>)[(ServiceAreaKind.A3, civic.A3), (ServiceAreaKind.A2, civic.A2), (ServiceAreaKind.A1, civic.A1)])
        {
            if (string.IsNullOrWhiteSpace(name) || gis.FindAreaByName(level, civic.A1, name) is not { } area) continue;
            if (gis.FindCovering(wanted, area) is { Uri: not null } covering) return covering;
        }
        return null;
    }

    private static bool Same(string? a, string? b) => string.Equals(a?.Trim(), b?.Trim(), StringComparison.OrdinalIgnoreCase);
}
