using LocationServer.Core.Endpoints;
using LocationServer.Core.Gis;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Endpoints;
using LocationServer.Data.Storage;
using LocationServer.Errors;
using LocationServer.Routing.Endpoints;
using static LocationServer.Admin.EndpointDirectoryHttp;

namespace LocationServer.Admin;

/// <summary>
/// Emergency endpoints (callback number + billing address) and their assignments to the tenant (the domain), a site,
/// a user or a device, with "apply to all users of the domain" and "apply to all users of the site" as one action
/// each. Every write is live on every replica's routing path within a second (docs/administration.md).
/// </summary>
internal static class EmergencyEndpointAdmin
{
    public static RouteGroupBuilder MapEmergencyEndpoints(this RouteGroupBuilder admin)
    {
        var endpoints = admin.MapGroup("/tenants/{tenant}/emergency-endpoints").WithTags("Emergency endpoints");

        endpoints.MapGet("", async (string tenant, string? site, int? offset, int? limit, HttpContext context, WiremapIndexHolder holder, EndpointDirectoryStore store, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            // A site manager lists the endpoints of one of its sites (site=); the whole list is a tenant read.
            if (ReadRefusal(context, index.Tenant.Id, site, "the emergency endpoints") is { } refused) return refused;
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            return await Guarded(async () =>
            {
                var page = await store.ListEndpointsAsync(index.Tenant.Id, site, start, count, ct).ConfigureAwait(false);
                return TypedResults.Ok(new PageResponse<EmergencyEndpointResponse>([.. page.Items.Select(EmergencyEndpointResponse.From)], page.Total, start, count));
            }).ConfigureAwait(false);
        }).WithSummary("List the tenant's emergency endpoints (paged; site= filters by owning site, and is required of site managers).")
            .WithAdminAccess(AdminAccess.SiteRead)
            .Produces<PageResponse<EmergencyEndpointResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapPost("", async (string tenant, HttpRequest request, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<EmergencyEndpointRequest>(request).ConfigureAwait(false);
            if (problem is not null) return problem;
            if (SiteRefusal(request.HttpContext, index.Tenant.Id, body!.Site, "emergency endpoints") is { } refused) return refused;
            if (body!.ToEndpoint(null, index) is { Errors.Count: > 0 } invalid) return Problems.Invalid(invalid.Errors);
            return await Guarded(async () =>
            {
                var endpoint = body.ToEndpoint(null, index).Endpoint!;
                var billing = await CheckBillingAsync(request.HttpContext, index.Tenant.Id, endpoint.BillingAddress, ct).ConfigureAwait(false);
                if (billing.Refusal is { } invalid) return invalid;
                var write = await store.CreateEndpointAsync(index.Tenant.Id, endpoint, ct).ConfigureAwait(false);
                if (Refusal(write, response, "emergency endpoint") is { } refused) return refused;
                await RefreshAsync(loader, logger, ct).ConfigureAwait(false);
                response.Headers.ETag = ETag(write.Value!.Version);
                var created = EmergencyEndpointResponse.From(write.Value) with { BillingValidation = billing.Validity, Warnings = billing.Warnings };
                AdminAudit.RecordObject(request.HttpContext, null, created.Id);
                AdminAudit.RecordAfter(request.HttpContext, created);
                return TypedResults.Created($"/admin/tenants/{index.Tenant.Id}/emergency-endpoints/{Uri.EscapeDataString(write.Value.Endpoint.Id)}", created);
            }).ConfigureAwait(false);
        }).WithSummary("Create an emergency endpoint: callback number (E.164) and billing address (validated with the civic rules of sites); site managers create endpoints of their own sites.")
            .WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("endpoint.create")
            .Accepts<EmergencyEndpointRequest>("application/json").Produces<EmergencyEndpointResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        endpoints.MapGet("/{id}", async (string tenant, string id, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            return await Guarded(async () =>
            {
                if (await store.GetEndpointAsync(index.Tenant.Id, id, ct).ConfigureAwait(false) is not { } stored)
                    return Problems.NotFound($"No emergency endpoint '{Short(id)}' in tenant '{index.Tenant.Id}'.");
                if (ReadRefusal(response.HttpContext, index.Tenant.Id, stored.Endpoint.SiteId, "this emergency endpoint") is { } denied) return denied;
                response.Headers.ETag = ETag(stored.Version);
                return TypedResults.Ok(EmergencyEndpointResponse.From(stored));
            }).ConfigureAwait(false);
        }).WithSummary("Read an emergency endpoint; the ETag header is its version for If-Match.")
            .WithAdminAccess(AdminAccess.SiteRead)
            .Produces<EmergencyEndpointResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapPut("/{id}", async (string tenant, string id, HttpRequest request, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<EmergencyEndpointRequest>(request).ConfigureAwait(false);
            if (problem is not null) return problem;
            if (SiteRefusal(request.HttpContext, index.Tenant.Id, body!.Site, "emergency endpoints") is { } moved) return moved;
            var (endpoint, errors) = body.ToEndpoint(id, index);
            if (errors.Count > 0) return Problems.Invalid(errors);
            return await Guarded(async () =>
            {
                // A site manager changes its own sites' endpoints only, and cannot take one over from elsewhere.
                if (await OwnerRefusalAsync(request.HttpContext, index.Tenant.Id, id, store, ct).ConfigureAwait(false) is { } denied) return denied;
                var billing = await CheckBillingAsync(request.HttpContext, index.Tenant.Id, endpoint!.BillingAddress, ct).ConfigureAwait(false);
                if (billing.Refusal is { } invalid) return invalid;
                var write = await store.UpdateEndpointAsync(index.Tenant.Id, endpoint!, IfMatch(request), ct).ConfigureAwait(false);
                if (write.Status == DirectoryWriteStatus.NotFound) return Problems.NotFound($"No emergency endpoint '{Short(id)}' in tenant '{index.Tenant.Id}'; POST creates one.");
                if (Refusal(write, response, "emergency endpoint") is { } refused) return refused;
                await RefreshAsync(loader, logger, ct).ConfigureAwait(false);
                response.Headers.ETag = ETag(write.Value!.Version);
                var updated = EmergencyEndpointResponse.From(write.Value) with { BillingValidation = billing.Validity, Warnings = billing.Warnings };
                AdminAudit.RecordAfter(request.HttpContext, updated);
                return TypedResults.Ok(updated);
            }).ConfigureAwait(false);
        }).WithSummary("Replace an emergency endpoint's callback number, billing address, label and site (If-Match: its ETag, optional); site managers change endpoints of their own sites.")
            .WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("endpoint.update")
            .Accepts<EmergencyEndpointRequest>("application/json").Produces<EmergencyEndpointResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        endpoints.MapDelete("/{id}", async (string tenant, string id, HttpRequest request, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            return await Guarded(async () =>
            {
                if (await OwnerRefusalAsync(request.HttpContext, index.Tenant.Id, id, store, ct).ConfigureAwait(false) is { } denied) return denied;
                var write = await store.DeleteEndpointAsync(index.Tenant.Id, id, IfMatch(request), ct).ConfigureAwait(false);
                if (write.Status == DirectoryWriteStatus.NotFound) return Problems.NotFound($"No emergency endpoint '{Short(id)}' in tenant '{index.Tenant.Id}'.");
                if (Refusal(write, response, "emergency endpoint") is { } refused) return refused;
                await RefreshAsync(loader, logger, ct).ConfigureAwait(false);
                return TypedResults.NoContent();
            }).ConfigureAwait(false);
        }).WithSummary("Delete an emergency endpoint that nothing is assigned to (409 lists the assignments that still name it); site managers delete endpoints of their own sites.")
            .WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("endpoint.delete")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        endpoints.MapPost("/{id}/apply-to-domain", (string tenant, string id, HttpRequest request, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
            ApplyAsync(tenant, id, null, request, holder, store, loader, logger, ct))
            .WithAuditKind("endpoint.apply")
            .WithSummary("Apply the endpoint to every user of the domain in one action: it becomes the tenant's endpoint and, unless keepOverrides, the users' own and their devices' assignments are removed.")
            .Accepts<ApplyEndpointRequest>("application/json").Produces<ApplyEndpointResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapPost("/{id}/apply-to-site/{site}", (string tenant, string id, string site, HttpRequest request, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
            ApplyAsync(tenant, id, site, request, holder, store, loader, logger, ct))
            .WithAuditKind("endpoint.apply")
            .WithSummary("Apply the endpoint to every user of one site in one action (the site manager's action): it becomes the site's endpoint and, unless keepOverrides, the assignments of the site's users and their devices are removed.")
            .Accepts<ApplyEndpointRequest>("application/json").Produces<ApplyEndpointResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        var assignments = admin.MapGroup("/tenants/{tenant}/endpoint-assignments").WithTags("Emergency endpoints");

        assignments.MapGet("", async (string tenant, string? scope, string? endpoint, int? offset, int? limit, WiremapIndexHolder holder, EndpointDirectoryStore store, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            if (Paging(offset, limit, out var start, out var count) is { } bad) return bad;
            EndpointScope? filter = null;
            if (scope is not null)
            {
                if (!Enum.TryParse<EndpointScope>(scope, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                    return Problems.Invalid("scope: must be tenant, site, user or device");
                filter = parsed;
            }
            return await Guarded(async () =>
            {
                var page = await store.ListAssignmentsAsync(index.Tenant.Id, filter, endpoint, start, count, ct).ConfigureAwait(false);
                return TypedResults.Ok(new PageResponse<EndpointAssignmentResponse>([.. page.Items.Select(EndpointAssignmentResponse.From)], page.Total, start, count));
            }).ConfigureAwait(false);
        }).WithSummary("List the tenant's endpoint assignments (paged; scope= and endpoint= filter).")
            .Produces<PageResponse<EndpointAssignmentResponse>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        MapAssignment(assignments, "/tenant", EndpointScope.Tenant, "the whole tenant (the domain)");
        MapAssignment(assignments, "/sites/{site}", EndpointScope.Site, "a site: calls located there, and its users when a call has no location");
        MapAssignment(assignments, "/users/{user}", EndpointScope.User, "a user, matched by the calling DID or one of the user's device MACs");
        MapAssignment(assignments, "/devices/{mac}", EndpointScope.Device, "one device by MAC");
        return admin;
    }

    private static void MapAssignment(RouteGroupBuilder group, string pattern, EndpointScope scope, string what)
    {
        group.MapGet(pattern, async (HttpContext context, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, CancellationToken ct) =>
        {
            if (Target(context, scope, holder, out var index) is { } bad) return bad;
            return await Guarded(async () =>
            {
                if (await store.GetAssignmentAsync(index.Tenant, scope, index.Target, ct).ConfigureAwait(false) is not { } stored)
                    return Problems.NotFound($"No endpoint is assigned to {Describe(scope, index.Target)}.");
                response.Headers.ETag = ETag(stored.Version);
                return TypedResults.Ok(EndpointAssignmentResponse.From(stored));
            }).ConfigureAwait(false);
        }).WithSummary($"Read the endpoint assigned to {what}.")
            .Produces<EndpointAssignmentResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut(pattern, async (HttpContext context, HttpRequest request, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
        {
            if (Target(context, scope, holder, out var index) is { } bad) return bad;
            var (body, problem) = await AdminJson.ReadAsync<EndpointAssignmentRequest>(request).ConfigureAwait(false);
            if (problem is not null) return problem;
            if (string.IsNullOrWhiteSpace(body!.Endpoint)) return Problems.Invalid("/endpoint: is required (the id of an emergency endpoint)");
            return await Guarded(async () =>
            {
                var endpoint = await store.GetEndpointAsync(index.Tenant, body.Endpoint, ct).ConfigureAwait(false);
                if (endpoint is null) return Problems.Invalid($"/endpoint: no emergency endpoint '{Short(body.Endpoint)}' in tenant '{index.Tenant}'");
                string? targetSite = scope == EndpointScope.Site ? index.Target : null;
                if (scope == EndpointScope.User)
                {
                    if (await store.GetUserAsync(index.Tenant, index.Target, ct).ConfigureAwait(false) is not { } user)
                        return Problems.NotFound($"No user '{Short(index.Target)}' in tenant '{index.Tenant}'.");
                    targetSite = user.User.SiteId;
                }
                if (SiteMismatch(endpoint.Endpoint, scope, targetSite) is { } mismatch) return Problems.Invalid(mismatch);
                var write = await store.PutAssignmentAsync(index.Tenant, new EndpointAssignment(scope, index.Target, endpoint.Endpoint.Id), IfMatch(request), IfNoneMatchAny(request), ct).ConfigureAwait(false);
                if (Refusal(write, response, "assignment") is { } refused) return refused;
                await RefreshAsync(loader, logger, ct).ConfigureAwait(false);
                response.Headers.ETag = ETag(write.Value!.Version);
                var result = EndpointAssignmentResponse.From(write.Value);
                AdminAudit.RecordAfter(context, result);
                return write.Status == DirectoryWriteStatus.Created ? TypedResults.Created(request.Path.Value, result) : (IResult)TypedResults.Ok(result);
            }).ConfigureAwait(false);
        }).WithSummary($"Assign an emergency endpoint to {what} (If-Match: its ETag; If-None-Match: * to only create).").WithAuditKind("assignment.put")
            .Accepts<EndpointAssignmentRequest>("application/json").Produces<EndpointAssignmentResponse>().Produces<EndpointAssignmentResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);

        group.MapDelete(pattern, async (HttpContext context, HttpRequest request, HttpResponse response, WiremapIndexHolder holder, EndpointDirectoryStore store, EndpointDirectoryLoader loader, ILogger<EndpointDirectoryLoader> logger, CancellationToken ct) =>
        {
            if (Target(context, scope, holder, out var index) is { } bad) return bad;
            return await Guarded(async () =>
            {
                var write = await store.DeleteAssignmentAsync(index.Tenant, scope, index.Target, IfMatch(request), ct).ConfigureAwait(false);
                if (write.Status == DirectoryWriteStatus.NotFound) return Problems.NotFound($"No endpoint is assigned to {Describe(scope, index.Target)}.");
                if (Refusal(write, response, "assignment") is { } refused) return refused;
                await RefreshAsync(loader, logger, ct).ConfigureAwait(false);
                return TypedResults.NoContent();
            }).ConfigureAwait(false);
        }).WithSummary($"Remove the endpoint assigned to {what}; calls fall back to the next less specific scope.").WithAuditKind("assignment.delete")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status412PreconditionFailed);
    }

    /// <summary>The tenant's canonical id and the assignment's target from the route, or why not.</summary>
    private static IResult? Target(HttpContext context, EndpointScope scope, WiremapIndexHolder holder, out (string Tenant, string Target) target)
    {
        target = default;
        var tenant = (string)context.Request.RouteValues["tenant"]!;
        if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
        switch (scope)
        {
            case EndpointScope.Site:
                var site = (string)context.Request.RouteValues["site"]!;
                if (UnknownSite(index, site, "site") is not null) return Problems.NotFound($"No site '{Short(site)}' in tenant '{index.Tenant.Id}'.");
                target = (index.Tenant.Id, site);
                return null;
            case EndpointScope.User:
                var user = (string)context.Request.RouteValues["user"]!;
                if (!DirectoryValidator.IsId(user)) return Problems.Invalid($"user: '{Short(user)}' is not a user id");
                target = (index.Tenant.Id, user);
                return null;
            case EndpointScope.Device:
                var mac = DirectoryValidator.Mac((string)context.Request.RouteValues["mac"]!);
                if (mac is null) return Problems.Invalid("mac: not a MAC address");
                target = (index.Tenant.Id, mac);
                return null;
            default:
                target = (index.Tenant.Id, "");
                return null;
        }
    }

    private static async Task<IResult> ApplyAsync(string tenant, string id, string? site, HttpRequest request, WiremapIndexHolder holder, EndpointDirectoryStore store,
        EndpointDirectoryLoader loader, ILogger logger, CancellationToken ct)
    {
        if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
        if (site is not null && UnknownSite(index, site, "site") is not null) return Problems.NotFound($"No site '{Short(site)}' in tenant '{index.Tenant.Id}'.");
        var keepOverrides = false;
        if (request.ContentLength is > 0 || request.Headers.ContentType.Count > 0)
        {
            var (body, problem) = await AdminJson.ReadAsync<ApplyEndpointRequest>(request).ConfigureAwait(false);
            if (problem is not null) return problem;
            keepOverrides = body!.KeepOverrides;
        }
        return await Guarded(async () =>
        {
            if (await store.GetEndpointAsync(index.Tenant.Id, id, ct).ConfigureAwait(false) is not { } endpoint)
                return Problems.NotFound($"No emergency endpoint '{Short(id)}' in tenant '{index.Tenant.Id}'.");
            if (SiteMismatch(endpoint.Endpoint, site is null ? EndpointScope.Tenant : EndpointScope.Site, site) is { } mismatch) return Problems.Invalid(mismatch);
            var write = await store.ApplyAsync(index.Tenant.Id, id, site, keepOverrides, ct).ConfigureAwait(false);
            if (write.Status == DirectoryWriteStatus.NotFound) return Problems.NotFound($"No emergency endpoint '{Short(id)}' in tenant '{index.Tenant.Id}'.");
            if (Refusal(write, request.HttpContext.Response, "emergency endpoint") is { } refused) return refused;
            await RefreshAsync(loader, logger, ct).ConfigureAwait(false);
            var applied = write.Value!;
            var answer = new ApplyEndpointResponse(site is null ? "tenant" : "site", site, id, applied.Users, applied.OverridesRemoved, EndpointAssignmentResponse.From(applied.Assignment));
            AdminAudit.RecordAfter(request.HttpContext, answer);
            return TypedResults.Ok(answer);
        }).ConfigureAwait(false);
    }

    /// <summary>The 403 when the stored endpoint belongs to a site the caller may not change (or to the whole domain, for site managers); null otherwise, and when there is no such endpoint (the write answers 404).</summary>
    /// <remarks>Notes the endpoint as it was in the audit entry.</remarks>
    private static async Task<IResult?> OwnerRefusalAsync(HttpContext context, string tenant, string id, EndpointDirectoryStore store, CancellationToken ct)
    {
        if (await store.GetEndpointAsync(tenant, id, ct).ConfigureAwait(false) is not { } stored) return null;
        AdminAudit.RecordBefore(context, EmergencyEndpointResponse.From(stored));
        return SiteRefusal(context, tenant, stored.Endpoint.SiteId, "emergency endpoints");
    }

    /// <summary>
    /// Checks a billing address against the GIS data in force, as site addresses are checked when a wiremap is saved:
    /// an address the data covers and contradicts is refused (400 naming <c>/billingAddress</c> and the elements) when
    /// the tenant's address validation says <c>refuse</c>, else stored with a warning; with no data loaded, or for an
    /// area the data does not cover, it is stored unchecked.
    /// </summary>
    private static async Task<(IResult? Refusal, string Validity, IReadOnlyList<string> Warnings)> CheckBillingAsync(HttpContext context, string tenant, CivicAddress billing, CancellationToken ct)
    {
        var gis = context.RequestServices.GetService<GisIndexHolder>()?.Current;
        if (gis is null || gis.IsEmpty) return (null, "unchecked", []);
        var check = gis.Validate(billing);
        switch (check.Validity)
        {
            case AddressValidity.Valid:
                return (null, "valid", []);
            case AddressValidity.Invalid:
                var message = $"/billingAddress: {check.Message} (invalid: {string.Join(", ", AddressCheck.Names(check.Invalid))})";
                var refuse = await context.RequestServices.GetRequiredService<GisStore>().GetRefuseInvalidAddressesAsync(tenant, ct).ConfigureAwait(false);
                return refuse ? (Problems.Invalid(message), "invalid", []) : (null, "invalid", [message + " (stored: the tenant's address validation is 'warn')"]);
            default:
                return (null, "unchecked", []);
        }
    }

    /// <summary>An endpoint owned by a site serves that site only; a domain endpoint serves anywhere.</summary>
    private static string? SiteMismatch(EmergencyEndpoint endpoint, EndpointScope scope, string? targetSite)
    {
        if (endpoint.SiteId is null || scope == EndpointScope.Device) return null;
        if (scope == EndpointScope.Tenant) return $"/endpoint: '{Short(endpoint.Id)}' belongs to site '{endpoint.SiteId}'; assign it to that site, its users or devices, or make it a domain endpoint";
        return targetSite == endpoint.SiteId ? null : $"/endpoint: '{Short(endpoint.Id)}' belongs to site '{endpoint.SiteId}', not to {(targetSite is null ? "no site" : $"site '{targetSite}'")}";
    }

    private static string Describe(EndpointScope scope, string target) => scope switch
    {
        EndpointScope.Tenant => "the tenant",
        EndpointScope.Site => $"site '{Short(target)}'",
        EndpointScope.User => $"user '{Short(target)}'",
        _ => $"device {target}",
    };

    /// <summary>Runs a store operation; an unreachable database answers 503 with Retry-After.</summary>
    internal static async Task<IResult> Guarded(Func<Task<IResult>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (StorageUnavailableException ex)
        {
            return Problems.Unavailable([ex.Message]);
        }
    }
}

/// <summary>An emergency endpoint as written: billing address keys are RFC 5139 element names (<c>country</c>, <c>A1</c>, <c>A3</c>, <c>RD</c>, <c>HNO</c>, <c>PC</c>…).</summary>
/// <param name="Id">Required on create; on PUT, absent or equal to the id in the URL.</param>
/// <param name="CallbackNumber">E.164, e.g. "+15125550100" (other spellings of a full number are normalised).</param>
/// <param name="BillingAddress">The carrier's billing address for the number; not a dispatch address.</param>
/// <param name="Label">Free text.</param>
/// <param name="Site">The owning site (site managers' endpoints); absent for a domain endpoint.</param>
internal sealed record EmergencyEndpointRequest(string? Id, string? CallbackNumber, Dictionary<string, string?>? BillingAddress, string? Label, string? Site)
{
    public (EmergencyEndpoint? Endpoint, IReadOnlyList<string> Errors) ToEndpoint(string? routeId, TenantIndex index)
    {
        var errors = new List<string>();
        if (routeId is not null && Id is not null && Id != routeId) errors.Add($"/id: '{EndpointDirectoryHttp.Short(Id)}' differs from the id in the URL; an endpoint's id cannot change");
        var civic = new CivicAddress();
        if (BillingAddress is null) errors.Add("/billingAddress: is required");
        else
        {
            foreach (var (name, value) in BillingAddress)
            {
                if (!CivicAddress.TrySet(civic, name, string.IsNullOrWhiteSpace(value) ? null : value.Trim(), out civic))
                    errors.Add($"/billingAddress/{name}: not an RFC 5139 element (known: {string.Join(", ", CivicAddress.ElementNames)})");
            }
        }
        if (EndpointDirectoryHttp.UnknownSite(index, Site, "/site") is { } site) errors.Add(site);
        var (endpoint, invalid) = DirectoryValidator.Endpoint(new EmergencyEndpoint(routeId ?? Id ?? "", CallbackNumber ?? "", civic, Label, Site));
        errors.AddRange(invalid.Where(e => BillingAddress is not null || !e.Path.StartsWith("/billingAddress", StringComparison.Ordinal)).Select(e => e.ToString()));
        return (errors.Count > 0 ? null : endpoint, errors);
    }
}

/// <summary>An emergency endpoint as stored.</summary>
/// <param name="BillingDisplay">The billing address on one line.</param>
/// <param name="ETag">The endpoint's version, for If-Match.</param>
internal sealed record EmergencyEndpointResponse(
    string Id, string CallbackNumber, IReadOnlyDictionary<string, string> BillingAddress, string BillingDisplay, string? Label, string? Site,
    string ETag, DateTimeOffset Created, DateTimeOffset Updated)
{
    /// <summary>
    /// In the answer to a create or replace: the billing address checked against the GIS data, <c>valid</c>,
    /// <c>invalid</c> (stored with a warning) or <c>unchecked</c> (no data, or an area the data does not cover); null
    /// on reads.
    /// </summary>
    public string? BillingValidation { get; init; }

    /// <summary>What the GIS check noted without refusing.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static EmergencyEndpointResponse From(StoredEndpoint stored) => new(
        stored.Endpoint.Id, stored.Endpoint.CallbackNumber,
        stored.Endpoint.BillingAddress.Elements().ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal),
        stored.Endpoint.BillingAddress.ToDisplayString(), stored.Endpoint.Label, stored.Endpoint.SiteId,
        EndpointDirectoryHttp.ETag(stored.Version), new DateTimeOffset(stored.CreatedUtc, TimeSpan.Zero), new DateTimeOffset(stored.UpdatedUtc, TimeSpan.Zero));
}

/// <summary>Which endpoint a scope presents.</summary>
/// <param name="Endpoint">The id of an emergency endpoint of the tenant.</param>
internal sealed record EndpointAssignmentRequest(string? Endpoint);

/// <summary>An assignment as stored.</summary>
/// <param name="Scope">tenant, site, user or device.</param>
/// <param name="Target">Site id, user id or MAC; absent for the tenant.</param>
internal sealed record EndpointAssignmentResponse(string Scope, string? Target, string Endpoint, string ETag, DateTimeOffset Updated)
{
    public static EndpointAssignmentResponse From(StoredAssignment stored) => new(
        stored.Assignment.Scope.ToString().ToLowerInvariant(), stored.Assignment.Scope == EndpointScope.Tenant ? null : stored.Assignment.Target,
        stored.Assignment.EndpointId, EndpointDirectoryHttp.ETag(stored.Version), new DateTimeOffset(stored.UpdatedUtc, TimeSpan.Zero));
}

/// <summary>Options of "apply to all users"; the body may be omitted.</summary>
/// <param name="KeepOverrides">Keep the assignments individual users and devices have (default false: every user in scope presents the endpoint).</param>
internal sealed record ApplyEndpointRequest(bool KeepOverrides);

/// <summary>What "apply to all users" did.</summary>
/// <param name="Users">Users in scope (the domain's, or the site's by home site).</param>
/// <param name="OverridesRemoved">User and device assignments removed.</param>
internal sealed record ApplyEndpointResponse(string Scope, string? Site, string Endpoint, int Users, int OverridesRemoved, EndpointAssignmentResponse Assignment);
