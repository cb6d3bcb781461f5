namespace LocationServer.Core.Wiremap;

/// <summary>
/// The names a tenant is reached by: its id (case-insensitive, as the LIS URL <c>/held/{tenant}</c> is) and its company
/// UUID (what Cisco MPP phones are provisioned with, also accepted in the URL). No name may reach two tenants, or one
/// tenant's phones could be answered from another's wiremap.
/// </summary>
public static class TenantHandles
{
    /// <summary>The handles of a tenant, normalised: ids in lower case, anything that reads as a UUID in its canonical form.</summary>
    public static IEnumerable<string> Of(string id, Guid? companyUuid)
    {
        ArgumentNullException.ThrowIfNull(id);
        yield return Guid.TryParse(id, out var asUuid) ? asUuid.ToString("D") : id.ToLowerInvariant();
        if (companyUuid is { } uuid) yield return uuid.ToString("D");
    }

    /// <summary>Errors for each handle of <paramref name="tenant"/> that another tenant already answers to.</summary>
    public static IReadOnlyList<ValidationError> Collisions(Tenant tenant, IEnumerable<(string Id, Guid? CompanyUuid)> others)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(others);
        var taken = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, uuid) in others)
            foreach (var handle in Of(id, uuid))
                taken.TryAdd(handle, id);
        var errors = new List<ValidationError>();
        var ownId = Of(tenant.Id, null).First();
        if (taken.TryGetValue(ownId, out var owner))
            errors.Add(new ValidationError("/tenant/id", $"'{tenant.Id}' already names tenant '{owner}' (tenant ids and company UUIDs are unique across tenants, ids case-insensitively)."));
        if (tenant.CompanyUuid is { } companyUuid && taken.TryGetValue(companyUuid.ToString("D"), out owner))
            errors.Add(new ValidationError("/tenant/companyUuid", $"{companyUuid:D} already names tenant '{owner}' (tenant ids and company UUIDs are unique across tenants)."));
        return errors;
    }
}
