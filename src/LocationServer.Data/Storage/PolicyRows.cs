using LocationServer.Core.Wiremap;
using LocationServer.Data.Wiremap;

namespace LocationServer.Data.Storage;

/// <summary>
/// One emergency policy of a tenant's wiremap. The settings are kept as the policy's JSON object (the form the
/// wiremap document and the admin API use), so a new optional setting needs no schema change.
/// </summary>
internal sealed class PolicyRow
{
    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public int Ordinal { get; set; }
    /// <summary>The policy as a JSON object (docs/policies.md).</summary>
    public string Document { get; set; } = "{}";
}

/// <summary>Converts a tenant's policies to and from rows.</summary>
internal static class PolicyRowMapping
{
    public static List<PolicyRow> ToRows(TenantWiremap wiremap) =>
        [.. (wiremap.Policies ?? []).Select((p, i) => new PolicyRow
        {
            TenantId = wiremap.Tenant.Id,
            Id = p.Id,
            Ordinal = i,
            Document = WiremapJson.WritePolicyToString(p),
        })];

    public static TenantWiremap WithRows(TenantWiremap wiremap, IEnumerable<PolicyRow> rows)
    {
        var policies = new List<EmergencyPolicy>();
        foreach (var row in rows.OrderBy(r => r.Ordinal))
        {
            // Rows are written from validated policies; one that no longer reads is a schema bug, not data to skip.
            var policy = WiremapJson.ReadPolicy(row.Document, out var errors)
                ?? throw new InvalidOperationException($"Policy '{row.Id}' of tenant '{row.TenantId}' does not read back: {string.Join("; ", errors)}");
            policies.Add(policy);
        }
        return policies.Count == 0 ? wiremap : wiremap with { Policies = policies };
    }
}
