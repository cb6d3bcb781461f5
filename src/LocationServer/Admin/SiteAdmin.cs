using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Errors;
using LocationServer.Locating.Gis;
using LocationServer.Locating.Wiremap;
using static LocationServer.Admin.EndpointDirectoryHttp;
using static LocationServer.Admin.WiremapObjectHttp;

namespace LocationServer.Admin;

/// <summary>
/// Sites and their dispatchable locations, one object at a time: paged and filtered listings, create, read, update
/// and delete with content entity tags and If-Match. Every write goes through <see cref="WiremapChangeApplier"/>
/// (validated with the whole tenant, stored with a version check, live on every replica within a second); a site's
/// address is checked against the GIS data like a whole-tenant import. Site managers see and change only their sites.
/// </summary>
internal static class SiteAdmin
{
    /// <summary>How many referring objects a refused delete names before it counts the rest.</summary>
    public const int MaxNamed = 20;

    public static RouteGroupBuilder MapSitesAndLocations(this RouteGroupBuilder admin)
    {
        var sites = admin.MapGroup("/tenants/{tenant}/sites").WithTags("Sites and locations");

        sites.MapGet("", async (string tenant, string? name, string? city, int? offset, int? limit, HttpContext context, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
        {
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            var caller = AdminCaller.From(context.User)!;
            return await ReadAsync(tenant, holder, store, wiremap =>
            {
                var matching = wiremap.Sites.Where(s => Sees(caller, s.Id) && Contains(s.Name, name) && Contains(s.Address.A3, city)).ToList();
                return TypedResults.Ok(new PageResponse<SiteResponse>([.. matching.Skip(start).Take(count).Select(s => SiteResponse.From(s))], matching.Count, start, count));
            }, ct).ConfigureAwait(false);
        }).WithAdminAccess(AdminAccess.SiteRead)
            .WithSummary("List the tenant's sites (a site manager: its own), paged; name= and city= filter by a part of the name or city (A3), ignoring case.")
            .Produces<PageResponse<SiteResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        sites.MapPost("", async (string tenant, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, IServiceProvider services, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<SiteRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var errors = new List<string>();
            var site = body!.ToSite(null, errors);
            if (errors.Count > 0) return Problems.Invalid(errors);
            var caller = AdminCaller.From(context.User)!;
            if (!caller.MaySite(index.Tenant.Id, site.Id)) return Forbidden(caller, site.Id);
            var outcome = await changes.ApplyAsync(index.Tenant.Id, async (wiremap, token) =>
            {
                if (wiremap is null) return WiremapChange<SiteResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'.");
                if (IdTaken(wiremap, site.Id) is { } taken) return WiremapChange<SiteResponse>.Refuse(WiremapRefusalKind.Conflict, taken);
                return await SaveSiteAsync(wiremap, wiremap.Sites.Count, site, services, token).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordAfter(context, outcome.Result);
            AdminAudit.RecordObject(context, index.Tenant.Id, site.Id);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Created($"/admin/tenants/{index.Tenant.Id}/sites/{Uri.EscapeDataString(site.Id)}", outcome.Result);
        }).WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("site.create")
            .WithSummary("Create a site: id, name, civic address (RFC 5139 element names; validated as in an import and checked against the GIS data), point (geocoded when absent and the GIS data has it), callback number.")
            .Accepts<SiteRequest>("application/json").Produces<SiteResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        sites.MapGet("/{site}", async (string tenant, string site, HttpResponse response, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            await ReadAsync(tenant, holder, store, wiremap =>
            {
                if (wiremap.Sites.FirstOrDefault(s => s.Id == site) is not { } found) return NoSite(wiremap, site);
                var view = SiteResponse.From(found);
                response.Headers.ETag = view.ETag;
                return TypedResults.Ok(view);
            }, ct).ConfigureAwait(false))
            .WithSummary("Read one site, with its ETag.")
            .Produces<SiteResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        sites.MapPut("/{site}", async (string tenant, string site, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, IServiceProvider services, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<SiteRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var errors = new List<string>();
            var changed = body!.ToSite(site, errors);
            if (errors.Count > 0) return Problems.Invalid(errors);
            SiteResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, async (wiremap, token) =>
            {
                if (wiremap is null) return WiremapChange<SiteResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'.");
                var i = IndexOf(wiremap.Sites, s => s.Id == site);
                if (i < 0) return WiremapChange<SiteResponse>.Refuse(WiremapRefusalKind.NotFound, $"No site '{Short(site)}' in tenant '{wiremap.Tenant.Id}'.");
                var current = wiremap.Sites[i];
                before = SiteResponse.From(current);
                if (IfMatch(context.Request, before.ETag) is { } stale) return WiremapChange<SiteResponse>.Refuse(stale);
                var next = current with { Name = changed.Name, Address = changed.Address, Point = changed.Point, CallbackNumber = changed.CallbackNumber };
                return await SaveSiteAsync(wiremap, i, next, services, token).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Ok(outcome.Result);
        }).WithAuditKind("site.update")
            .WithSummary("Replace a site's name, address, point and callback number (If-Match: its ETag; 412 when it changed since); an address is validated and checked against the GIS data, a site without a point gets the geocoded one.")
            .Accepts<SiteRequest>("application/json").Produces<SiteResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        sites.MapDelete("/{site}", async (string tenant, string site, bool? cascade, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, IServiceProvider services, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            // Emergency endpoints, site assignments and users name sites without a foreign key (they live in the endpoint
            // directory, which a wiremap change never touches): a site they still name is not deleted, cascade or not,
            // since its calls would lose their callback number and its users their home site without anyone deciding so.
            var directoryReferrers = await DirectoryReferrersAsync(index.Tenant.Id, site, services, ct).ConfigureAwait(false);
            if (directoryReferrers is null) return Problems.Unavailable(["The endpoint directory is unavailable; nothing was changed."]);
            SiteResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<int>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                if (wiremap.Sites.FirstOrDefault(s => s.Id == site) is not { } current)
                    return Task.FromResult(WiremapChange<int>.Refuse(WiremapRefusalKind.NotFound, $"No site '{Short(site)}' in tenant '{wiremap.Tenant.Id}'."));
                before = SiteResponse.From(current);
                if (IfMatch(context.Request, before.ETag) is { } stale) return Task.FromResult(WiremapChange<int>.Refuse(stale));
                if (directoryReferrers.Count > 0)
                {
                    return Task.FromResult(WiremapChange<int>.Refuse(WiremapRefusalKind.Conflict,
                    [
                        $"site '{Short(site)}' is still named by {directoryReferrers.Count} emergency endpoint(s), endpoint assignment(s) or user(s); move or delete them first (cascade does not reach them)",
                        .. directoryReferrers.Take(MaxNamed),
                        .. directoryReferrers.Count > MaxNamed ? new[] { $"… and {directoryReferrers.Count - MaxNamed} more" } : [],
                    ]));
                }
                var locations = wiremap.Locations.Where(l => l.SiteId == site).Select(l => l.Id).ToHashSet(StringComparer.Ordinal);
                bool InSite(string? id) => id is not null && (id == site || locations.Contains(id));
                var elements = wiremap.Elements.Where(e => e.SiteId == site || InSite(e.LocationId)).ToList();
                var dids = wiremap.Dids.Where(d => InSite(d.LocationId)).ToList();
                if (cascade != true && (locations.Count > 0 || elements.Count > 0 || dids.Count > 0))
                {
                    return Task.FromResult(WiremapChange<int>.Refuse(WiremapRefusalKind.Conflict, Referrers($"site '{Short(site)}'",
                        [.. locations.Select(l => $"location '{Short(l)}'"), .. elements.Select(Describe), .. dids.Select(d => $"DID {d.Number}")])));
                }
                var next = wiremap with
                {
                    Sites = [.. wiremap.Sites.Where(s => s.Id != site)],
                    Locations = [.. wiremap.Locations.Where(l => l.SiteId != site)],
                    Elements = [.. wiremap.Elements.Where(e => !(e.SiteId == site || InSite(e.LocationId)))],
                    Dids = [.. wiremap.Dids.Where(d => !InSite(d.LocationId))],
                };
                return Task.FromResult(WiremapChange<int>.Store(next, locations.Count + elements.Count + dids.Count));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            AdminAudit.RecordAfter(context, new { removedWithSite = outcome.Result });
            return TypedResults.NoContent();
        }).WithAuditKind("site.delete")
            .WithSummary("Delete a site (If-Match honoured). A site that locations, elements or DIDs still refer to is refused with 409 naming them, unless ?cascade=true, which deletes them with it; a site that emergency endpoints, endpoint assignments or users still name is refused with 409 naming them, cascade or not.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        MapLocations(sites.MapGroup("/{site}/locations"));

        admin.MapGet("/tenants/{tenant}/locations", async (string tenant, string? site, string? floor, string? text, int? offset, int? limit, HttpContext context,
            WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
        {
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            var caller = AdminCaller.From(context.User)!;
            return await ReadAsync(tenant, holder, store, wiremap =>
            {
                var owners = wiremap.Sites.ToDictionary(s => s.Id, StringComparer.Ordinal);
                var matching = wiremap.Locations.Where(l => Sees(caller, l.SiteId) && (site is null || l.SiteId == site) &&
                    (floor is null || string.Equals(l.Floor, floor, StringComparison.OrdinalIgnoreCase)) && (Contains(l.Text, text) || Contains(l.Room, text)) &&
                    owners.ContainsKey(l.SiteId)).ToList();
                return TypedResults.Ok(new PageResponse<LocationResponse>([.. matching.Skip(start).Take(count).Select(l => LocationResponse.From(l, owners[l.SiteId]))], matching.Count, start, count));
            }, ct).ConfigureAwait(false);
        }).WithAdminAccess(AdminAccess.SiteRead).WithTags("Sites and locations")
            .WithSummary("List the tenant's dispatchable locations across its sites (a site manager: those of its sites), paged; site= filters by site, floor= by floor, text= by a part of the location text or room.")
            .Produces<PageResponse<LocationResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    private static void MapLocations(RouteGroupBuilder locations)
    {
        locations.MapGet("", async (string tenant, string site, string? floor, string? text, int? offset, int? limit, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
        {
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            return await ReadAsync(tenant, holder, store, wiremap =>
            {
                if (wiremap.Sites.FirstOrDefault(s => s.Id == site) is not { } owner) return NoSite(wiremap, site);
                var matching = wiremap.Locations.Where(l => l.SiteId == site && (floor is null || string.Equals(l.Floor, floor, StringComparison.OrdinalIgnoreCase)) &&
                    (Contains(l.Text, text) || Contains(l.Room, text))).ToList();
                return TypedResults.Ok(new PageResponse<LocationResponse>([.. matching.Skip(start).Take(count).Select(l => LocationResponse.From(l, owner))], matching.Count, start, count));
            }, ct).ConfigureAwait(false);
        }).WithSummary("List a site's dispatchable locations, paged; floor= filters by floor, text= by a part of the location text or room.")
            .Produces<PageResponse<LocationResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        locations.MapPost("", async (string tenant, string site, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, IServiceProvider services, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<LocationRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var errors = new List<string>();
            var location = body!.ToLocation(null, site, errors);
            if (errors.Count > 0) return Problems.Invalid(errors);
            var outcome = await changes.ApplyAsync(index.Tenant.Id, async (wiremap, token) =>
            {
                if (wiremap is null) return WiremapChange<LocationResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'.");
                if (wiremap.Sites.FirstOrDefault(s => s.Id == site) is not { } owner)
                    return WiremapChange<LocationResponse>.Refuse(WiremapRefusalKind.NotFound, $"No site '{Short(site)}' in tenant '{wiremap.Tenant.Id}'.");
                if (IdTaken(wiremap, location.Id) is { } taken) return WiremapChange<LocationResponse>.Refuse(WiremapRefusalKind.Conflict, taken);
                return await SaveLocationAsync(wiremap, wiremap.Locations.Count, location, owner, services, token).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Created($"/admin/tenants/{index.Tenant.Id}/sites/{Uri.EscapeDataString(site)}/locations/{Uri.EscapeDataString(location.Id)}", outcome.Result);
        }).WithAuditKind("location.create")
            .WithSummary("Create a dispatchable location in the site: id, civic refinements (floor, unit, room, text), point (geocoded from the site's address when absent and the GIS data has it, unless the site's point is the administrator's), ELINs, callback number.")
            .Accepts<LocationRequest>("application/json").Produces<LocationResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        locations.MapGet("/{id}", async (string tenant, string site, string id, HttpResponse response, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            await ReadAsync(tenant, holder, store, wiremap =>
            {
                if (wiremap.Sites.FirstOrDefault(s => s.Id == site) is not { } owner) return NoSite(wiremap, site);
                if (wiremap.Locations.FirstOrDefault(l => l.Id == id && l.SiteId == site) is not { } found)
                    return Problems.NotFound($"No location '{Short(id)}' in site '{Short(site)}'.");
                var view = LocationResponse.From(found, owner);
                response.Headers.ETag = view.ETag;
                return TypedResults.Ok(view);
            }, ct).ConfigureAwait(false))
            .WithSummary("Read one dispatchable location, with its ETag and the civic address it resolves to.")
            .Produces<LocationResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        locations.MapPut("/{id}", async (string tenant, string site, string id, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, IServiceProvider services, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<LocationRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var errors = new List<string>();
            var changed = body!.ToLocation(id, site, errors);
            if (errors.Count > 0) return Problems.Invalid(errors);
            LocationResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, async (wiremap, token) =>
            {
                if (wiremap is null) return WiremapChange<LocationResponse>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'.");
                var owner = wiremap.Sites.FirstOrDefault(s => s.Id == site);
                var i = IndexOf(wiremap.Locations, l => l.Id == id && l.SiteId == site);
                if (owner is null || i < 0) return WiremapChange<LocationResponse>.Refuse(WiremapRefusalKind.NotFound, $"No location '{Short(id)}' in site '{Short(site)}'.");
                var current = wiremap.Locations[i];
                before = LocationResponse.From(current, owner);
                if (IfMatch(context.Request, before.ETag) is { } stale) return WiremapChange<LocationResponse>.Refuse(stale);
                var next = current with
                {
                    Floor = changed.Floor,
                    Unit = changed.Unit,
                    Room = changed.Room,
                    Text = changed.Text,
                    Point = changed.Point,
                    Elins = changed.Elins,
                    CallbackNumber = changed.CallbackNumber,
                };
                // The stored point keeps its geocoded mark while the body repeats it; without a point the location is geocoded again.
                return await SaveLocationAsync(wiremap, i, next, owner, services, token).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            AdminAudit.RecordAfter(context, outcome.Result);
            context.Response.Headers.ETag = outcome.Result!.ETag;
            return TypedResults.Ok(outcome.Result);
        }).WithAuditKind("location.update")
            .WithSummary("Replace a location's civic refinements, point, ELINs and callback number (If-Match: its ETag; 412 when it changed since); without a point it is geocoded from the site's address as on create.")
            .Accepts<LocationRequest>("application/json").Produces<LocationResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        locations.MapDelete("/{id}", async (string tenant, string site, string id, bool? cascade, HttpContext context, WiremapIndexHolder holder, WiremapChangeApplier changes, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            LocationResponse? before = null;
            var outcome = await changes.ApplyAsync(index.Tenant.Id, (wiremap, _) =>
            {
                if (wiremap is null) return Task.FromResult(WiremapChange<int>.Refuse(WiremapRefusalKind.NotFound, $"Unknown tenant '{tenant}'."));
                var owner = wiremap.Sites.FirstOrDefault(s => s.Id == site);
                var current = wiremap.Locations.FirstOrDefault(l => l.Id == id && l.SiteId == site);
                if (owner is null || current is null) return Task.FromResult(WiremapChange<int>.Refuse(WiremapRefusalKind.NotFound, $"No location '{Short(id)}' in site '{Short(site)}'."));
                before = LocationResponse.From(current, owner);
                if (IfMatch(context.Request, before.ETag) is { } stale) return Task.FromResult(WiremapChange<int>.Refuse(stale));
                var elements = wiremap.Elements.Where(e => e.LocationId == id).ToList();
                var dids = wiremap.Dids.Where(d => d.LocationId == id).ToList();
                if (cascade != true && (elements.Count > 0 || dids.Count > 0))
                    return Task.FromResult(WiremapChange<int>.Refuse(WiremapRefusalKind.Conflict, Referrers($"location '{Short(id)}'", [.. elements.Select(Describe), .. dids.Select(d => $"DID {d.Number}")])));
                var next = wiremap with
                {
                    Locations = [.. wiremap.Locations.Where(l => l.Id != id)],
                    Elements = [.. wiremap.Elements.Where(e => e.LocationId != id)],
                    Dids = [.. wiremap.Dids.Where(d => d.LocationId != id)],
                };
                return Task.FromResult(WiremapChange<int>.Store(next, elements.Count + dids.Count));
            }, ct).ConfigureAwait(false);
            if (Refusal(outcome, context.Response) is { } refused) return refused;
            AdminAudit.RecordBefore(context, before);
            AdminAudit.RecordAfter(context, new { removedWithLocation = outcome.Result });
            return TypedResults.NoContent();
        }).WithAuditKind("location.delete")
            .WithSummary("Delete a location (If-Match honoured). A location that elements or DIDs still refer to is refused with 409 naming them, unless ?cascade=true, which deletes them with it.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
    }

    /// <summary>
    /// Puts <paramref name="site"/> at <paramref name="i"/> (the end: a new site), validates the tenant with it, then
    /// checks its address against the GIS data as an import does (refuse or warn per the tenant's setting; a point
    /// geocoded when it has none).
    /// </summary>
    private static async Task<WiremapChange<SiteResponse>> SaveSiteAsync(TenantWiremap wiremap, int i, Site site, IServiceProvider services, CancellationToken ct)
    {
        IReadOnlyList<string> warnings = [];
        if (services.GetService<WiremapAddressCheck>() is { } addresses)
        {
            var checkedSite = await addresses.CheckAsync(wiremap with { Sites = [site] }, ct).ConfigureAwait(false);
            if (checkedSite.Errors.Count > 0)
                return WiremapChange<SiteResponse>.Refuse(WiremapRefusalKind.Invalid, [.. checkedSite.Errors.Select(e => WiremapChangeApplier.Relative(PathOf(e), "/sites/0") + RestOf(e))]);
            site = checkedSite.Wiremap.Sites[0];
            warnings = [.. checkedSite.Warnings.Select(w => WiremapChangeApplier.Relative(PathOf(w), "/sites/0") + RestOf(w))];
        }
        var sites = wiremap.Sites.ToList();
        if (i == sites.Count) sites.Add(site);
        else sites[i] = site;
        var next = wiremap with { Sites = sites };
        var errors = WiremapChangeApplier.Validate(next, $"/sites/{i}");
        if (errors.Count > 0) return WiremapChange<SiteResponse>.Refuse(WiremapRefusalKind.Invalid, [.. errors]);
        return WiremapChange<SiteResponse>.Store(next, SiteResponse.From(site) with { Warnings = warnings.Count > 0 ? warnings : null });
    }

    /// <summary>
    /// Puts <paramref name="location"/> at <paramref name="i"/> (the end: a new location) and validates the tenant with
    /// it; a location without a point gets the one the GIS data geocodes for its site's address (marked geocoded), as a
    /// whole-tenant import places it, unless the site's point is one the administrator gave.
    /// </summary>
    private static async Task<WiremapChange<LocationResponse>> SaveLocationAsync(TenantWiremap wiremap, int i, DispatchableLocation location, Site owner, IServiceProvider services, CancellationToken ct)
    {
        IReadOnlyList<string> warnings = [];
        if (services.GetService<WiremapAddressCheck>() is { } addresses)
        {
            // Only the location's placement is taken: the site is stored already, its address checked when it was saved.
            var checkedLocation = await addresses.CheckAsync(wiremap with { Sites = [owner], Locations = [location] }, ct).ConfigureAwait(false);
            location = checkedLocation.Wiremap.Locations[0];
            warnings = [.. checkedLocation.Warnings.Where(w => w.StartsWith("/locations/0/", StringComparison.Ordinal))
                .Select(w => WiremapChangeApplier.Relative(PathOf(w), "/locations/0") + RestOf(w))];
        }
        var locations = wiremap.Locations.ToList();
        if (i == locations.Count) locations.Add(location);
        else locations[i] = location;
        var next = wiremap with { Locations = locations };
        var errors = WiremapChangeApplier.Validate(next, $"/locations/{i}");
        return errors.Count > 0
            ? WiremapChange<LocationResponse>.Refuse(WiremapRefusalKind.Invalid, [.. errors])
            : WiremapChange<LocationResponse>.Store(next, LocationResponse.From(location, owner) with { Warnings = warnings.Count > 0 ? warnings : null });
    }

    /// <summary>
    /// What in the tenant's endpoint directory names <paramref name="site"/> (emergency endpoints owned by it, its site
    /// assignments, users whose home site it is), described for a 409; empty without a directory; null when it is
    /// unavailable.
    /// </summary>
    private static async Task<List<string>?> DirectoryReferrersAsync(string tenant, string site, IServiceProvider services, CancellationToken ct)
    {
        if (services.GetService<LocationServer.Data.Endpoints.EndpointDirectoryStore>() is not { } directory) return [];
        Core.Endpoints.TenantDirectoryData data;
        try
        {
            data = await directory.LoadTenantAsync(tenant, ct).ConfigureAwait(false);
        }
        catch (StorageUnavailableException)
        {
            return null;
        }
        return
        [
            .. data.Endpoints.Where(e => e.SiteId == site).Select(e => $"emergency endpoint '{Short(e.Id)}'"),
            .. data.Assignments.Where(a => a.Scope == Core.Endpoints.EndpointScope.Site && a.Target == site).Select(a => $"the site's endpoint assignment (endpoint '{Short(a.EndpointId)}')"),
            .. data.Users.Where(u => u.SiteId == site).Select(u => $"user '{Short(u.Id)}' (home site)"),
        ];
    }

    private static string PathOf(string error) => error.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0 ? error[..colon] : error;

    private static string RestOf(string error) => error.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0 ? error[colon..] : "";

    /// <summary>Loads the tenant's stored wiremap and answers from it (404 for an unknown tenant, 503 when the store is away).</summary>
    internal static async Task<IResult> ReadAsync(string tenant, WiremapIndexHolder holder, WiremapStore store, Func<TenantWiremap, IResult> answer, CancellationToken ct)
    {
        var id = holder.Current.TryGetTenant(tenant, out var index) ? index.Tenant.Id : tenant;
        return await EmergencyEndpointAdmin.Guarded(async () =>
        {
            var wiremap = await store.GetTenantAsync(id, ct).ConfigureAwait(false);
            return wiremap is null ? Problems.UnknownTenant(tenant) : answer(wiremap);
        }).ConfigureAwait(false);
    }

    /// <summary>Whether the caller's listings include the site: a site manager sees its own sites only.</summary>
    internal static bool Sees(AdminCaller caller, string? siteId) =>
        caller.Role != AdminRole.SiteManager || (siteId is not null && caller.Sites.Contains(siteId, StringComparer.Ordinal));

    internal static IResult Forbidden(AdminCaller caller, string? siteId) => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.",
        detail: siteId is null ? $"{caller.Describe()} may not change objects outside a site." : $"{caller.Describe()} may not change site '{Short(siteId)}'.");

    internal static bool Contains(string? value, string? part) =>
        string.IsNullOrEmpty(part) || (value is not null && value.Contains(part, StringComparison.OrdinalIgnoreCase));

    internal static int IndexOf<T>(IReadOnlyList<T> items, Func<T, bool> match)
    {
        for (var i = 0; i < items.Count; i++) if (match(items[i])) return i;
        return -1;
    }

    /// <summary>An id already used by a site or a location (they share one id space), as the error to answer.</summary>
    internal static string? IdTaken(TenantWiremap wiremap, string id) =>
        wiremap.Sites.Any(s => s.Id == id) ? $"/id: '{Short(id)}' is already a site; PUT to change it"
        : wiremap.Locations.Any(l => l.Id == id) ? $"/id: '{Short(id)}' is already a location; ids are unique among sites and locations"
        : null;

    internal static string Describe(NetworkElement element) =>
        $"element {Core.Wiremap.WiremapValidator.NormalizeElementValue(element.Kind, element.Value) ?? element.Value} ({LocationServer.Data.Wiremap.WiremapJson.KindName(element.Kind)})";

    /// <summary>The 409 reasons of a refused delete: what still refers to the object, at most <see cref="MaxNamed"/> named.</summary>
    internal static string[] Referrers(string what, IReadOnlyList<string> referrers) =>
    [
        $"{what} is still referred to by {referrers.Count} object(s); change or delete them first, or delete with ?cascade=true",
        .. referrers.Take(MaxNamed),
        .. referrers.Count > MaxNamed ? new[] { $"… and {referrers.Count - MaxNamed} more" } : [],
    ];

    private static IResult NoSite(TenantWiremap wiremap, string site) => Problems.NotFound($"No site '{Short(site)}' in tenant '{wiremap.Tenant.Id}'.");
}

/// <summary>A site as written: <c>address</c> keys are RFC 5139 element names (<c>country</c>, <c>A1</c>, <c>A3</c>, <c>RD</c>, <c>STS</c>, <c>HNO</c>, <c>PC</c>…).</summary>
/// <param name="Id">Required on create; on PUT absent or equal to the id in the URL. Unique among the tenant's sites and locations.</param>
/// <param name="Point">WGS 84; when absent and the GIS data holds the address, the geocoded point is stored.</param>
internal sealed record SiteRequest(string? Id, string? Name, Dictionary<string, string?>? Address, PointBody? Point, string? CallbackNumber)
{
    public Site ToSite(string? routeId, List<string> errors)
    {
        if (routeId is not null && Id is not null && Id != routeId) errors.Add($"/id: '{EndpointDirectoryHttp.Short(Id)}' differs from the id in the URL; a site's id cannot change");
        var id = routeId ?? Id;
        if (string.IsNullOrWhiteSpace(id)) errors.Add("/id: is required");
        if (Address is null) errors.Add("/address: is required");
        var address = WiremapObjectHttp.Address(Address, "/address", errors);
        var point = WiremapObjectHttp.Point(Point, "/point", errors);
        return new Site(id ?? "", Name ?? "", address, point, WiremapObjectHttp.Text(CallbackNumber));
    }
}

/// <summary>A site as stored.</summary>
/// <param name="Display">The address on one line.</param>
/// <param name="ETag">The site's strong entity tag (from its content), for If-Match.</param>
/// <param name="Warnings">On writes: what the GIS check noted without refusing (an address it finds invalid, a geocoded point).</param>
/// <param name="Geocoded">True when the point was placed from the GIS data (the site was saved without one), as in the wiremap JSON and CSV.</param>
/// <param name="GisVersion">The GIS data version a geocoded point came from; null otherwise.</param>
/// <param name="TeamsCivicAddressId">The Microsoft Teams LIS civic address the site was imported from, if any.</param>
/// <param name="TeamsLocationId">That civic address's default LocationId, if any.</param>
internal sealed record SiteResponse(string Id, string Name, IReadOnlyDictionary<string, string> Address, string Display, PointBody? Point, bool Geocoded, long? GisVersion,
    string? CallbackNumber, Guid? TeamsCivicAddressId, Guid? TeamsLocationId, string ETag, IReadOnlyList<string>? Warnings = null)
{
    public static SiteResponse From(Site site) => new(site.Id, site.Name, WiremapObjectHttp.Elements(site.Address), site.Address.ToDisplayString(),
        PointBody.From(site.Point), site.GeocodedVersion is not null, site.GeocodedVersion, site.CallbackNumber, site.TeamsCivicAddressId, site.TeamsLocationId,
        WiremapObjectHttp.ETag(site));
}

/// <summary>A dispatchable location as written: the site's address refined by floor, unit, room and a short text.</summary>
/// <param name="Id">Required on create; on PUT absent or equal to the id in the URL. Unique among the tenant's sites and locations.</param>
/// <param name="Site">Absent or equal to the site in the URL (a location does not move between sites).</param>
/// <param name="Elins">Numbers a PSTN ELIN gateway substitutes for callers here; each unique in the tenant.</param>
internal sealed record LocationRequest(string? Id, string? Site, string? Floor, string? Unit, string? Room, string? Text, PointBody? Point, IReadOnlyList<string>? Elins, string? CallbackNumber)
{
    public DispatchableLocation ToLocation(string? routeId, string site, List<string> errors)
    {
        if (routeId is not null && Id is not null && Id != routeId) errors.Add($"/id: '{EndpointDirectoryHttp.Short(Id)}' differs from the id in the URL; a location's id cannot change");
        if (Site is not null && Site != site) errors.Add($"/site: '{EndpointDirectoryHttp.Short(Site)}' differs from the site in the URL; a location does not move between sites");
        var id = routeId ?? Id;
        if (string.IsNullOrWhiteSpace(id)) errors.Add("/id: is required");
        var point = WiremapObjectHttp.Point(Point, "/point", errors);
        var elins = Elins?.Select(e => e?.Trim() ?? "").ToList();
        return new DispatchableLocation(id ?? "", site, WiremapObjectHttp.Text(Floor), WiremapObjectHttp.Text(Unit), WiremapObjectHttp.Text(Room), WiremapObjectHttp.Text(Text),
            point, elins is { Count: > 0 } ? elins : null, WiremapObjectHttp.Text(CallbackNumber));
    }
}

/// <summary>A dispatchable location as stored.</summary>
/// <param name="Address">The civic address the location resolves to (the site's, refined by FLR, UNIT, ROOM and LOC).</param>
/// <param name="Display">That address on one line.</param>
/// <param name="ETag">The location's strong entity tag (from its content), for If-Match.</param>
/// <param name="Geocoded">True when the point was placed from the GIS data (the location was saved without one).</param>
/// <param name="GisVersion">The GIS data version a geocoded point came from; null otherwise.</param>
/// <param name="TeamsLocationId">The Microsoft Teams LIS location it was imported from, if any.</param>
/// <param name="Warnings">On writes: what the GIS check noted (a geocoded point).</param>
internal sealed record LocationResponse(string Id, string Site, string? Floor, string? Unit, string? Room, string? Text, PointBody? Point, bool Geocoded, long? GisVersion,
    IReadOnlyList<string> Elins, string? CallbackNumber, Guid? TeamsLocationId, IReadOnlyDictionary<string, string> Address, string Display, string ETag,
    IReadOnlyList<string>? Warnings = null)
{
    public static LocationResponse From(DispatchableLocation location, Site site)
    {
        var civic = site.Address with
        {
            FLR = location.Floor ?? site.Address.FLR,
            UNIT = location.Unit ?? site.Address.UNIT,
            ROOM = location.Room ?? site.Address.ROOM,
            LOC = location.Text ?? site.Address.LOC,
        };
        return new(location.Id, location.SiteId, location.Floor, location.Unit, location.Room, location.Text, PointBody.From(location.Point),
            location.GeocodedVersion is not null, location.GeocodedVersion, location.Elins ?? [], location.CallbackNumber, location.TeamsLocationId,
            WiremapObjectHttp.Elements(civic), civic.ToDisplayString(), WiremapObjectHttp.ETag(location));
    }
}
