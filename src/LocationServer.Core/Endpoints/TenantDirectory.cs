using System.Collections.Frozen;
using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Endpoints;

/// <summary>
/// One tenant's endpoints, assignments and users, indexed for the routing path: every lookup is one hash probe, so
/// resolving a call's callback number costs no database round trip. Immutable; a change builds a new one.
/// </summary>
public sealed class TenantDirectory
{
    private readonly FrozenDictionary<string, EmergencyEndpoint> _bySite;
    private readonly FrozenDictionary<string, EmergencyEndpoint> _byUser;
    private readonly FrozenDictionary<ulong, EmergencyEndpoint> _byDevice;
    private readonly FrozenDictionary<string, DirectoryUser> _usersByNumber;
    private readonly FrozenDictionary<ulong, DirectoryUser> _usersByMac;

    private TenantDirectory(string tenantId, long version, EmergencyEndpoint? forTenant,
        FrozenDictionary<string, EmergencyEndpoint> bySite, FrozenDictionary<string, EmergencyEndpoint> byUser, FrozenDictionary<ulong, EmergencyEndpoint> byDevice,
        FrozenDictionary<string, DirectoryUser> usersByNumber, FrozenDictionary<ulong, DirectoryUser> usersByMac, int endpoints, int users)
    {
        TenantId = tenantId;
        Version = version;
        ForTenant = forTenant;
        _bySite = bySite;
        _byUser = byUser;
        _byDevice = byDevice;
        _usersByNumber = usersByNumber;
        _usersByMac = usersByMac;
        EndpointCount = endpoints;
        UserCount = users;
    }

    public string TenantId { get; }

    /// <summary>The stored directory version this index was built from.</summary>
    public long Version { get; }

    /// <summary>The endpoint assigned to the whole tenant, if any.</summary>
    public EmergencyEndpoint? ForTenant { get; }

    public int EndpointCount { get; }

    public int UserCount { get; }

    /// <summary>An empty directory (no endpoints, no users) for a tenant.</summary>
    public static TenantDirectory Empty(string tenantId) => Build(new TenantDirectoryData(tenantId, 0, [], [], []));

    public EmergencyEndpoint? ForSite(string? siteId) => siteId is not null ? _bySite.GetValueOrDefault(siteId) : null;

    public EmergencyEndpoint? ForUser(DirectoryUser? user) => user is not null ? _byUser.GetValueOrDefault(user.Id) : null;

    public EmergencyEndpoint? ForDevice(MacAddress? mac) => mac is { } m ? _byDevice.GetValueOrDefault(m.Value) : null;

    /// <summary>The user one of whose DIDs is <paramref name="e164"/> (already normalised), or null.</summary>
    public DirectoryUser? UserByNumber(string? e164) => e164 is not null ? _usersByNumber.GetValueOrDefault(e164) : null;

    /// <summary>The user one of whose devices has <paramref name="mac"/>, or null.</summary>
    public DirectoryUser? UserByMac(MacAddress? mac) => mac is { } m ? _usersByMac.GetValueOrDefault(m.Value) : null;

    /// <summary>
    /// Builds the index. An assignment naming an endpoint that does not exist, or a MAC that does not parse, is left
    /// out (the store's constraints prevent both).
    /// </summary>
    public static TenantDirectory Build(TenantDirectoryData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var endpoints = data.Endpoints.ToDictionary(e => e.Id, StringComparer.Ordinal);
        EmergencyEndpoint? forTenant = null;
        var bySite = new Dictionary<string, EmergencyEndpoint>(StringComparer.Ordinal);
        var byUser = new Dictionary<string, EmergencyEndpoint>(StringComparer.Ordinal);
        var byDevice = new Dictionary<ulong, EmergencyEndpoint>();
        foreach (var assignment in data.Assignments)
        {
            if (!endpoints.TryGetValue(assignment.EndpointId, out var endpoint)) continue;
            switch (assignment.Scope)
            {
                case EndpointScope.Tenant: forTenant = endpoint; break;
                case EndpointScope.Site: bySite[assignment.Target] = endpoint; break;
                case EndpointScope.User: byUser[assignment.Target] = endpoint; break;
                case EndpointScope.Device when MacAddress.TryParse(assignment.Target, out var mac): byDevice[mac.Value] = endpoint; break;
            }
        }
        var byNumber = new Dictionary<string, DirectoryUser>(StringComparer.Ordinal);
        var byMac = new Dictionary<ulong, DirectoryUser>();
        foreach (var user in data.Users)
        {
            foreach (var did in user.Dids ?? []) byNumber.TryAdd(did, user);
            foreach (var text in user.DeviceMacs ?? [])
                if (MacAddress.TryParse(text, out var mac)) byMac.TryAdd(mac.Value, user);
        }
        return new TenantDirectory(data.TenantId, data.Version, forTenant,
            bySite.ToFrozenDictionary(StringComparer.Ordinal), byUser.ToFrozenDictionary(StringComparer.Ordinal), byDevice.ToFrozenDictionary(),
            byNumber.ToFrozenDictionary(StringComparer.Ordinal), byMac.ToFrozenDictionary(), endpoints.Count, data.Users.Count);
    }
}

/// <summary>
/// Holds every tenant's <see cref="TenantDirectory"/>; readers see a tenant's old or new directory, never a mix.
/// Swaps are lock-free, per tenant, and refuse a version older than the one in force.
/// </summary>
public sealed class EndpointDirectoryHolder
{
    private FrozenDictionary<string, TenantDirectory> _tenants = FrozenDictionary<string, TenantDirectory>.Empty;
    private volatile bool _loaded;

    /// <summary>True once the directory was read from the store.</summary>
    public bool IsLoaded => _loaded;

    /// <summary>The tenant's directory, or null when it has none.</summary>
    public TenantDirectory? Find(string tenantId) => Volatile.Read(ref _tenants).GetValueOrDefault(tenantId);

    /// <summary>Version per tenant in force.</summary>
    public IReadOnlyDictionary<string, long> Versions() => Volatile.Read(ref _tenants).ToDictionary(t => t.Key, t => t.Value.Version, StringComparer.Ordinal);

    /// <summary>Installs <paramref name="directory"/> unless a newer version of that tenant is in force.</summary>
    public bool Swap(TenantDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        while (true)
        {
            var current = Volatile.Read(ref _tenants);
            if (current.TryGetValue(directory.TenantId, out var existing) && existing.Version > directory.Version) return false;
            var next = new Dictionary<string, TenantDirectory>(current, StringComparer.Ordinal) { [directory.TenantId] = directory };
            if (Interlocked.CompareExchange(ref _tenants, next.ToFrozenDictionary(StringComparer.Ordinal), current) == current) return true;
        }
    }

    /// <summary>Drops a tenant whose directory is gone from the store.</summary>
    public void Remove(string tenantId)
    {
        while (true)
        {
            var current = Volatile.Read(ref _tenants);
            if (!current.ContainsKey(tenantId)) return;
            var next = current.Where(t => t.Key != tenantId).ToFrozenDictionary(StringComparer.Ordinal);
            if (Interlocked.CompareExchange(ref _tenants, next, current) == current) return;
        }
    }

    /// <summary>Marks the first full read from the store as done.</summary>
    public void MarkLoaded() => _loaded = true;
}
