using System.Security.Claims;

namespace LocationServer.Admin;

/// <summary>What an administrator may do (docs/administration.md has the role × operation table).</summary>
internal enum AdminRole
{
    /// <summary>Every tenant, tenant create and delete, global settings and keys.</summary>
    System,
    /// <summary>Everything in one tenant, including its keys (never system keys).</summary>
    TenantAdmin,
    /// <summary>The listed sites of one tenant: their locations, elements, DIDs and endpoints.</summary>
    SiteManager,
    /// <summary>Reads calls, alerts, unknown networks and user-entered addresses of one tenant; acknowledges alerts.</summary>
    SecurityDesk,
    /// <summary>Reads everything of one tenant (or of every tenant, when created without one by a system caller); writes nothing.</summary>
    Auditor,
}

internal static class AdminRoles
{
    public const string Names = "system, tenantAdmin, siteManager, securityDesk, auditor";

    public static string Name(AdminRole role) => role switch
    {
        AdminRole.System => "system",
        AdminRole.TenantAdmin => "tenantAdmin",
        AdminRole.SiteManager => "siteManager",
        AdminRole.SecurityDesk => "securityDesk",
        _ => "auditor",
    };

    public static bool TryParse(string? text, out AdminRole role)
    {
        foreach (var candidate in Enum.GetValues<AdminRole>())
        {
            if (string.Equals(Name(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                role = candidate;
                return true;
            }
        }
        role = default;
        return false;
    }
}

/// <summary>
/// How an admin operation is classified for authorization: declared on the endpoint with
/// <see cref="AdminAccessExtensions.WithAdminAccess{TBuilder}"/>; an endpoint that declares nothing is a tenant read
/// (GET) or tenant write (other methods) when its route names <c>{tenant}</c>, a site read or write when it also
/// names <c>{site}</c>, and system-only otherwise.
/// </summary>
internal enum AdminAccess
{
    /// <summary>Any authenticated caller; the handler narrows the answer to the caller's scope.</summary>
    AnyCaller,
    /// <summary>Reads across tenants: system and all-tenant auditors.</summary>
    SystemRead,
    /// <summary>Changes across tenants (tenant create/delete, global settings, system keys): system only.</summary>
    SystemWrite,
    /// <summary>Reads a tenant's configuration: tenant admins and auditors of the tenant.</summary>
    TenantRead,
    /// <summary>Changes a tenant's configuration as a whole: tenant admins.</summary>
    TenantWrite,
    /// <summary>Reads a site's objects: also site managers of that site.</summary>
    SiteRead,
    /// <summary>
    /// Changes a site's objects: tenant admins, and site managers of that site. Without <c>{site}</c> in the route the
    /// handler checks the site it is given with <see cref="AdminCaller.MaySite"/>.
    /// </summary>
    SiteWrite,
    /// <summary>Reads calls, alerts, unknown networks, user-entered addresses and the alert delivery log: also the security desk.</summary>
    SecurityRead,
    /// <summary>Acknowledges alerts: tenant admins and the security desk.</summary>
    AlertAcknowledge,
    /// <summary>Reads the audit trail: tenant admins and auditors (system and all-tenant auditors for the global trail).</summary>
    AuditRead,
}

/// <summary>The endpoint metadata that classifies an admin operation.</summary>
internal sealed record AdminAccessMetadata(AdminAccess Access);

internal static class AdminAccessExtensions
{
    /// <summary>Classifies the endpoint for the admin authorization policy.</summary>
    public static TBuilder WithAdminAccess<TBuilder>(this TBuilder builder, AdminAccess access)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AdminAccessMetadata(access));
}

/// <summary>
/// The authenticated administrator as the authorization policy and handlers see it, whichever way they signed in
/// (database key, <c>Admin:ApiKey</c>, JWT, loopback on the embedded default).
/// </summary>
/// <param name="Role">The role.</param>
/// <param name="Tenant">The one tenant; null for system and all-tenant auditors.</param>
/// <param name="Sites">A site manager's sites.</param>
/// <param name="Actor">Who, as the audit trail names them: "key:ID", "jwt:SUBJECT", "config-key", "loopback".</param>
internal sealed record AdminCaller(AdminRole Role, string? Tenant, IReadOnlyList<string> Sites, string Actor)
{
    public const string RoleClaim = "locationserver:role";
    public const string TenantClaim = "locationserver:tenant";
    public const string SiteClaim = "locationserver:site";
    public const string ActorClaim = "locationserver:actor";

