using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using LocationServer.Data.Storage;
using Microsoft.Extensions.Options;

namespace LocationServer.Admin;

/// <summary>
/// Admin API keys kept in the database. A key reads <c>lsk_ID_SECRET</c>: the 16-hex-digit id names it in lists, logs
/// and the audit trail; the secret is 256 random bits (base64url), stored only as its SHA-256 (a fast hash is enough
/// for a random secret) and compared in constant time. The full key is shown once, when it is created.
/// Lookups are cached for <see cref="AdminOptions.KeyCacheSeconds"/>; a revocation takes effect at once on the
/// replica that made it and within that time on the others.
/// </summary>
internal sealed partial class AdminKeyService(WiremapStore store, TimeProvider time, IOptions<AdminOptions> options, ILogger<AdminKeyService> logger)
{
    public const string Prefix = "lsk_";
    private const int IdLength = 16;
    private const int MaxCached = 10_000;
    private readonly ConcurrentDictionary<string, (AdminKeyRecord? Record, DateTimeOffset Fetched)> _cache = new(StringComparer.Ordinal);

    /// <summary>Whether a bearer token has the shape of one of our keys (rather than a JWT or the configured key).</summary>
    public static bool LooksLikeKey(string token) => token.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The id part of a key, or null when it is not shaped like one.</summary>
    public static string? IdOf(string token) =>
        token.Length > Prefix.Length + IdLength + 1 && LooksLikeKey(token) && token[Prefix.Length + IdLength] == '_'
            ? token.Substring(Prefix.Length, IdLength)
            : null;

