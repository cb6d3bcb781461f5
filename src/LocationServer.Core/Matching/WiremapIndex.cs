using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Matching;

/// <summary>
/// The immutable in-memory index of every tenant's wiremap. Built off the request path and swapped atomically
/// (<see cref="WiremapIndexHolder"/>); a HELD request only reads it and never waits on a database.
/// </summary>
public sealed class WiremapIndex
{
    private readonly Dictionary<string, TenantIndex> _byId;
    private readonly Dictionary<Guid, TenantIndex> _byUuid;

    private WiremapIndex(long version, Dictionary<string, TenantIndex> byId, Dictionary<Guid, TenantIndex> byUuid)
    {
        Version = version;
        _byId = byId;
        _byUuid = byUuid;
    }

    /// <summary>An index with no tenants.</summary>
    public static WiremapIndex Empty { get; } = new(0, new(StringComparer.OrdinalIgnoreCase), []);

    /// <summary>Monotonic version of the wiremap this index was built from.</summary>
    public long Version { get; }

    /// <summary>All tenants.</summary>
    public IEnumerable<TenantIndex> Tenants => _byId.Values;

    /// <summary>Total number of network elements indexed.</summary>
    public int ElementCount => _byId.Values.Sum(t => t.ElementCount);

    /// <summary>Builds an index; elements whose value does not parse are skipped and counted.</summary>
    public static WiremapIndex Build(IEnumerable<TenantWiremap> tenants, long version)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var byId = new Dictionary<string, TenantIndex>(StringComparer.OrdinalIgnoreCase);
        var byUuid = new Dictionary<Guid, TenantIndex>();
        foreach (var wiremap in tenants)
        {
            var index = TenantIndex.Build(wiremap);
            byId[wiremap.Tenant.Id] = index;
            if (wiremap.Tenant.CompanyUuid is { } uuid) byUuid[uuid] = index;
        }
        return new WiremapIndex(version, byId, byUuid);
    }

    /// <summary>Finds a tenant by id (case-insensitive) or by company UUID.</summary>
    public bool TryGetTenant(string? idOrUuid, out TenantIndex tenant)
    {
        tenant = null!;
        if (string.IsNullOrWhiteSpace(idOrUuid)) return false;
        if (_byId.TryGetValue(idOrUuid, out var byId)) { tenant = byId; return true; }
        if (Guid.TryParse(idOrUuid, out var uuid) && _byUuid.TryGetValue(uuid, out var byUuid)) { tenant = byUuid; return true; }
        return false;
    }
}