    /// <summary>The claims an authentication handler issues for this caller.</summary>
    public IEnumerable<Claim> ToClaims()
    {
        yield return new Claim(RoleClaim, AdminRoles.Name(Role));
        yield return new Claim(ActorClaim, Actor);
        if (Tenant is not null) yield return new Claim(TenantClaim, Tenant);
        foreach (var site in Sites) yield return new Claim(SiteClaim, site);
    }

    /// <summary>The caller the principal's claims describe, or null when they name no usable role.</summary>
    public static AdminCaller? From(ClaimsPrincipal? user)
    {
        if (user?.FindFirst(RoleClaim)?.Value is not { } roleName || !AdminRoles.TryParse(roleName, out var role)) return null;
        var tenant = user.FindFirst(TenantClaim)?.Value;
        var sites = user.FindAll(SiteClaim).Select(c => c.Value).ToArray();
        var actor = user.FindFirst(ActorClaim)?.Value ?? "unknown";
        return Create(role, tenant, sites, actor);
    }

    /// <summary>A caller, or null when the role and scope do not fit (a tenant role without a tenant, a system role with one).</summary>
    public static AdminCaller? Create(AdminRole role, string? tenant, IReadOnlyList<string> sites, string actor)
    {
        tenant = string.IsNullOrWhiteSpace(tenant) ? null : tenant;
        return role switch
        {
            AdminRole.System when tenant is null => new(role, null, [], actor),
            AdminRole.Auditor => new(role, tenant, [], actor),
            AdminRole.TenantAdmin or AdminRole.SecurityDesk when tenant is not null => new(role, tenant, [], actor),
            AdminRole.SiteManager when tenant is not null => new(role, tenant, [.. sites.Distinct(StringComparer.Ordinal)], actor),
            _ => null,
        };
    }

    /// <summary>Whether the caller's scope includes the tenant (system and all-tenant auditors include every tenant).</summary>
    public bool CoversTenant(string tenant) => Tenant is null
        ? Role is AdminRole.System or AdminRole.Auditor
        : string.Equals(Tenant, tenant, StringComparison.Ordinal);

    /// <summary>
    /// Whether the caller may change objects of this site of this tenant: for handlers that take a site id from a
    /// body or a stored object rather than from the route.
    /// </summary>
    public bool MaySite(string tenant, string? siteId) => Role switch
    {
        AdminRole.System => true,
        AdminRole.TenantAdmin => CoversTenant(tenant),
        AdminRole.SiteManager => CoversTenant(tenant) && siteId is not null && Sites.Contains(siteId, StringComparer.Ordinal),
        _ => false,
    };

    /// <summary>The one decision: may the caller perform an operation of this class on this tenant (and site)?</summary>
    public bool Allows(AdminAccess access, string? tenant, string? site)
    {
        if (Role == AdminRole.System) return true;
        switch (access)
        {
            case AdminAccess.AnyCaller:
                return true;
            case AdminAccess.SystemRead:
                return Role == AdminRole.Auditor && Tenant is null;
            case AdminAccess.SystemWrite:
                return false;
        }
        if (tenant is null || !CoversTenant(tenant)) return false;
        var inSite = site is null || Sites.Contains(site, StringComparer.Ordinal);
        return access switch
        {
            AdminAccess.TenantRead => Role is AdminRole.TenantAdmin or AdminRole.Auditor,
            AdminAccess.TenantWrite => Role is AdminRole.TenantAdmin,
            AdminAccess.SiteRead => Role is AdminRole.TenantAdmin or AdminRole.Auditor || (Role is AdminRole.SiteManager && inSite),
            AdminAccess.SiteWrite => Role is AdminRole.TenantAdmin || (Role is AdminRole.SiteManager && inSite),
            AdminAccess.SecurityRead => Role is AdminRole.TenantAdmin or AdminRole.SecurityDesk or AdminRole.Auditor,
            AdminAccess.AlertAcknowledge => Role is AdminRole.TenantAdmin or AdminRole.SecurityDesk,
            AdminAccess.AuditRead => Role is AdminRole.TenantAdmin or AdminRole.Auditor,
            _ => false,
        };
    }

    /// <summary>One line for a 403: who the caller is (never the key's secret).</summary>
    public string Describe() => Role switch
    {
        AdminRole.System => "a system administrator",
        AdminRole.SiteManager => $"a site manager of tenant '{Tenant}' (sites {string.Join(", ", Sites)})",
        _ when Tenant is null => $"an {AdminRoles.Name(Role)} of every tenant",
        _ => $"a {AdminRoles.Name(Role)} of tenant '{Tenant}'",
    };
}
