using System.Text;
using System.Text.Json;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using LocationServer.Data.Storage;
using LocationServer.Errors;
using LocationServer.Routing;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using NetTopologySuite.IO.Converters;
using static LocationServer.Admin.EndpointDirectoryHttp;

namespace LocationServer.Admin;

/// <summary>
/// PSAP service boundaries in the database (system role): paged listing, create, read, update and delete, the geometry
/// in and out as GeoJSON (RFC 7946) read and validated as the boundary file is. Every change bumps the stored boundary
/// version and is announced, so RouteCall and LoST on every replica route by it within a second.
/// </summary>
internal static class PsapBoundaryAdmin
{
    private static readonly JsonSerializerOptions GeoJson = new() { Converters = { new GeoJsonConverterFactory() } };

    public static RouteGroupBuilder MapPsapBoundaries(this RouteGroupBuilder admin)
    {
        var boundaries = admin.MapGroup("/psap-boundaries").WithTags("PSAP boundaries");

        boundaries.MapGet("", async (string? tenant, string? name, int? offset, int? limit, PsapBoundaryStore store, CancellationToken ct) =>
        {
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            return await EmergencyEndpointAdmin.Guarded(async () =>
            {
                var (all, _) = await store.LoadAllAsync(ct).ConfigureAwait(false);
                var matching = all.Where(b => (tenant is null || b.TenantId == tenant) && SiteAdmin.Contains(b.Name, name)).ToList();
                return TypedResults.Ok(new PageResponse<PsapBoundaryResponse>([.. matching.Skip(start).Take(count).Select(PsapBoundaryResponse.From)], matching.Count, start, count));
            }).ConfigureAwait(false);
        }).WithSummary("List the stored PSAP boundaries by id, paged; tenant= (an owning tenant) and name= (a part of the PSAP name) filter.")
            .Produces<PageResponse<PsapBoundaryResponse>>().ProducesProblem(StatusCodes.Status400BadRequest);

        boundaries.MapPost("", async (HttpContext context, WiremapIndexHolder holder, PsapBoundaryStore store, PsapBoundaryStoreLoader loader, CancellationToken ct) =>
        {
            var (body, problem) = await AdminJson.ReadAsync<PsapBoundaryRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var (record, errors) = body!.ToRecord(null, holder);
            if (record is null) return Problems.Invalid(errors);
            return await EmergencyEndpointAdmin.Guarded(async () =>
            {
                var (_, decision, _) = await store.WriteAsync(record.Id, current => new PsapBoundaryDecision(current is null, record), ct).ConfigureAwait(false);
                if (!decision.Write)
                    return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The PSAP boundary exists already; nothing was changed.",
                        extensions: new Dictionary<string, object?> { ["errors"] = new[] { $"/id: '{Short(record.Id)}' is already a boundary; PUT to change it" } });
                await loader.ReloadAsync(ct).ConfigureAwait(false);
                var view = PsapBoundaryResponse.From(record);
                AdminAudit.RecordObject(context, record.TenantId, record.Id);
                AdminAudit.RecordAfter(context, Summary(record));
                context.Response.Headers.ETag = view.ETag;
                return TypedResults.Created($"/admin/psap-boundaries/{Uri.EscapeDataString(record.Id)}", view);
            }).ConfigureAwait(false);
        }).WithAuditKind("psap-boundary.create")
            .WithSummary("Create a PSAP boundary: id, name, uri (sip: or sips:), tenant (absent: shared by every tenant) and a GeoJSON Polygon or MultiPolygon geometry (WGS 84, longitude first), validated as the boundary file is.")
            .Accepts<PsapBoundaryRequest>("application/json").Produces<PsapBoundaryResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);

        boundaries.MapGet("/{id}", async (string id, HttpResponse response, PsapBoundaryStore store, CancellationToken ct) =>
            await EmergencyEndpointAdmin.Guarded(async () =>
            {
                var (all, _) = await store.LoadAllAsync(ct).ConfigureAwait(false);
                if (all.FirstOrDefault(b => b.Id == id) is not { } found) return Problems.NotFound($"No PSAP boundary '{Short(id)}'.");
                var view = PsapBoundaryResponse.From(found);
                response.Headers.ETag = view.ETag;
                return TypedResults.Ok(view);
            }).ConfigureAwait(false))
            .WithSummary("Read one PSAP boundary with its GeoJSON geometry and ETag.")
            .Produces<PsapBoundaryResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        boundaries.MapPut("/{id}", async (string id, HttpContext context, WiremapIndexHolder holder, PsapBoundaryStore store, PsapBoundaryStoreLoader loader, CancellationToken ct) =>
        {
            var (body, problem) = await AdminJson.ReadAsync<PsapBoundaryRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var (record, errors) = body!.ToRecord(id, holder);
            if (record is null) return Problems.Invalid(errors);
            return await EmergencyEndpointAdmin.Guarded(async () =>
            {
                string? stale = null;
                var (before, decision, _) = await store.WriteAsync(id, current =>
                {
                    if (current is null) return new PsapBoundaryDecision(false, null);
                    var tag = WiremapObjectHttp.ETag(current);
                    if (WiremapObjectHttp.IfMatch(context.Request, tag) is not null)
                    {
                        stale = tag;
                        return new PsapBoundaryDecision(false, null);
                    }
                    return new PsapBoundaryDecision(true, record);
                }, ct).ConfigureAwait(false);
                if (before is null) return Problems.NotFound($"No PSAP boundary '{Short(id)}'.");
                if (stale is not null) return PreconditionFailed(context.Response, stale);
                await loader.ReloadAsync(ct).ConfigureAwait(false);
                AdminAudit.RecordObject(context, record.TenantId, id);
                AdminAudit.RecordBefore(context, Summary(before));
                AdminAudit.RecordAfter(context, Summary(record));
                var view = PsapBoundaryResponse.From(record);
                context.Response.Headers.ETag = view.ETag;
                return TypedResults.Ok(view);
            }).ConfigureAwait(false);
        }).WithAuditKind("psap-boundary.update")
            .WithSummary("Replace a PSAP boundary's name, uri, tenant and geometry (If-Match: its ETag; 412 when it changed since).")
            .Accepts<PsapBoundaryRequest>("application/json").Produces<PsapBoundaryResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        boundaries.MapDelete("/{id}", async (string id, HttpContext context, PsapBoundaryStore store, PsapBoundaryStoreLoader loader, CancellationToken ct) =>
            await EmergencyEndpointAdmin.Guarded(async () =>
            {
                string? stale = null;
                var (before, _, _) = await store.WriteAsync(id, current =>
                {
                    if (current is null) return new PsapBoundaryDecision(false, null);
                    var tag = WiremapObjectHttp.ETag(current);
                    if (WiremapObjectHttp.IfMatch(context.Request, tag) is not null)
                    {
                        stale = tag;
                        return new PsapBoundaryDecision(false, null);
                    }
                    return new PsapBoundaryDecision(true, null);
                }, ct).ConfigureAwait(false);
                if (before is null) return Problems.NotFound($"No PSAP boundary '{Short(id)}'.");
                if (stale is not null) return PreconditionFailed(context.Response, stale);
                await loader.ReloadAsync(ct).ConfigureAwait(false);
                AdminAudit.RecordObject(context, before.TenantId, id);
                AdminAudit.RecordBefore(context, Summary(before));
                return TypedResults.NoContent();
            }).ConfigureAwait(false))
            .WithAuditKind("psap-boundary.delete")
            .WithSummary("Delete a PSAP boundary (If-Match honoured); calls inside it go to the next boundary that covers them, or the relay centre.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        return admin;
    }

    private static IResult PreconditionFailed(HttpResponse response, string current)
    {
        response.Headers.ETag = current;
        return Results.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "The object changed since it was read (If-Match); nothing was changed.",
            detail: $"Its current ETag is {current}: read it again and retry.");
    }

    /// <summary>What the audit trail keeps of a boundary: not the polygon, its size.</summary>
    private static object Summary(PsapBoundaryRecord record) => new { id = record.Id, tenant = record.TenantId, name = record.Name, uri = record.SipUri, wktLength = record.Wkt.Length };

    /// <summary>The geometry as a GeoJSON object.</summary>
    internal static JsonElement GeometryJson(string wkt)
    {
        var geometry = new WKTReader().Read(wkt);
        return JsonSerializer.SerializeToElement<Geometry>(geometry, GeoJson);
    }
}

