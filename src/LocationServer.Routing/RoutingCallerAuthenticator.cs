using System.Collections.Frozen;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using LocationServer.Core.Matching;

namespace LocationServer.Routing;

/// <summary>Outcome of checking a routing caller's credentials against the tenant it names.</summary>
internal enum RoutingCallerAuth
{
    /// <summary>The API key belongs to a requester of the named tenant.</summary>
    Authorized,
    /// <summary>No <c>authorization</c> metadata (gRPC UNAUTHENTICATED).</summary>
    MissingCredentials,
    /// <summary>Not a Bearer key, or a key no requester holds (gRPC UNAUTHENTICATED).</summary>
    BadCredentials,
    /// <summary>A valid key of another tenant's requester, or a tenant that does not exist (gRPC PERMISSION_DENIED).</summary>
    ForeignTenant,
}

/// <summary>
/// Authenticates callers of the routing service (call servers) by a per-requester API key sent as gRPC metadata
/// <c>authorization: Bearer KEY</c>. The keys are those of the tenants' RFC 6155 requesters (their SHA-256 in the
/// wiremap, as HELD checks them); a key authorises its own tenant only. Source-address-only requesters do not
/// authenticate here: an address alone does not tell which tenant's calls a call server may route.
/// </summary>
internal sealed class RoutingCallerAuthenticator(WiremapIndexHolder wiremap)
{
    private KeyTable? _table;

    /// <summary>
    /// Checks <paramref name="authorization"/> (the metadata value) for <paramref name="tenantIdOrUuid"/>; on success
    /// <paramref name="requester"/> is the requester's name, for the audit trail.
    /// </summary>
    public RoutingCallerAuth Authenticate(string? authorization, string? tenantIdOrUuid, out string? requester)
    {
        requester = null;
        if (string.IsNullOrEmpty(authorization)) return RoutingCallerAuth.MissingCredentials;
        var index = wiremap.Current;
        var table = Table(index);
        // A call server sends the same metadata on every call: a value already verified against this index is not
        // parsed and hashed again.
        if (!table.Verified.TryGetValue(authorization, out var owners))
        {
            if (!AuthenticationHeaderValue.TryParse(authorization, out var header) ||
                !header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) ||
                string.IsNullOrEmpty(header.Parameter))
            {
                return RoutingCallerAuth.BadCredentials;
            }
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(header.Parameter)));
            if (!table.Owners.TryGetValue(hash, out owners)) return RoutingCallerAuth.BadCredentials;
            // Only keys some requester holds, and a bounded number of spellings of them, so refused guesses and
            // variations of a key cannot grow the memory.
            if (table.Verified.Count < KeyTable.MaxVerified) table.Verified.TryAdd(authorization, owners);
        }
        if (!index.TryGetTenant(tenantIdOrUuid, out var tenant)) return RoutingCallerAuth.ForeignTenant;
        foreach (var (tenantId, name) in owners)
        {
            if (string.Equals(tenantId, tenant.Tenant.Id, StringComparison.OrdinalIgnoreCase))
            {
                requester = name;
                return RoutingCallerAuth.Authorized;
            }
        }
        return RoutingCallerAuth.ForeignTenant;
    }

    // Built once per wiremap index; a swap (import, edit) brings the new keys in with the new index.
    private KeyTable Table(WiremapIndex index)
    {
        var table = Volatile.Read(ref _table);
        if (table is not null && ReferenceEquals(table.Index, index)) return table;
        var owners = new Dictionary<string, List<(string, string)>>(StringComparer.Ordinal);
        foreach (var tenant in index.Tenants)
        {
            foreach (var candidate in tenant.Requesters)
            {
                if (string.IsNullOrEmpty(candidate.KeySha256)) continue;
                var key = candidate.KeySha256.ToLowerInvariant();
                if (!owners.TryGetValue(key, out var list)) owners[key] = list = [];
                list.Add((tenant.Tenant.Id, candidate.Name));
            }
        }
        table = new KeyTable(index, owners.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal));
        Volatile.Write(ref _table, table);
        return table;
    }

    private sealed record KeyTable(WiremapIndex Index, FrozenDictionary<string, (string TenantId, string Name)[]> Owners)
    {
        /// <summary>Spellings of verified metadata kept per index: 1,024.</summary>
        public const int MaxVerified = 1024;

        /// <summary>
        /// <c>authorization</c> values already checked against this index, with the owners of their key. Dropped with the
        /// table when the index is swapped, so a key removed from the wiremap stops authenticating with the swap.
        /// </summary>
        public System.Collections.Concurrent.ConcurrentDictionary<string, (string TenantId, string Name)[]> Verified { get; } = new(StringComparer.Ordinal);
    }
}
