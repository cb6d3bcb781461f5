using LocationServer.Data.Wiremap;
using LocationServer.Locating.Configuration;

namespace LocationServer.Admin;

/// <summary>Administration API settings, section <c>Admin</c>.</summary>
internal sealed class AdminOptions : IValidatedOptions
{
    public const string Section = "Admin";

    /// <summary>
    /// The bootstrap and break-glass key: <c>Authorization: Bearer KEY</c> with it acts as the system role on every
    /// deployment. Default: none. On the embedded default (no PostgreSQL) with no key set, direct loopback connections
    /// without a key act as the system role too. Day-to-day keys live in the database (<c>admin-key create</c>).
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How long a looked-up database key (found or not) is kept in memory, in seconds (0 to 300). A key revoked on
    /// another replica is refused there within this time; on the replica that revoked it, at once. Default 10.
    /// </summary>
    public int KeyCacheSeconds { get; set; } = 10;

    /// <summary>OpenID Connect bearer tokens (JWT) for administrators signed in with their directory; off by default.</summary>
    public AdminJwtOptions Jwt { get; set; } = new();

    /// <summary>
    /// Largest wiremap document accepted by <c>PUT /admin/tenants/{tenant}/wiremap</c> and the <c>import</c> and
    /// <c>validate</c> commands, in bytes (1 MiB to 1 GiB). Default 67,108,864 (64 MiB, about 500,000 elements).
    /// </summary>
    public int MaxWiremapBytes { get; set; } = WiremapJson.MaxDocumentBytes;

    public IEnumerable<string> Validate(IConfiguration configuration)
    {
        if (MaxWiremapBytes is < 1024 * 1024 or > 1024 * 1024 * 1024)
            yield return $"Admin:MaxWiremapBytes must lie between 1048576 (1 MiB) and 1073741824 (1 GiB); it is {MaxWiremapBytes}.";
        if (ApiKey is { Length: > 0 and < 16 }) yield return "Admin:ApiKey must be at least 16 characters.";
        if (KeyCacheSeconds is < 0 or > 300) yield return $"Admin:KeyCacheSeconds must lie between 0 and 300; it is {KeyCacheSeconds}.";
        foreach (var problem in Jwt.Validate()) yield return problem;
    }
}

/// <summary>
/// Settings of section <c>Admin:Jwt</c>: which tokens are accepted (issuer, audience, signing keys) and which of their
/// claims carry the role, tenant and sites. Enabled when <see cref="Authority"/> or <see cref="SigningKeys"/> is set.
/// </summary>
internal sealed class AdminJwtOptions
{
    /// <summary>OpenID Connect issuer URL; its discovery document supplies the signing keys. Default: none.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must name (the API's client id or URI). Required when JWT is enabled.</summary>
    public string? Audience { get; set; }

    /// <summary>The issuer tokens must name when <see cref="SigningKeys"/> are configured instead of an authority. Default: none.</summary>
    public string? Issuer { get; set; }

    /// <summary>PEM public keys (RSA or EC) that sign tokens, instead of (or besides) the authority's. Default: none.</summary>
    public IList<string> SigningKeys { get; } = [];

    /// <summary>Whether the authority's metadata must be fetched over HTTPS. Default true.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Claim holding the role (one value or several). Default "roles".</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>Claim holding the tenant id. Default "tenant".</summary>
    public string TenantClaim { get; set; } = "tenant";

    /// <summary>Claim holding a site manager's site ids (repeated, a JSON array, or comma-separated). Default "sites".</summary>
    public string SitesClaim { get; set; } = "sites";

    /// <summary>
    /// Directory role values mapped to our roles, e.g. <c>Admin:Jwt:Roles:E911.Admins=tenantAdmin</c>. A value that is
    /// not listed is taken as our role name itself (system, tenantAdmin, siteManager, securityDesk, auditor).
    /// </summary>
    public IDictionary<string, string> Roles { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || SigningKeys.Count > 0;

    public IEnumerable<string> Validate()
    {
        if (!Enabled) yield break;
        if (string.IsNullOrWhiteSpace(Audience)) yield return "Admin:Jwt:Audience must be set when Admin:Jwt:Authority or Admin:Jwt:SigningKeys is.";
        if (string.IsNullOrWhiteSpace(Authority) && string.IsNullOrWhiteSpace(Issuer))
            yield return "Admin:Jwt:Issuer must be set when Admin:Jwt:SigningKeys are configured without Admin:Jwt:Authority.";
        if (!string.IsNullOrWhiteSpace(Authority) && !Uri.TryCreate(Authority, UriKind.Absolute, out _))
            yield return $"Admin:Jwt:Authority must be an absolute URL; it is '{Authority}'.";
        for (var i = 0; i < SigningKeys.Count; i++)
            if (AdminJwt.ReadKey(SigningKeys[i]) is null)
                yield return $"Admin:Jwt:SigningKeys:{i} is not a PEM public key (RSA or EC).";
        foreach (var (from, to) in Roles)
            if (!AdminRoles.TryParse(to, out _))
                yield return $"Admin:Jwt:Roles:{from} must name a role ({AdminRoles.Names}); it is '{to}'.";
    }
}
