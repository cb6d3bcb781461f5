using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Matching;

/// <summary>The policy a setting came from, and the scope through which it applied ("tenant", "site hq", "network 10.1.0.0/16").</summary>
public sealed record PolicySource(EmergencyPolicy Policy, string Scope);

/// <summary>A setting's value in force and the policy it came from (null: the global configuration or the built-in default).</summary>
public readonly record struct PolicySetting<T>(T Value, PolicySource? Source);

/// <summary>
/// The settings in force for one place (a site, a network, or both): every setting resolved network → site → tenant →
/// global, each with the policy it came from. Values the global configuration owns (relay centre, test service,
/// callback window) are null here when no policy sets them; the caller falls back to its options.
/// </summary>
public sealed class EffectivePolicy
{
    private static readonly FrozenDictionary<string, DialService> DefaultDialPlan = DialPlanOf(PolicyPresets.Default);

    /// <summary>No policy: the built-in dial strings, enabled, manual entry optional, everything else from configuration.</summary>
    public static EffectivePolicy Global { get; } = new()
    {
        DialPlan = new(DefaultDialPlan, null),
        Mode = new(PolicyMode.Enabled, null),
        ManualEntry = new(ManualEntryPolicy.Optional, null),
    };

    /// <summary>Dialed digits → service.</summary>
    public PolicySetting<FrozenDictionary<string, DialService>> DialPlan { get; private init; }

    /// <summary>
    /// The first emergency dial string of the policy that set the dial strings (preset order, then explicit ones),
    /// the number LoST answers as <c>serviceNumber</c>; null where no policy sets dial strings (LoST's configured number).
    /// </summary>
    public string? ServiceNumber { get; private init; }
    public PolicySetting<PolicyMode> Mode { get; private init; }
    public PolicySetting<string?> RelayCenterUri { get; private init; }
    public PolicySetting<string?> TestServiceUri { get; private init; }
    public PolicySetting<string?> CarrierRouteUri { get; private init; }
    public PolicySetting<ManualEntryPolicy> ManualEntry { get; private init; }
    public PolicySetting<string?> Disclaimer { get; private init; }
    public PolicySetting<int?> CallbackWindowMinutes { get; private init; }
    public PolicySetting<ConferenceHint?> Conference { get; private init; }

    /// <summary>The closest policy that applies to the place, whatever it sets; null when none does.</summary>
    public PolicySource? Closest { get; private init; }

    /// <summary>The service <paramref name="digits"/> ask for under this policy; null when they are not a dial string of it.</summary>
    public DialService? Classify(string digits) =>
        DialPlan.Value.TryGetValue(digits, out var service) ? service : null;

    /// <summary>These settings with <paramref name="policy"/>'s set ones laid over them.</summary>
    internal EffectivePolicy Over(EmergencyPolicy policy, string scope)
    {
        var source = new PolicySource(policy, scope);
        var setsDial = policy.Preset is not null || policy.DialStrings is not null;
        var strings = setsDial ? PolicyDialStrings(policy) : [];
        var dial = setsDial
            ? new PolicySetting<FrozenDictionary<string, DialService>>(DialPlanOf(strings), source)
            : DialPlan;
        return new EffectivePolicy
        {
            DialPlan = dial,
            ServiceNumber = setsDial ? strings.FirstOrDefault(s => s.Service == DialService.Emergency)?.Digits : ServiceNumber,
            Mode = policy.Mode is { } mode ? new(mode, source) : Mode,
            RelayCenterUri = policy.RelayCenterUri is { } relay ? new(relay, source) : RelayCenterUri,
            TestServiceUri = policy.TestServiceUri is { } test ? new(test, source) : TestServiceUri,
            CarrierRouteUri = policy.CarrierRouteUri is { } carrier ? new(carrier, source) : CarrierRouteUri,
            ManualEntry = policy.ManualEntry is { } manual ? new(manual, source) : ManualEntry,
            Disclaimer = policy.Disclaimer is { } text ? new(text, source) : Disclaimer,
            CallbackWindowMinutes = policy.CallbackWindowMinutes is { } minutes ? new(minutes, source) : CallbackWindowMinutes,
            Conference = policy.Conference is { } hint ? new(hint, source) : Conference,
            Closest = source,
        };
    }