    /// <summary>The caller a presented key stands for, or why it is refused (unknown, wrong secret, revoked, expired).</summary>
    public async Task<(AdminCaller? Caller, string? Refusal)> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (IdOf(token) is not { } id) return (null, "The admin key is malformed.");
        var record = await FindAsync(id, cancellationToken).ConfigureAwait(false);
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(token[(Prefix.Length + IdLength + 1)..]));
        // Compared even for an unknown id (against zeros), so timing does not tell which ids exist.
        var expected = record is null ? new byte[32] : Convert.FromHexString(record.SecretSha256);
        var match = CryptographicOperations.FixedTimeEquals(given, expected);
        if (record is null || !match) return (null, "Unknown admin key.");
        var now = time.GetUtcNow().UtcDateTime;
        if (record.RevokedUtc is { } revoked && revoked <= now)
        {
            Log.RefusedRevoked(logger, id);
            return (null, "The admin key has been revoked.");
        }
        if (record.ExpiresUtc is { } expires && expires <= now)
        {
            Log.RefusedExpired(logger, id);
            return (null, "The admin key has expired.");
        }
        var caller = AdminRoles.TryParse(record.Role, out var role) ? AdminCaller.Create(role, record.TenantId, record.Sites, "key:" + id) : null;
        return caller is null ? (null, "The admin key's role does not fit its scope.") : (caller, null);
    }

    /// <summary>
    /// Checks and creates a key for <paramref name="request"/> on behalf of <paramref name="creator"/>; the full key
    /// (to show once) or the problems, each naming its field. <paramref name="audit"/> is stored in the same
    /// transaction when given (the command line; over HTTP the audit filter records the request).
    /// </summary>
    public async Task<(AdminKeyRecord? Record, string? Key, IReadOnlyList<string> Errors)> CreateAsync(
        AdminKeyRequest request, AdminCaller creator, string? routeTenant, Func<AdminKeyRecord, AuditEntry>? audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(creator);
        var errors = new List<string>();
        var now = time.GetUtcNow().UtcDateTime;
        if (!AdminRoles.TryParse(request.Role, out var role)) errors.Add($"/role: must be one of {AdminRoles.Names}");
        var tenant = routeTenant ?? (string.IsNullOrWhiteSpace(request.Tenant) ? null : request.Tenant.Trim());
        if (routeTenant is not null && !string.IsNullOrWhiteSpace(request.Tenant) && request.Tenant.Trim() != routeTenant)
            errors.Add($"/tenant: the key is created in tenant '{routeTenant}' (the route); leave tenant out or name the same");
        var sites = (request.Sites ?? []).Select(s => s?.Trim() ?? "").ToList();
        for (var i = 0; i < sites.Count; i++)
            if (sites[i].Length == 0) errors.Add($"/sites/{i}: must not be empty");
        // Who may create what, before the request's shape: system anything; a tenant admin keys of its own tenant below system.
        if (errors.Count == 0 && creator.Role != AdminRole.System && (creator.Role != AdminRole.TenantAdmin || role == AdminRole.System || tenant is null || !creator.CoversTenant(tenant)))
            return (null, null, ["/role: " + creator.Describe() + $" may not create {AdminRoles.Name(role)} keys{(tenant is null ? "" : $" of tenant '{tenant}'")}"]);
        if (errors.Count == 0)
        {
            switch (role)
            {
                case AdminRole.System when tenant is not null:
                    errors.Add("/tenant: a system key has no tenant");
                    break;
                case AdminRole.TenantAdmin or AdminRole.SiteManager or AdminRole.SecurityDesk when tenant is null:
                    errors.Add($"/tenant: a {AdminRoles.Name(role)} key needs a tenant");
                    break;
                case AdminRole.SiteManager when sites.Count == 0:
                    errors.Add("/sites: a siteManager key needs at least one site");
                    break;
                case not AdminRole.SiteManager when sites.Count > 0:
                    errors.Add("/sites: only siteManager keys have sites");
                    break;
            }
        }
        if (request.ExpiresUtc is { } expiresAt && expiresAt.UtcDateTime <= now) errors.Add("/expiresUtc: must be in the future");
        if (request.Name is { Length: > 200 }) errors.Add("/name: at most 200 characters");
        if (errors.Count > 0) return (null, null, errors);

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new AdminKeyRecord(id, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), AdminRoles.Name(role), tenant, sites,
            string.IsNullOrWhiteSpace(request.Name) ? null : request.Name.Trim(), now, creator.Actor, request.ExpiresUtc?.UtcDateTime);
        await store.AddAdminKeyAsync(record, audit?.Invoke(record), cancellationToken).ConfigureAwait(false);
        Log.Created(logger, id, record.Role);
        return (record, $"{Prefix}{id}_{secret}", []);
    }

    /// <summary>Revokes a key; at once here, within the cache time on other replicas. False when there is no such key.</summary>
    public async Task<bool> RevokeAsync(string id, AdminCaller by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var revoked = await store.RevokeAdminKeyAsync(id, by.Actor, time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
        _cache.TryRemove(id, out _);
        if (revoked) Log.Revoked(logger, id);
        return revoked;
    }

    private async Task<AdminKeyRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ttl = TimeSpan.FromSeconds(options.Value.KeyCacheSeconds);
        if (_cache.TryGetValue(id, out var cached) && now - cached.Fetched < ttl) return cached.Record;
        var record = await store.FindAdminKeyAsync(id, cancellationToken).ConfigureAwait(false);
        // Unknown ids are cached too, so guessing ids cannot turn every request into a database query.
        if (_cache.Count >= MaxCached) _cache.Clear();
        if (ttl > TimeSpan.Zero) _cache[id] = (record, now);
        return record;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static partial class Log
    {
        [LoggerMessage(EventId = 7411, Level = LogLevel.Information, Message = "Admin key {KeyId} created with role {Role}")]
        public static partial void Created(ILogger logger, string keyId, string role);

        [LoggerMessage(EventId = 7412, Level = LogLevel.Information, Message = "Admin key {KeyId} revoked")]
        public static partial void Revoked(ILogger logger, string keyId);

        [LoggerMessage(EventId = 7413, Level = LogLevel.Warning, Message = "Admin key {KeyId} refused: revoked")]
        public static partial void RefusedRevoked(ILogger logger, string keyId);

        [LoggerMessage(EventId = 7414, Level = LogLevel.Warning, Message = "Admin key {KeyId} refused: expired")]
        public static partial void RefusedExpired(ILogger logger, string keyId);
    }
}

/// <summary>A key to create.</summary>
/// <param name="Role">system, tenantAdmin, siteManager, securityDesk or auditor.</param>
/// <param name="Tenant">The tenant (taken from the route on tenant routes); none for system keys and all-tenant auditors.</param>
/// <param name="Sites">A site manager's site ids.</param>
/// <param name="Name">Who holds it, e.g. "Austin facilities".</param>
/// <param name="ExpiresUtc">When it stops working; none: never.</param>
internal sealed record AdminKeyRequest(string? Role, string? Tenant, IReadOnlyList<string?>? Sites, string? Name, DateTimeOffset? ExpiresUtc);