/// <summary>A PSAP boundary as written.</summary>
/// <param name="Id">Required on create; on PUT absent or the id in the URL.</param>
/// <param name="Tenant">The owning tenant; absent for a boundary every tenant shares.</param>
/// <param name="Name">PSAP name, e.g. "Austin-Travis County 9-1-1".</param>
/// <param name="Uri">Where calls for this PSAP go: a sip: or sips: URI.</param>
/// <param name="Geometry">A GeoJSON Polygon or MultiPolygon (RFC 7946, WGS 84, [longitude, latitude]).</param>
internal sealed record PsapBoundaryRequest(string? Id, string? Tenant, string? Name, string? Uri, JsonElement? Geometry)
{
    public (PsapBoundaryRecord? Record, IReadOnlyList<string> Errors) ToRecord(string? routeId, WiremapIndexHolder holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        var errors = new List<string>();
        if (routeId is not null && Id is not null && Id != routeId) errors.Add($"/id: '{Short(Id)}' differs from the id in the URL; a boundary's id cannot change");
        var id = routeId ?? Id;
        string? tenant = null;
        if (Tenant is not null)
        {
            if (holder.Current.TryGetTenant(Tenant, out var index)) tenant = index.Tenant.Id;
            else errors.Add($"/tenant: no tenant '{Short(Tenant)}'");
        }
        if (Geometry is not { ValueKind: JsonValueKind.Object } geometry)
        {
            errors.Add("/geometry: is required (a GeoJSON Polygon or MultiPolygon)");
            return (null, errors);
        }
        // The boundary file's reader and rules, on a one-feature document.
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "Feature");
            writer.WriteStartObject("properties");
            if (id is not null) writer.WriteString("id", id);
            if (Name is not null) writer.WriteString("name", Name);
            if (Uri is not null) writer.WriteString("uri", Uri);
            writer.WriteEndObject();
            writer.WritePropertyName("geometry");
            geometry.WriteTo(writer);
            writer.WriteEndObject();
        }
        var result = PsapBoundaryImport.FromGeoJson(Encoding.UTF8.GetString(buffer.ToArray()), tenant);
        foreach (var error in result.Errors)
        {
            var message = error.Message;
            errors.Add(message.Contains("\"id\"", StringComparison.Ordinal) ? "/id: is required"
                : message.Contains("\"name\"", StringComparison.Ordinal) ? "/name: is required"
                : message.Contains("\"uri\"", StringComparison.Ordinal) ? "/uri: " + message
                : "/geometry: " + message);
        }
        if (errors.Count > 0 || result.Boundaries.Count != 1) return (null, errors);
        return (PsapBoundaryStoreLoader.ToRecord(result.Boundaries[0]), errors);
    }
}

/// <summary>A stored PSAP boundary.</summary>
/// <param name="Tenant">The owning tenant; null for a boundary every tenant shares.</param>
/// <param name="Geometry">GeoJSON Polygon or MultiPolygon.</param>
/// <param name="ETag">The boundary's strong entity tag (from its content), for If-Match.</param>
internal sealed record PsapBoundaryResponse(string Id, string? Tenant, string Name, string Uri, JsonElement Geometry, string ETag)
{
    public static PsapBoundaryResponse From(PsapBoundaryRecord record) =>
        new(record.Id, record.TenantId, record.Name, record.SipUri, PsapBoundaryAdmin.GeometryJson(record.Wkt), WiremapObjectHttp.ETag(record));
}