    /// <summary>A policy's own dial strings: its preset's, then its explicit ones.</summary>
    public static IReadOnlyList<DialString> PolicyDialStrings(EmergencyPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var list = new List<DialString>();
        if (policy.Preset is { } preset && PolicyPresets.All.TryGetValue(preset, out var strings)) list.AddRange(strings);
        if (policy.DialStrings is { } own) list.AddRange(own);
        return list;
    }

    private static FrozenDictionary<string, DialService> DialPlanOf(IEnumerable<DialString> strings)
    {
        var plan = new Dictionary<string, DialService>(StringComparer.Ordinal);
        foreach (var s in strings) plan[s.Digits] = s.Service;
        return plan.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>
/// One tenant's emergency policies, resolved when the wiremap index is built: the tenant's settings and every
/// site's are precomputed, and a network policy's settings over a site are computed once and kept, so a call pays
/// a prefix lookup and a dictionary probe.
/// </summary>
public sealed class PolicyIndex
{
    private readonly EffectivePolicy _tenant;
    private readonly Dictionary<string, EffectivePolicy> _sites;
    private readonly IpPrefixTable _networks;
    private readonly (EmergencyPolicy Policy, string Cidr)[] _networkEntries;
    private readonly ConcurrentDictionary<(int Network, string Site), EffectivePolicy> _networkOverSite = new();

    private PolicyIndex(EffectivePolicy tenant, Dictionary<string, EffectivePolicy> sites, IpPrefixTable networks, (EmergencyPolicy, string)[] networkEntries)
    {
        _tenant = tenant;
        _sites = sites;
        _networks = networks;
        _networkEntries = networkEntries;
    }

    /// <summary>No policies at all.</summary>
    public static PolicyIndex Empty { get; } = new(EffectivePolicy.Global, [], new IpPrefixTable(), []);

    /// <summary>The tenant's settings (tenant policy over the global ones).</summary>
    public EffectivePolicy Tenant => _tenant;

    /// <summary>
    /// The settings in force for a caller at <paramref name="siteId"/> (null: unknown) reaching us from
    /// <paramref name="address"/> (null: unknown): network over site over tenant over global, per setting.
    /// </summary>
    public EffectivePolicy Resolve(string? siteId, IPAddress? address)
    {
        var site = siteId is not null && _sites.TryGetValue(siteId, out var bySite) ? bySite : _tenant;
        if (address is null || _networkEntries.Length == 0 || !_networks.TryMatch(address, out var network)) return site;
        return _networkOverSite.GetOrAdd((network, siteId is not null && _sites.ContainsKey(siteId) ? siteId : ""), static (key, state) =>
        {
            var (policy, cidr) = state.Entries[key.Network];
            return state.Site.Over(policy, "network " + cidr);
        }, (Entries: _networkEntries, Site: site));
    }

    /// <summary>Builds the index of a valid wiremap (<see cref="WiremapValidator"/>); invalid references are skipped.</summary>
    public static PolicyIndex Build(TenantWiremap wiremap)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        var policies = wiremap.Policies;
        if (policies is not { Count: > 0 }) return Empty;
        var tenant = EffectivePolicy.Global;
        foreach (var p in policies)
            if (p.Scope == PolicyScope.Tenant) tenant = tenant.Over(p, "tenant");
        var known = wiremap.Sites.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var sites = new Dictionary<string, EffectivePolicy>(StringComparer.Ordinal);
        foreach (var p in policies)
        {
            if (p.Scope != PolicyScope.Site) continue;
            foreach (var site in p.SiteIds ?? [])
                if (known.Contains(site)) sites.TryAdd(site, tenant.Over(p, "site " + site));
        }
        var table = new IpPrefixTable();
        var entries = new List<(EmergencyPolicy, string)>();
        foreach (var p in policies)
        {
            if (p.Scope != PolicyScope.Network) continue;
            foreach (var cidr in p.Networks ?? [])
            {
                if (!IpPrefix.TryParse(cidr, out var prefix) || !table.TryAdd(prefix, entries.Count)) continue;
                entries.Add((p, cidr.Trim()));
            }
        }
        table.Freeze();
        return new PolicyIndex(tenant, sites, table, [.. entries]);
    }
}
