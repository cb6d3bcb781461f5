namespace LocationServer.Core.Wiremap;

/// <summary>
/// What replacing one tenant wiremap with another adds, changes and removes, per kind of object: the tenant's own
/// settings, sites, locations, each element kind (off-premises ranges apart), DIDs and requesters. Objects are matched
/// by their identity (ids; an element's kind and normalised value; a DID's normalised number; a requester's name), so
/// a re-spelt MAC is the same element and a moved element is a change.
/// </summary>
/// <param name="Kinds">One entry per kind, in a fixed order, including kinds with nothing to report.</param>
public sealed record WiremapDiff(IReadOnlyList<KindChanges> Kinds)
{
    /// <summary>How many keys each list of <see cref="KindChanges"/> names at most (the counts are always complete).</summary>
    public const int DefaultMaxKeys = 100;

    /// <summary>The kind name of off-premises elements (any element kind with <c>offPremises: true</c>).</summary>
    public const string OffPremisesKind = "offPremises";

    /// <summary>True when nothing would change.</summary>
    public bool IsEmpty => Kinds.All(k => k.Added == 0 && k.Changed == 0 && k.Removed == 0);

    /// <summary>The entry for one kind (e.g. "sites", "deviceMac").</summary>
    public KindChanges this[string kind] => Kinds.First(k => k.Kind == kind);

    /// <summary>Compares <paramref name="before"/> (null: the tenant does not exist yet) with <paramref name="after"/>.</summary>
    public static WiremapDiff Compare(TenantWiremap? before, TenantWiremap after, int maxKeys = DefaultMaxKeys)
    {
        ArgumentNullException.ThrowIfNull(after);
        var kinds = new List<KindChanges>
        {
            Kind("tenant", before is null ? [] : [before.Tenant], [after.Tenant], t => t.Id, (a, b) => a == b, maxKeys),
            Kind("sites", before?.Sites, after.Sites, s => s.Id, (a, b) => a == b, maxKeys),
            Kind("locations", before?.Locations, after.Locations, l => l.Id, SameLocation, maxKeys),
        };
        var beforeElements = (before?.Elements ?? []).ToLookup(ElementBucket);
        var afterElements = after.Elements.ToLookup(ElementBucket);
        foreach (var kind in Enum.GetValues<ElementKind>())
        {
            var name = KindName(kind);
            kinds.Add(Kind(name, [.. beforeElements[name]], [.. afterElements[name]], ElementKey, SameElement, maxKeys));
        }
        kinds.Add(Kind(OffPremisesKind, [.. beforeElements[OffPremisesKind]], [.. afterElements[OffPremisesKind]], e => KindName(e.Kind) + " " + ElementKey(e), SameElement, maxKeys));
        kinds.Add(Kind("dids", before?.Dids, after.Dids, d => Identifiers.PhoneNumber.Normalize(d.Number) ?? d.Number, (a, b) =>
            a.LocationId == b.LocationId && a.CallbackNumber == b.CallbackNumber && a.HeldCapable == b.HeldCapable && a.User == b.User, maxKeys));
        kinds.Add(Kind("requesters", before?.Requesters, after.Requesters, r => r.Name, (a, b) =>
            string.Equals(a.KeySha256, b.KeySha256, StringComparison.OrdinalIgnoreCase) && a.ReferenceOnly == b.ReferenceOnly &&
            (a.SourceCidrs ?? []).SequenceEqual(b.SourceCidrs ?? [], StringComparer.Ordinal), maxKeys));
        return new WiremapDiff(kinds);
    }

    /// <summary>The wiremap JSON spelling of an element kind (<c>bssid</c>, <c>chassisPort</c>, …).</summary>
    public static string KindName(ElementKind kind) => kind switch
    {
        ElementKind.Bssid => "bssid",
        ElementKind.BssidPrefix => "bssidPrefix",
        ElementKind.ChassisPort => "chassisPort",
        ElementKind.Chassis => "chassis",
        ElementKind.DeviceMac => "deviceMac",
        ElementKind.Subnet => "subnet",
        ElementKind.GatewayMac => "gatewayMac",
        ElementKind.PublicIp => "publicIp",
        _ => kind.ToString(),
    };

    private static string ElementBucket(NetworkElement e) => e.OffPremises ? OffPremisesKind : KindName(e.Kind);

    private static string ElementKey(NetworkElement e) => WiremapValidator.NormalizeElementValue(e.Kind, e.Value) ?? e.Value;

    private static bool SameElement(NetworkElement a, NetworkElement b) =>
        a.Kind == b.Kind && a.LocationId == b.LocationId && a.SiteId == b.SiteId && a.OffPremises == b.OffPremises && a.Description == b.Description;

    private static bool SameLocation(DispatchableLocation a, DispatchableLocation b) =>
        a.SiteId == b.SiteId && a.Floor == b.Floor && a.Unit == b.Unit && a.Room == b.Room && a.Text == b.Text &&
        a.Point == b.Point && a.CallbackNumber == b.CallbackNumber && a.TeamsLocationId == b.TeamsLocationId && (a.Elins ?? []).SequenceEqual(b.Elins ?? [], StringComparer.Ordinal);

    private static KindChanges Kind<T>(string kind, IReadOnlyList<T>? before, IReadOnlyList<T> after, Func<T, string> key, Func<T, T, bool> same, int maxKeys)
    {
        var old = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in before ?? []) old.TryAdd(key(item), item);
        List<string> added = [], changed = [], removed = [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in after)
        {
            var k = key(item);
            if (!seen.Add(k)) continue;
            if (!old.TryGetValue(k, out var was)) added.Add(k);
            else if (!same(was, item)) changed.Add(k);
        }
        foreach (var k in old.Keys)
            if (!seen.Contains(k)) removed.Add(k);
        return new KindChanges(kind, added.Count, changed.Count, removed.Count,
            [.. added.Take(maxKeys)], [.. changed.Take(maxKeys)], [.. removed.Take(maxKeys)]);
    }
}

/// <summary>
/// The changes to one kind of object: complete counts, and the keys of the objects concerned (at most
/// <see cref="WiremapDiff.DefaultMaxKeys"/> per list, in document order).
/// </summary>
public sealed record KindChanges(
    string Kind,
    int Added,
    int Changed,
    int Removed,
    IReadOnlyList<string> AddedKeys,
    IReadOnlyList<string> ChangedKeys,
    IReadOnlyList<string> RemovedKeys);
