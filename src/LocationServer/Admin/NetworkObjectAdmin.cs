using System.Security.Cryptography;
using System.Text;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Data.Wiremap;
using LocationServer.Errors;
using LocationServer.Locating.Wiremap;
using static LocationServer.Admin.EndpointDirectoryHttp;
using static LocationServer.Admin.SiteAdmin;
using static LocationServer.Admin.WiremapObjectHttp;

namespace LocationServer.Admin;

/// <summary>
/// Network elements of every kind (off-premises ranges are elements with <c>offPremises: true</c>), DIDs and
/// requesters, one object at a time, with the same paging, entity tags, If-Match and change seam as sites. An element
/// or DID belongs to the site of its target, so site managers see and change those of their sites only; off-premises
/// ranges and requesters belong to the tenant.
/// </summary>
internal static class NetworkObjectAdmin
{
    public static RouteGroupBuilder MapNetworkObjects(this RouteGroupBuilder admin)
    {
        MapElements(admin.MapGroup("/tenants/{tenant}/elements").WithTags("Network elements"));
        MapDids(admin.MapGroup("/tenants/{tenant}/dids").WithTags("DIDs"));
        MapRequesters(admin.MapGroup("/tenants/{tenant}/requesters").WithTags("Requesters"));
        return admin;
    }

    // --- Elements -------------------------------------------------------------------------------------------------

