using LocationServer.Core.Endpoints;
using LocationServer.Core.Matching;
using LocationServer.Data.Endpoints;
using LocationServer.Errors;
using LocationServer.Routing.Endpoints;
using static LocationServer.Admin.EndpointDirectoryHttp;

namespace LocationServer.Admin;

/// <summary>
/// User records: display name, e-mail, home site, DIDs and device MACs. A 911 alert names the user whose DID or
/// device placed the call, and endpoints can be assigned per user.
/// </summary>
internal static class DirectoryUserAdmin
{
    public static RouteGroupBuilder MapDirectoryUsers(this RouteGroupBuilder admin)
    {
        var users = admin.MapGroup("/tenants/{tenant}/users").WithTags("Users");

        users.MapGet("", async (string tenant, string? site, int? offset, int? limit, HttpContext context, WiremapIndexHolder holder, EndpointDirectoryStore store, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            // A site manager lists the users of one of its sites (site=); the whole list is a tenant read.
            if (ReadRefusal(context, index.Tenant.Id, site, "the users") is { } refused) return refused;
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            return await EmergencyEndpointAdmin.Guarded(async () =>
            {
                var page = await store.ListUsersAsync(index.Tenant.Id, site, start, count, ct).ConfigureAwait(false);
                return TypedResults.Ok(new PageResponse<DirectoryUserResponse>([.. page.Items.Select(DirectoryUserResponse.From)], page.Total, start, count));
            }).ConfigureAwait(false);
        }).WithSummary("List the tenant's users (paged; site= filters by home site, and is required of site managers).")
            .WithAdminAccess(AdminAccess.SiteRead)
            .Produces<PageResponse<DirectoryUserResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        users.MapPost("", async (string tenant, HttpRequest request, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<DirectoryUserRequest>(request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var (user, errors) = body!.ToUser(null, index);
            if (errors.Count > 0) return Problems.Invalid(errors);
            return await EmergencyEndpointAdmin.Guarded(async () =>
            {
                var write = await store.CreateUserAsync(index.Tenant.Id, user!, ct).ConfigureAwait(false);
                if (Refusal(write, response, "user") is { } refused) return refused;
                await RefreshAsync(loader, logger, ct).ConfigureAwait(false);
                response.Headers.ETag = ETag(write.Value!.Version);
                var created = DirectoryUserResponse.From(write.Value);
                AdminAudit.RecordObject(request.HttpContext, null, created.Id);
                AdminAudit.RecordAfter(request.HttpContext, created);
                return TypedResults.Created($"/admin/tenants/{index.Tenant.Id}/users/{Uri.EscapeDataString(write.Value.User.Id)}", created);
            }).ConfigureAwait(false);
        }).WithAuditKind("user.create").WithSummary("Create a user with display name, e-mail, home site, DIDs (E.164) and device MACs; a DID or MAC of another user is refused (409).")
            .Accepts<DirectoryUserRequest>("application/json").Produces<DirectoryUserResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        users.MapGet("/{user}", async (string tenant, string user, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            return await EmergencyEndpointAdmin.Guarded(async () =>
            {
                if (await store.GetUserAsync(index.Tenant.Id, user, ct).ConfigureAwait(false) is not { } stored)
                    return Problems.NotFound($"No user '{Short(user)}' in tenant '{index.Tenant.Id}'.");
                if (ReadRefusal(response.HttpContext, index.Tenant.Id, stored.User.SiteId, "this user") is { } denied) return denied;
                response.Headers.ETag = ETag(stored.Version);
                return TypedResults.Ok(DirectoryUserResponse.From(stored));
            }).ConfigureAwait(false);
        }).WithSummary("Read a user; the ETag header is its version for If-Match (site managers: users whose home site is theirs).")
            .WithAdminAccess(AdminAccess.SiteRead)
            .Produces<DirectoryUserResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        users.MapPut("/{user}", async (string tenant, string user, HttpRequest request, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<DirectoryUserRequest>(request).ConfigureAwait(false);
            if (problem is not null) return problem;
            if (SiteRefusal(request.HttpContext, index.Tenant.Id, body!.Site, "users") is { } moved) return moved;
            var (valid, errors) = body.ToUser(user, index);
            if (errors.Count > 0) return Problems.Invalid(errors);
            return await EmergencyEndpointAdmin.Guarded(async () =>
            {
                // A site manager edits the users whose home site is one of its sites, and cannot take one over from elsewhere.
                if (await store.GetUserAsync(index.Tenant.Id, user, ct).ConfigureAwait(false) is { } stored)
                {
                    AdminAudit.RecordBefore(request.HttpContext, DirectoryUserResponse.From(stored));
                    if (SiteRefusal(request.HttpContext, index.Tenant.Id, stored.User.SiteId, "users") is { } denied) return denied;
                }
                var write = await store.UpdateUserAsync(index.Tenant.Id, valid!, IfMatch(request), ct).ConfigureAwait(false);
                if (write.Status == DirectoryWriteStatus.NotFound) return Problems.NotFound($"No user '{Short(user)}' in tenant '{index.Tenant.Id}'; POST creates one.");
                if (Refusal(write, response, "user") is { } refused) return refused;
                await RefreshAsync(loader, logger, ct).ConfigureAwait(false);
                response.Headers.ETag = ETag(write.Value!.Version);
                var updated = DirectoryUserResponse.From(write.Value);
                AdminAudit.RecordAfter(request.HttpContext, updated);
                return TypedResults.Ok(updated);
            }).ConfigureAwait(false);
        }).WithSummary("Replace a user's display name, e-mail, home site, DIDs and device MACs (If-Match: its ETag, optional); site managers edit the users of their own sites.")
            .WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("user.update")
            .Accepts<DirectoryUserRequest>("application/json").Produces<DirectoryUserResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        users.MapDelete("/{user}", async (string tenant, string user, HttpRequest request, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            return await EmergencyEndpointAdmin.Guarded(async () =>
            {
                if (await store.GetUserAsync(index.Tenant.Id, user, ct).ConfigureAwait(false) is { } stored)
                    AdminAudit.RecordBefore(request.HttpContext, DirectoryUserResponse.From(stored));
                var write = await store.DeleteUserAsync(index.Tenant.Id, user, IfMatch(request), ct).ConfigureAwait(false);
                if (write.Status == DirectoryWriteStatus.NotFound) return Problems.NotFound($"No user '{Short(user)}' in tenant '{index.Tenant.Id}'.");
                if (Refusal(write, response, "user") is { } refused) return refused;
                await RefreshAsync(loader, logger, ct).ConfigureAwait(false);
                return TypedResults.NoContent();
            }).ConfigureAwait(false);
        }).WithAuditKind("user.delete").WithSummary("Delete a user with its DIDs, devices and its own endpoint assignment.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return admin;
    }
}

/// <summary>A user as written.</summary>
/// <param name="Id">Required on create; on PUT, absent or equal to the id in the URL.</param>
/// <param name="DisplayName">The name alerts show, e.g. "Kari Hunt".</param>
/// <param name="Email">Contact address, e.g. "kari@example.com".</param>
/// <param name="Site">The user's home site (a site of the wiremap), if any.</param>
/// <param name="Dids">The user's telephone numbers, E.164.</param>
/// <param name="DeviceMacs">The user's phones and soft clients by MAC, any common spelling.</param>
internal sealed record DirectoryUserRequest(string? Id, string? DisplayName, string? Email, string? Site, IReadOnlyList<string>? Dids, IReadOnlyList<string>? DeviceMacs)
{
    public (DirectoryUser? User, IReadOnlyList<string> Errors) ToUser(string? routeId, TenantIndex index)
    {
        var errors = new List<string>();
        if (routeId is not null && Id is not null && Id != routeId) errors.Add($"/id: '{EndpointDirectoryHttp.Short(Id)}' differs from the id in the URL; a user's id cannot change");
        if (EndpointDirectoryHttp.UnknownSite(index, Site, "/site") is { } site) errors.Add(site);
        var (user, invalid) = DirectoryValidator.User(new DirectoryUser(routeId ?? Id ?? "", DisplayName ?? "", Email, Site, Dids, DeviceMacs));
        errors.AddRange(invalid.Select(e => e.ToString()));
        return (errors.Count > 0 ? null : user, errors);
    }
}

/// <summary>A user as stored: DIDs in E.164, MACs in lower-case colon form.</summary>
/// <param name="ETag">The user's version, for If-Match.</param>
internal sealed record DirectoryUserResponse(
    string Id, string DisplayName, string? Email, string? Site, IReadOnlyList<string> Dids, IReadOnlyList<string> DeviceMacs,
    string ETag, DateTimeOffset Created, DateTimeOffset Updated)
{
    public static DirectoryUserResponse From(StoredUser stored) => new(
        stored.User.Id, stored.User.DisplayName, stored.User.Email, stored.User.SiteId, stored.User.Dids ?? [], stored.User.DeviceMacs ?? [],
        EndpointDirectoryHttp.ETag(stored.Version), new DateTimeOffset(stored.CreatedUtc, TimeSpan.Zero), new DateTimeOffset(stored.UpdatedUtc, TimeSpan.Zero));
}
