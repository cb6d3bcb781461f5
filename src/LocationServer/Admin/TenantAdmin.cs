using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Errors;
using LocationServer.Locating.Wiremap;
using static LocationServer.Admin.EndpointDirectoryHttp;
using static LocationServer.Admin.WiremapObjectHttp;

namespace LocationServer.Admin;

/// <summary>
/// Tenants one at a time: a system administrator creates and deletes them; a tenant admin reads and changes its
/// tenant's display name and settings (company UUID, DID fallback, callback number). The listing is
/// <c>GET /admin/tenants</c> (<see cref="AdminEndpoints"/>).
/// </summary>
internal static class TenantAdmin
{
    public static RouteGroupBuilder MapTenants(this RouteGroupBuilder admin)
    {
        var tenants = admin.MapGroup("/tenants").WithTags("Tenants");

        tenants.MapPost("", async (HttpContext context, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            var (body, problem) = await AdminJson.ReadAsync<TenantRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            if (string.IsNullOrWhiteSpace(body!.Id)) return Problems.Invalid("/id: is required");
            var id = body.Id.Trim();
            var outcome = await changes.ApplyAsync(id, (wiremap, _) =>
            {
                if (wiremap is not null) return Task.FromResult(WiremapChange<TenantResponse>.Refuse(WiremapRefusalKind.Conflict, $"/id: tenant '{Short(id)}' exists already; PUT to change it"));
                var created = new TenantWiremap(body.ToTenant(id), [], [], [], [], []);
                return Task.FromResult(Save(created));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordObject(context, id, id);
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Created($"/admin/tenants/{Uri.EscapeDataString(id)}", outcome.Result);
        }).WithAdminAccess(AdminAccess.SystemWrite).WithAuditKind("tenant.create")
            .WithSummary("Create an empty tenant: id ([a-z0-9-]{1,64}), name, companyUuid, didFallback, callbackNumber (system only).")
            .Accepts<TenantRequest>("application/json").Produces<TenantResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);

        tenants.MapGet("/{tenant}", async (string tenant, HttpResponse response, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            await SiteAdmin.ReadAsync(tenant, holder, store, wiremap =>
            {
                var view = TenantResponse.From(wiremap);
                response.Headers.ETag = view.ETag;
                return TypedResults.Ok(view);
            }, ct).ConfigureAwait(false))
            .WithSummary("Read a tenant's display name and settings with the number of objects of each kind, and its ETag.")
            .Produces<TenantResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        tenants.MapPut("/{tenant}", async (string tenant, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<TenantRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            if (body!.Id is not null && body.Id != index.Tenant.Id) return Problems.Invalid($"/id: '{Short(body.Id)}' differs from the tenant in the URL; a tenant's id cannot change");
            TenantResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<TenantResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                before = TenantResponse.From(wiremap);
                if (IfMatch(context.Request, before.ETag) is { } stale) return Task.FromResult(WiremapChange<TenantResponse>.Refuse(stale));
                var changed = body.ToTenant(wiremap.Tenant.Id);
                var next = wiremap.Tenant with { Name = changed.Name, CompanyUuid = changed.CompanyUuid, DidFallback = changed.DidFallback, CallbackNumber = changed.CallbackNumber };
                return Task.FromResult(Save(wiremap with { Tenant = next }));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Ok(outcome.Result);
        }).WithAuditKind("tenant.update")
            .WithSummary("Change the tenant's display name, company UUID, DID fallback and callback number (If-Match: its ETag; 412 when it changed since).")
            .Accepts<TenantRequest>("application/json").Produces<TenantResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        tenants.MapDelete("/{tenant}", async (string tenant, bool? cascade, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            var id = holder.Current.TryGetTenant(tenant, out var index) ? index.Tenant.Id : tenant;
            TenantResponse? before = null;
            var outcome = await changes.DeleteTenantAsync(id, wiremap =>
            {
                before = TenantResponse.From(wiremap);
                if (IfMatch(context.Request, before.ETag) is { } stale) return stale;
                var objects = wiremap.Sites.Count + wiremap.Locations.Count + wiremap.Elements.Count + wiremap.Dids.Count + wiremap.Requesters.Count;
                return cascade != true && objects > 0
                    ? new WiremapRefusal(WiremapRefusalKind.Conflict, [$"tenant '{id}' still has {wiremap.Sites.Count} site(s), {wiremap.Locations.Count} location(s), {wiremap.Elements.Count} element(s), {wiremap.Dids.Count} DID(s) and {wiremap.Requesters.Count} requester(s); delete them first, or delete with ?cascade=true"])
                    : null;
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordObject(context, id, id);
            AdminAudit.RecordBefore(context, before);
            return TypedResults.NoContent();
        }).WithAdminAccess(AdminAccess.SystemWrite).WithAuditKind("tenant.delete")
            .WithSummary("Delete a tenant (system only; If-Match honoured). A tenant with sites, locations, elements, DIDs or requesters is refused with 409 unless ?cascade=true; call records stay.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        return admin;
    }

    private static WiremapChange<TenantResponse> Save(TenantWiremap wiremap)
    {
        var errors = WiremapChangeApplier.Validate(wiremap, "/tenant");
        return errors.Count > 0 ? WiremapChange<TenantResponse>.Refuse(WiremapRefusalKind.Invalid, [.. errors]) : WiremapChange<TenantResponse>.Store(wiremap, TenantResponse.From(wiremap));
    }
}

/// <summary>A tenant's display name and settings as written.</summary>
/// <param name="Id">Required on create ([a-z0-9-]{1,64}); on PUT absent or the tenant in the URL.</param>
/// <param name="CompanyUuid">The "Company UUID" Cisco MPP phones are provisioned with.</param>
/// <param name="DidFallback">Locate HELD devices by DID when nothing else matches (default false).</param>
/// <param name="CallbackNumber">Tenant-wide emergency callback number.</param>
internal sealed record TenantRequest(string? Id, string? Name, Guid? CompanyUuid, bool? DidFallback, string? CallbackNumber)
{
    public Tenant ToTenant(string id) => new(id, Name?.Trim() ?? "", CompanyUuid, DidFallback ?? false, WiremapObjectHttp.Text(CallbackNumber));
}

/// <summary>A tenant as stored, with the number of objects of each kind.</summary>
/// <param name="ETag">The strong entity tag of the tenant's name and settings (not of its objects), for If-Match.</param>
internal sealed record TenantResponse(string Id, string Name, Guid? CompanyUuid, bool DidFallback, string? CallbackNumber,
    int Sites, int Locations, int Elements, int Dids, int Requesters, string ETag)
{
    public static TenantResponse From(TenantWiremap wiremap) => new(wiremap.Tenant.Id, wiremap.Tenant.Name, wiremap.Tenant.CompanyUuid, wiremap.Tenant.DidFallback,
        wiremap.Tenant.CallbackNumber, wiremap.Sites.Count, wiremap.Locations.Count, wiremap.Elements.Count, wiremap.Dids.Count, wiremap.Requesters.Count,
        WiremapObjectHttp.ETag(wiremap.Tenant));
}