    private static void MapElements(RouteGroupBuilder elements)
    {
        elements.MapGet("", async (string tenant, string? kind, string? value, string? location, string? site, bool? offPremises, int? offset, int? limit,
            HttpContext context, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
        {
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            ElementKind? wanted = null;
            if (kind is not null)
            {
                if (ParseKind(kind) is not { } parsed) return Problems.Invalid($"kind: unknown element kind '{Short(kind)}' (known: {KindNames})");
                wanted = parsed;
            }
            var caller = AdminCaller.From(context.User)!;
            return await ReadAsync(tenant, holder, store, wiremap =>
            {
                var siteOf = SiteOfLocation(wiremap);
                var matching = wiremap.Elements.Where(e =>
                    (wanted is null || e.Kind == wanted) &&
                    (value is null || SameValue(e, value)) &&
                    (location is null || e.LocationId == location) &&
                    (site is null || SiteOf(e, siteOf) == site) &&
                    (offPremises is null || e.OffPremises == offPremises) &&
                    Sees(caller, SiteOf(e, siteOf))).ToList();
                return TypedResults.Ok(new PageResponse<ElementResponse>([.. matching.Skip(start).Take(count).Select(ElementResponse.From)], matching.Count, start, count));
            }, ct).ConfigureAwait(false);
        }).WithAdminAccess(AdminAccess.SiteRead)
            .WithSummary("List the tenant's network elements (a site manager: those of its sites), paged; kind=, value= (any spelling of the identifier), location=, site= and offPremises= filter.")
            .Produces<PageResponse<ElementResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        elements.MapPost("", async (string tenant, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<ElementRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var errors = new List<string>();
            var element = body!.ToElement(errors);
            if (errors.Count > 0) return Problems.Invalid(errors);
            var caller = AdminCaller.From(context.User)!;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<ElementResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                var target = SiteOf(element, SiteOfLocation(wiremap));
                if (!caller.MaySite(wiremap.Tenant.Id, target)) return Task.FromResult(WiremapChange<ElementResponse>.Refuse(WiremapRefusalKind.Forbidden, ForbiddenText(caller, target)));
                if (wiremap.Elements.FirstOrDefault(e => ElementResponse.IdOf(e) == ElementResponse.IdOf(element)) is { } existing)
                    return Task.FromResult(WiremapChange<ElementResponse>.Refuse(WiremapRefusalKind.Conflict, $"/value: {Describe(existing)} is already in the wiremap (id {ElementResponse.IdOf(existing)}); PUT to change it"));
                return Task.FromResult(Save(wiremap, wiremap.Elements.Count, element));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordObject(context, index.Tenant.Id, outcome.Result!.Id);
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result.ETag;
            return TypedResults.Created($"/admin/tenants/{index.Tenant.Id}/elements/{outcome.Result.Id}", outcome.Result);
        }).WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("element.create")
            .WithSummary("Create a network element: kind (bssid, bssidPrefix, chassisPort, chassis, deviceMac, subnet, gatewayMac, publicIp), value, and exactly one of locationId and siteId, or offPremises: true (a range answered notLocatable; tenant admins only).")
            .Accepts<ElementRequest>("application/json").Produces<ElementResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);

        elements.MapGet("/{id}", async (string tenant, string id, HttpContext context, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
        {
            var caller = AdminCaller.From(context.User)!;
            return await ReadAsync(tenant, holder, store, wiremap =>
            {
                var found = wiremap.Elements.FirstOrDefault(e => ElementResponse.IdOf(e) == id);
                if (found is null || !Sees(caller, SiteOf(found, SiteOfLocation(wiremap)))) return Problems.NotFound($"No element '{Short(id)}' in tenant '{wiremap.Tenant.Id}'.");
                var view = ElementResponse.From(found);
                context.Response.Headers.ETag = view.ETag;
                return TypedResults.Ok(view);
            }, ct).ConfigureAwait(false);
        }).WithAdminAccess(AdminAccess.SiteRead)
            .WithSummary("Read one network element by id (as listed), with its ETag.")
            .Produces<ElementResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        elements.MapPut("/{id}", async (string tenant, string id, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<ElementRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var errors = new List<string>();
            var changed = body!.ToElement(errors);
            if (errors.Count > 0) return Problems.Invalid(errors);
            if (ElementResponse.IdOf(changed) != id) return Problems.Invalid("/value: an element's kind and value are its identity and cannot change; delete it and create another");
            var caller = AdminCaller.From(context.User)!;
            ElementResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<ElementResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                var siteOf = SiteOfLocation(wiremap);
                var i = IndexOf(wiremap.Elements, e => ElementResponse.IdOf(e) == id);
                if (i < 0 || !Sees(caller, SiteOf(wiremap.Elements[i], siteOf)))
                    return Task.FromResult(WiremapChange<ElementResponse>.Refuse(WiremapRefusalKind.NotFound, $"No element '{Short(id)}' in tenant '{wiremap.Tenant.Id}'."));
                var current = wiremap.Elements[i];
                before = ElementResponse.From(current);
                if (IfMatch(context.Request, before.ETag) is { } stale) return Task.FromResult(WiremapChange<ElementResponse>.Refuse(stale));
                // Moving an element takes it out of one site and into another: the caller must hold both.
                foreach (var site in new[] { SiteOf(current, siteOf), SiteOf(changed, siteOf) })
                    if (!caller.MaySite(wiremap.Tenant.Id, site)) return Task.FromResult(WiremapChange<ElementResponse>.Refuse(WiremapRefusalKind.Forbidden, ForbiddenText(caller, site)));
                var next = current with { Value = changed.Value, LocationId = changed.LocationId, SiteId = changed.SiteId, OffPremises = changed.OffPremises, Description = changed.Description };
                return Task.FromResult(Save(wiremap, i, next));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Ok(outcome.Result);
        }).WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("element.update")
            .WithSummary("Change an element's target (locationId, siteId or offPremises) and description (If-Match: its ETag; 412 when it changed since); kind and value are its identity.")
            .Accepts<ElementRequest>("application/json").Produces<ElementResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        elements.MapDelete("/{id}", async (string tenant, string id, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var caller = AdminCaller.From(context.User)!;
            ElementResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<bool>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                var siteOf = SiteOfLocation(wiremap);
                var current = wiremap.Elements.FirstOrDefault(e => ElementResponse.IdOf(e) == id);
                if (current is null || !Sees(caller, SiteOf(current, siteOf)))
                    return Task.FromResult(WiremapChange<bool>.Refuse(WiremapRefusalKind.NotFound, $"No element '{Short(id)}' in tenant '{wiremap.Tenant.Id}'."));
                before = ElementResponse.From(current);
                if (IfMatch(context.Request, before.ETag) is { } stale) return Task.FromResult(WiremapChange<bool>.Refuse(stale));
                if (!caller.MaySite(wiremap.Tenant.Id, SiteOf(current, siteOf)))
                    return Task.FromResult(WiremapChange<bool>.Refuse(WiremapRefusalKind.Forbidden, ForbiddenText(caller, SiteOf(current, siteOf))));
                return Task.FromResult(WiremapChange<bool>.Store(wiremap with { Elements = [.. wiremap.Elements.Where(e => e != current)] }, true));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            return TypedResults.NoContent();
        }).WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("element.delete")
            .WithSummary("Delete a network element (If-Match honoured).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
    }

    private static WiremapChange<ElementResponse> Save(TenantWiremap wiremap, int i, NetworkElement element)
    {
        var elements = wiremap.Elements.ToList();
        if (i == elements.Count) elements.Add(element);
        else elements[i] = element;
        var next = wiremap with { Elements = elements };
        var errors = WiremapChangeApplier.Validate(next, $"/elements/{i}");
        return errors.Count > 0 ? WiremapChange<ElementResponse>.Refuse(WiremapRefusalKind.Invalid, [.. errors]) : WiremapChange<ElementResponse>.Store(next, ElementResponse.From(element));
    }

    private static readonly string KindNames = string.Join(", ", Enum.GetValues<ElementKind>().Select(WiremapJson.KindName));

    internal static ElementKind? ParseKind(string? kind)
    {
        foreach (var candidate in Enum.GetValues<ElementKind>())
            if (string.Equals(WiremapJson.KindName(candidate), kind?.Trim(), StringComparison.OrdinalIgnoreCase)) return candidate;
        return null;
    }

    private static bool SameValue(NetworkElement element, string value)
    {
        var normalized = WiremapValidator.NormalizeElementValue(element.Kind, value);
        return normalized is not null
            ? normalized == (WiremapValidator.NormalizeElementValue(element.Kind, element.Value) ?? element.Value)
            : string.Equals(element.Value, value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Location id → its site id (a site id maps to itself, as DIDs may name a site).</summary>
    private static Dictionary<string, string> SiteOfLocation(TenantWiremap wiremap)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var site in wiremap.Sites) map.TryAdd(site.Id, site.Id);
        foreach (var location in wiremap.Locations) map.TryAdd(location.Id, location.SiteId);
        return map;
    }

    private static string? SiteOf(NetworkElement element, Dictionary<string, string> siteOf) =>
        element.SiteId ?? (element.LocationId is { } l && siteOf.TryGetValue(l, out var s) ? s : null);

    private static string ForbiddenText(AdminCaller caller, string? site) =>
        site is null ? $"{caller.Describe()} may not change objects outside a site (off-premises ranges, tenant-wide objects)." : $"{caller.Describe()} may not change site '{Short(site)}'.";

    // --- DIDs -----------------------------------------------------------------------------------------------------

    private static void MapDids(RouteGroupBuilder dids)
    {
        dids.MapGet("", async (string tenant, string? location, string? site, string? user, int? offset, int? limit, HttpContext context, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
        {
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            var caller = AdminCaller.From(context.User)!;
            return await ReadAsync(tenant, holder, store, wiremap =>
            {
                var siteOf = SiteOfLocation(wiremap);
                var matching = wiremap.Dids.Where(d =>
                    (location is null || d.LocationId == location) &&
                    (site is null || siteOf.GetValueOrDefault(d.LocationId) == site) &&
                    Contains(d.User, user) &&
                    Sees(caller, siteOf.GetValueOrDefault(d.LocationId))).ToList();
                return TypedResults.Ok(new PageResponse<DidResponse>([.. matching.Skip(start).Take(count).Select(DidResponse.From)], matching.Count, start, count));
            }, ct).ConfigureAwait(false);
        }).WithAdminAccess(AdminAccess.SiteRead)
            .WithSummary("List the tenant's DIDs (a site manager: those located in its sites), paged; location=, site= and user= (a part of the user name) filter.")
            .Produces<PageResponse<DidResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        dids.MapPost("", async (string tenant, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<DidRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var errors = new List<string>();
            var did = body!.ToDid(null, errors);
            if (errors.Count > 0) return Problems.Invalid(errors);
            var caller = AdminCaller.From(context.User)!;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<DidResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                var site = SiteOfLocation(wiremap).GetValueOrDefault(did.LocationId);
                if (site is not null && !caller.MaySite(wiremap.Tenant.Id, site)) return Task.FromResult(WiremapChange<DidResponse>.Refuse(WiremapRefusalKind.Forbidden, ForbiddenText(caller, site)));
                if (wiremap.Dids.Any(d => DidResponse.Key(d.Number) == DidResponse.Key(did.Number)))
                    return Task.FromResult(WiremapChange<DidResponse>.Refuse(WiremapRefusalKind.Conflict, $"/number: {DidResponse.Key(did.Number)} is already a DID of the tenant; PUT to change it"));
                return Task.FromResult(SaveDid(wiremap, wiremap.Dids.Count, did));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordObject(context, index.Tenant.Id, outcome.Result!.Number);
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result.ETag;
            return TypedResults.Created($"/admin/tenants/{index.Tenant.Id}/dids/{Uri.EscapeDataString(outcome.Result.Number)}", outcome.Result);
        }).WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("did.create")
            .WithSummary("Create a DID: number (E.164), locationId (a location or a site), callbackNumber, heldCapable (false: always located by DID), user.")
            .Accepts<DidRequest>("application/json").Produces<DidResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);

        dids.MapGet("/{number}", async (string tenant, string number, HttpContext context, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
        {
            var caller = AdminCaller.From(context.User)!;
            return await ReadAsync(tenant, holder, store, wiremap =>
            {
                var found = wiremap.Dids.FirstOrDefault(d => DidResponse.Key(d.Number) == DidResponse.Key(number));
                if (found is null || !Sees(caller, SiteOfLocation(wiremap).GetValueOrDefault(found.LocationId))) return Problems.NotFound($"No DID '{Short(number)}' in tenant '{wiremap.Tenant.Id}'.");
                var view = DidResponse.From(found);
                context.Response.Headers.ETag = view.ETag;
                return TypedResults.Ok(view);
            }, ct).ConfigureAwait(false);
        }).WithAdminAccess(AdminAccess.SiteRead)
            .WithSummary("Read one DID (any spelling of the number), with its ETag.")
            .Produces<DidResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        dids.MapPut("/{number}", async (string tenant, string number, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<DidRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var errors = new List<string>();
            var changed = body!.ToDid(number, errors);
            if (errors.Count > 0) return Problems.Invalid(errors);
            var caller = AdminCaller.From(context.User)!;
            DidResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<DidResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                var siteOf = SiteOfLocation(wiremap);
                var i = IndexOf(wiremap.Dids, d => DidResponse.Key(d.Number) == DidResponse.Key(number));
                if (i < 0 || !Sees(caller, siteOf.GetValueOrDefault(wiremap.Dids[i].LocationId)))
                    return Task.FromResult(WiremapChange<DidResponse>.Refuse(WiremapRefusalKind.NotFound, $"No DID '{Short(number)}' in tenant '{wiremap.Tenant.Id}'."));
                var current = wiremap.Dids[i];
                before = DidResponse.From(current);
                if (IfMatch(context.Request, before.ETag) is { } stale) return Task.FromResult(WiremapChange<DidResponse>.Refuse(stale));
                foreach (var site in new[] { siteOf.GetValueOrDefault(current.LocationId), siteOf.GetValueOrDefault(changed.LocationId) })
                    if (site is not null && !caller.MaySite(wiremap.Tenant.Id, site)) return Task.FromResult(WiremapChange<DidResponse>.Refuse(WiremapRefusalKind.Forbidden, ForbiddenText(caller, site)));
                var next = current with { LocationId = changed.LocationId, CallbackNumber = changed.CallbackNumber, HeldCapable = changed.HeldCapable, User = changed.User };
                return Task.FromResult(SaveDid(wiremap, i, next));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Ok(outcome.Result);
        }).WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("did.update")
            .WithSummary("Change a DID's location, callback number, heldCapable and user (If-Match: its ETag; 412 when it changed since).")
            .Accepts<DidRequest>("application/json").Produces<DidResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        dids.MapDelete("/{number}", async (string tenant, string number, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var caller = AdminCaller.From(context.User)!;
            DidResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<bool>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                var site = default(string);
                var current = wiremap.Dids.FirstOrDefault(d => DidResponse.Key(d.Number) == DidResponse.Key(number));
                if (current is not null) site = SiteOfLocation(wiremap).GetValueOrDefault(current.LocationId);
                if (current is null || !Sees(caller, site)) return Task.FromResult(WiremapChange<bool>.Refuse(WiremapRefusalKind.NotFound, $"No DID '{Short(number)}' in tenant '{wiremap.Tenant.Id}'."));
                before = DidResponse.From(current);
                if (IfMatch(context.Request, before.ETag) is { } stale) return Task.FromResult(WiremapChange<bool>.Refuse(stale));
                if (site is not null && !caller.MaySite(wiremap.Tenant.Id, site)) return Task.FromResult(WiremapChange<bool>.Refuse(WiremapRefusalKind.Forbidden, ForbiddenText(caller, site)));
                return Task.FromResult(WiremapChange<bool>.Store(wiremap with { Dids = [.. wiremap.Dids.Where(d => d != current)] }, true));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            return TypedResults.NoContent();
        }).WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("did.delete")
            .WithSummary("Delete a DID (If-Match honoured).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
    }

    private static WiremapChange<DidResponse> SaveDid(TenantWiremap wiremap, int i, DidAssignment did)
    {
        var dids = wiremap.Dids.ToList();
        if (i == dids.Count) dids.Add(did);
        else dids[i] = did;
        var next = wiremap with { Dids = dids };
        var errors = WiremapChangeApplier.Validate(next, $"/dids/{i}");
        return errors.Count > 0 ? WiremapChange<DidResponse>.Refuse(WiremapRefusalKind.Invalid, [.. errors]) : WiremapChange<DidResponse>.Store(next, DidResponse.From(did));
    }

    // --- Requesters -----------------------------------------------------------------------------------------------

    private static void MapRequesters(RouteGroupBuilder requesters)
    {
        requesters.MapGet("", async (string tenant, int? offset, int? limit, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
        {
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            return await ReadAsync(tenant, holder, store, wiremap =>
                TypedResults.Ok(new PageResponse<RequesterResponse>([.. wiremap.Requesters.Skip(start).Take(count).Select(RequesterResponse.From)], wiremap.Requesters.Count, start, count)), ct).ConfigureAwait(false);
        }).WithSummary("List the tenant's requesters (parties allowed identity requests and RouteCall), paged; keys are never returned.")
            .Produces<PageResponse<RequesterResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        requesters.MapPost("", async (string tenant, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<RequesterRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var errors = new List<string>();
            var requester = body!.ToRequester(null, null, errors);
            if (errors.Count > 0) return Problems.Invalid(errors);
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<RequesterResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                if (wiremap.Requesters.Any(r => r.Name == requester.Name))
                    return Task.FromResult(WiremapChange<RequesterResponse>.Refuse(WiremapRefusalKind.Conflict, $"/name: '{Short(requester.Name)}' is already a requester; PUT to change it"));
                return Task.FromResult(SaveRequester(wiremap, wiremap.Requesters.Count, requester));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordAfter(context, outcome.Result);
            AdminAudit.RecordObject(context, index.Tenant.Id, requester.Name);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Created($"/admin/tenants/{index.Tenant.Id}/requesters/{Uri.EscapeDataString(requester.Name)}", outcome.Result);
        }).WithAuditKind("requester.create")
            .WithSummary("Create a requester: name, key (stored only as its SHA-256) or keySha256, sourceCidrs, referenceOnly.")
            .Accepts<RequesterRequest>("application/json").Produces<RequesterResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);

        requesters.MapGet("/{name}", async (string tenant, string name, HttpResponse response, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            await ReadAsync(tenant, holder, store, wiremap =>
            {
                if (wiremap.Requesters.FirstOrDefault(r => r.Name == name) is not { } found) return Problems.NotFound($"No requester '{Short(name)}' in tenant '{wiremap.Tenant.Id}'.");
                var view = RequesterResponse.From(found);
                response.Headers.ETag = view.ETag;
                return TypedResults.Ok(view);
            }, ct).ConfigureAwait(false))
            .WithSummary("Read one requester, with its ETag (never its key).")
            .Produces<RequesterResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        requesters.MapPut("/{name}", async (string tenant, string name, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<RequesterRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            RequesterResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<RequesterResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                var i = IndexOf(wiremap.Requesters, r => r.Name == name);
                if (i < 0) return Task.FromResult(WiremapChange<RequesterResponse>.Refuse(WiremapRefusalKind.NotFound, $"No requester '{Short(name)}' in tenant '{wiremap.Tenant.Id}'."));
                var current = wiremap.Requesters[i];
                before = RequesterResponse.From(current);
                if (IfMatch(context.Request, before.ETag) is { } stale) return Task.FromResult(WiremapChange<RequesterResponse>.Refuse(stale));
                var errors = new List<string>();
                // Without a new key the stored one stays: the key is write-only.
                var changed = body!.ToRequester(name, current.KeySha256, errors);
                if (errors.Count > 0) return Task.FromResult(WiremapChange<RequesterResponse>.Refuse(WiremapRefusalKind.Invalid, [.. errors]));
                return Task.FromResult(SaveRequester(wiremap, i, current with { KeySha256 = changed.KeySha256, SourceCidrs = changed.SourceCidrs, ReferenceOnly = changed.ReferenceOnly }));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Ok(outcome.Result);
        }).WithAuditKind("requester.update")
            .WithSummary("Change a requester's key (absent: the stored one stays), source ranges and referenceOnly (If-Match: its ETag; 412 when it changed since).")
            .Accepts<RequesterRequest>("application/json").Produces<RequesterResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        requesters.MapDelete("/{name}", async (string tenant, string name, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            RequesterResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<bool>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                if (wiremap.Requesters.FirstOrDefault(r => r.Name == name) is not { } current)
                    return Task.FromResult(WiremapChange<bool>.Refuse(WiremapRefusalKind.NotFound, $"No requester '{Short(name)}' in tenant '{wiremap.Tenant.Id}'."));
                before = RequesterResponse.From(current);
                if (IfMatch(context.Request, before.ETag) is { } stale) return Task.FromResult(WiremapChange<bool>.Refuse(stale));
                return Task.FromResult(WiremapChange<bool>.Store(wiremap with { Requesters = [.. wiremap.Requesters.Where(r => r.Name != name)] }, true));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            return TypedResults.NoContent();
        }).WithAuditKind("requester.delete")
            .WithSummary("Delete a requester (If-Match honoured); its key stops authenticating on every replica.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
    }

    private static WiremapChange<RequesterResponse> SaveRequester(TenantWiremap wiremap, int i, Requester requester)
    {
        var requesters = wiremap.Requesters.ToList();
        if (i == requesters.Count) requesters.Add(requester);
        else requesters[i] = requester;
        var next = wiremap with { Requesters = requesters };
        var errors = WiremapChangeApplier.Validate(next, $"/requesters/{i}");
        return errors.Count > 0 ? WiremapChange<RequesterResponse>.Refuse(WiremapRefusalKind.Invalid, [.. errors]) : WiremapChange<RequesterResponse>.Store(next, RequesterResponse.From(requester));
    }
}

/// <summary>A network element as written (docs/wiremap-format.md#elements).</summary>
/// <param name="Kind">bssid, bssidPrefix, chassisPort, chassis, deviceMac, subnet, gatewayMac or publicIp.</param>
/// <param name="Value">The identifier in any accepted spelling; with the kind, the element's identity.</param>
/// <param name="OffPremises">True for a range answered notLocatable (VPN pools, NAT); then neither target is given.</param>
internal sealed record ElementRequest(string? Kind, string? Value, string? LocationId, string? SiteId, bool? OffPremises, string? Description)
{
    public NetworkElement ToElement(List<string> errors)
    {
        var kind = NetworkObjectAdmin.ParseKind(Kind);
        if (Kind is null) errors.Add("/kind: is required");
        else if (kind is null) errors.Add($"/kind: unknown element kind '{EndpointDirectoryHttp.Short(Kind)}'");
        if (string.IsNullOrWhiteSpace(Value)) errors.Add("/value: is required");
        else if (kind is { } k && WiremapValidator.NormalizeElementValue(k, Value) is null) errors.Add($"/value: '{EndpointDirectoryHttp.Short(Value)}' does not parse as a {WiremapJson.KindName(k)} value");
        return new NetworkElement(kind ?? ElementKind.Bssid, Value?.Trim() ?? "", WiremapObjectHttp.Text(LocationId), WiremapObjectHttp.Text(SiteId), OffPremises ?? false, WiremapObjectHttp.Text(Description));
    }
}

/// <summary>A network element as stored.</summary>
/// <param name="Id">Stable id of the element: derived from its kind and normalised value.</param>
/// <param name="NormalizedValue">The canonical spelling the index matches on.</param>
/// <param name="ETag">The element's strong entity tag (from its content), for If-Match.</param>
internal sealed record ElementResponse(string Id, string Kind, string Value, string NormalizedValue, string? LocationId, string? SiteId, bool OffPremises, string? Description, string ETag)
{
    public static ElementResponse From(NetworkElement element) => new(IdOf(element), WiremapJson.KindName(element.Kind), element.Value,
        Normalized(element), element.LocationId, element.SiteId, element.OffPremises, element.Description, WiremapObjectHttp.ETag(element));

    /// <summary>The element's id: 16 hex digits of the SHA-256 of its kind and normalised value, so any spelling of one element has one id.</summary>
    public static string IdOf(NetworkElement element) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(WiremapJson.KindName(element.Kind) + "\n" + Normalized(element))).AsSpan(0, 8));

    private static string Normalized(NetworkElement element) => WiremapValidator.NormalizeElementValue(element.Kind, element.Value) ?? element.Value;
}

/// <summary>A DID as written.</summary>
/// <param name="Number">E.164 (other spellings of a full number are normalised for lookups); on PUT absent or the number in the URL.</param>
/// <param name="LocationId">A location or a site where the number's user normally sits.</param>
/// <param name="HeldCapable">False for devices that never speak HELD (default true).</param>
internal sealed record DidRequest(string? Number, string? LocationId, string? CallbackNumber, bool? HeldCapable, string? User)
{
    public DidAssignment ToDid(string? routeNumber, List<string> errors)
    {
        if (routeNumber is not null && Number is not null && DidResponse.Key(Number) != DidResponse.Key(routeNumber))
            errors.Add($"/number: '{EndpointDirectoryHttp.Short(Number)}' differs from the number in the URL; delete the DID and create another");
        var number = routeNumber ?? Number;
        if (string.IsNullOrWhiteSpace(number)) errors.Add("/number: is required");
        if (string.IsNullOrWhiteSpace(LocationId)) errors.Add("/locationId: is required");
        return new DidAssignment(number?.Trim() ?? "", LocationId?.Trim() ?? "", WiremapObjectHttp.Text(CallbackNumber), HeldCapable ?? true, WiremapObjectHttp.Text(User));
    }
}

/// <summary>A DID as stored.</summary>
/// <param name="ETag">The DID's strong entity tag (from its content), for If-Match.</param>
internal sealed record DidResponse(string Number, string LocationId, string? CallbackNumber, bool HeldCapable, string? User, string ETag)
{
    public static DidResponse From(DidAssignment did) => new(did.Number, did.LocationId, did.CallbackNumber, did.HeldCapable, did.User, WiremapObjectHttp.ETag(did));

    /// <summary>The number as lookups compare it (E.164 when it normalises).</summary>
    public static string Key(string number) => PhoneNumber.Normalize(number) ?? number.Trim();
}

/// <summary>A requester as written.</summary>
/// <param name="Name">Required on create; on PUT absent or the name in the URL.</param>
/// <param name="Key">The API key in clear; only its SHA-256 is stored and it is never returned.</param>
/// <param name="KeySha256">Alternatively the key's hex SHA-256.</param>
/// <param name="SourceCidrs">Source address ranges the requester connects from.</param>
/// <param name="ReferenceOnly">Answer by reference only (RFC 6753).</param>
internal sealed record RequesterRequest(string? Name, string? Key, string? KeySha256, IReadOnlyList<string>? SourceCidrs, bool? ReferenceOnly)
{
    public Requester ToRequester(string? routeName, string? storedKey, List<string> errors)
    {
        if (routeName is not null && Name is not null && Name != routeName) errors.Add($"/name: '{EndpointDirectoryHttp.Short(Name)}' differs from the name in the URL; a requester's name cannot change");
        var name = routeName ?? Name;
        if (string.IsNullOrWhiteSpace(name)) errors.Add("/name: is required");
        if (Key is not null && KeySha256 is not null) errors.Add("/key: give key or keySha256, not both");
        if (Key is not null && Key.Length < 16) errors.Add("/key: at least 16 characters");
        var hash = Key is not null ? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key))) : KeySha256?.Trim().ToLowerInvariant() ?? storedKey;
        var cidrs = SourceCidrs?.Select(c => c?.Trim() ?? "").ToList();
        return new Requester(name ?? "", hash, cidrs is { Count: > 0 } ? cidrs : null, ReferenceOnly ?? false);
    }
}

/// <summary>A requester as stored; the key is never returned.</summary>
/// <param name="HasKey">Whether a key authenticates it.</param>
/// <param name="ETag">The requester's strong entity tag (from its content, including the key's hash), for If-Match.</param>
internal sealed record RequesterResponse(string Name, bool HasKey, IReadOnlyList<string> SourceCidrs, bool ReferenceOnly, string ETag)
{
    public static RequesterResponse From(Requester requester) =>
        new(requester.Name, requester.KeySha256 is not null, requester.SourceCidrs ?? [], requester.ReferenceOnly, WiremapObjectHttp.ETag(requester));
}
