using LocationServer.Core.Matching;
using LocationServer.Data.Storage;
using LocationServer.Errors;

namespace LocationServer.Admin;

/// <summary>
/// Admin key management: <c>/admin/keys</c> (system: every key, any role) and <c>/admin/tenants/{tenant}/keys</c>
/// (tenant admins: their tenant's keys, roles below system; auditors read). The full key is in the creation answer
/// only; lists show the id, role, scope, expiry and revocation.
/// </summary>
internal static class AdminKeyEndpoints
{
    public static RouteGroupBuilder MapAdminKeys(this RouteGroupBuilder admin)
    {
        admin.MapGet("/keys", async (WiremapStore store, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(View(await store.ListAdminKeysAsync(null, ct).ConfigureAwait(false), time)))
            .WithAdminAccess(AdminAccess.SystemRead)
            .WithSummary("List every admin key (never the secrets).");

        admin.MapPost("/keys", (HttpContext context, AdminKeyService keys, TimeProvider time, CancellationToken ct) => CreateAsync(context, null, keys, time, ct))
            .WithAdminAccess(AdminAccess.SystemWrite).WithAuditKind("key.create")
            .Accepts<AdminKeyRequest>("application/json")
            .WithSummary("Create a key of any role (system); the answer holds the key, shown this once.")
            .Produces<AdminKeyCreated>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest);

        admin.MapDelete("/keys/{keyId}", async (string keyId, HttpContext context, AdminKeyService keys, CancellationToken ct) =>
                await keys.RevokeAsync(keyId, AdminCaller.From(context.User)!, ct).ConfigureAwait(false) ? Results.NoContent() : Problems.NotFound($"No admin key '{keyId}'."))
            .WithAdminAccess(AdminAccess.SystemWrite).WithAuditKind("key.revoke")
            .WithSummary("Revoke a key: refused at once on this node, within Admin:KeyCacheSeconds on the others.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapGet("/tenants/{tenant}/keys", async (string tenant, WiremapIndexHolder holder, WiremapStore store, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(View(await store.ListAdminKeysAsync(Canonical(holder, tenant), ct).ConfigureAwait(false), time)))
            .WithAdminAccess(AdminAccess.TenantRead)
            .WithSummary("List the tenant's admin keys (never the secrets).");

        admin.MapPost("/tenants/{tenant}/keys", (string tenant, HttpContext context, WiremapIndexHolder holder, AdminKeyService keys, TimeProvider time, CancellationToken ct) =>
                CreateAsync(context, Canonical(holder, tenant), keys, time, ct))
            .WithAdminAccess(AdminAccess.TenantWrite).WithAuditKind("key.create")
            .Accepts<AdminKeyRequest>("application/json")
            .WithSummary("Create a tenantAdmin, siteManager, securityDesk or auditor key of the tenant; the answer holds the key, shown this once.")
            .Produces<AdminKeyCreated>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest);

        admin.MapDelete("/tenants/{tenant}/keys/{keyId}", async (string tenant, string keyId, HttpContext context, WiremapIndexHolder holder, WiremapStore store, AdminKeyService keys, CancellationToken ct) =>
            {
                var key = await store.FindAdminKeyAsync(keyId, ct).ConfigureAwait(false);
                if (key is null || key.TenantId != Canonical(holder, tenant)) return Problems.NotFound($"No admin key '{keyId}' in tenant '{tenant}'.");
                await keys.RevokeAsync(keyId, AdminCaller.From(context.User)!, ct).ConfigureAwait(false);
                return Results.NoContent();
            })
            .WithAdminAccess(AdminAccess.TenantWrite).WithAuditKind("key.revoke")
            .WithSummary("Revoke one of the tenant's keys: refused at once on this node, within Admin:KeyCacheSeconds on the others.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, string? tenant, AdminKeyService keys, TimeProvider time, CancellationToken ct)
    {
        var (body, problem) = await AdminJson.ReadAsync<AdminKeyRequest>(context.Request).ConfigureAwait(false);
        if (problem is not null) return problem;
        var caller = AdminCaller.From(context.User)!;
        var (record, key, errors) = await keys.CreateAsync(body!, caller, tenant, null, ct).ConfigureAwait(false);
        if (record is null)
        {
            // Asking for more than one's own role may grant is a refusal of the caller, not a malformed request.
            return errors.Count == 1 && errors[0].Contains(" may not create ", StringComparison.Ordinal)
                ? Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: errors[0][("/role: ".Length)..])
                : Problems.Invalid(errors);
        }
        var view = View(record, time.GetUtcNow().UtcDateTime);
        AdminAudit.RecordObject(context, record.TenantId, record.Id);
        AdminAudit.RecordAfter(context, view);
        var location = tenant is null ? $"/admin/keys/{record.Id}" : $"/admin/tenants/{tenant}/keys/{record.Id}";
        return TypedResults.Created(location, new AdminKeyCreated(key!, view));
    }

    private static string Canonical(WiremapIndexHolder holder, string tenant) => holder.Current.TryGetTenant(tenant, out var index) ? index.Tenant.Id : tenant;

    private static IReadOnlyList<AdminKeyView> View(IReadOnlyList<AdminKeyRecord> keys, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return [.. keys.Select(k => View(k, now))];
    }

    private static AdminKeyView View(AdminKeyRecord k, DateTime now) => new(
        k.Id, k.Role, k.TenantId, k.Sites, k.Name, k.CreatedUtc, k.CreatedBy, k.ExpiresUtc, k.RevokedUtc, k.RevokedBy,
        k.RevokedUtc is not null ? "revoked" : k.ExpiresUtc is { } e && e <= now ? "expired" : "active");
}

/// <summary>An admin key as listed: never its secret.</summary>
/// <param name="Id">The key id (the part of the key after <c>lsk_</c>, before the secret).</param>
/// <param name="State">active, expired or revoked.</param>
internal sealed record AdminKeyView(string Id, string Role, string? Tenant, IReadOnlyList<string> Sites, string? Name, DateTime CreatedUtc, string CreatedBy,
    DateTime? ExpiresUtc, DateTime? RevokedUtc, string? RevokedBy, string State);

/// <summary>A key just created: <see cref="Key"/> is the whole key, shown this once.</summary>
internal sealed record AdminKeyCreated(string Key, AdminKeyView Details);
