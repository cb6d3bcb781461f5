using System.Globalization;
using System.Text;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Locating.Imports;

/// <summary>
/// A working copy of a tenant's wiremap that imported rows are merged into: objects are added or replaced by their
/// identity and never removed, so an import of ports leaves the tenant's subnets alone. Remembers which file line
/// produced each object, so that a rule the whole-wiremap validation finds broken is reported at its line.
/// </summary>
internal sealed class WiremapEdit
{
    private readonly Tenant _tenant;
    private readonly List<Site> _sites;
    private readonly List<DispatchableLocation> _locations;
    private readonly List<NetworkElement> _elements;
    private readonly List<DidAssignment> _dids;
    private readonly List<Requester> _requesters;
    private readonly IReadOnlyList<EmergencyPolicy> _policies;
    private readonly Dictionary<string, int> _siteIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _locationIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<(ElementKind, string), int> _elementIndex = [];
    private readonly Dictionary<string, int> _didIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _requesterIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

    // Lookups by address and by site for SiteFor/LocationFor, built on first use so a large file stays linear;
    // dropped when sites or locations are put directly (our own formats), and rebuilt when next needed.
    private Dictionary<string, string>? _siteByAddress;
    private Dictionary<string, List<int>>? _locationsBySite;

    public WiremapEdit(TenantWiremap current)
    {
        ArgumentNullException.ThrowIfNull(current);
        _tenant = current.Tenant;
        _sites = [.. current.Sites];
        _locations = [.. current.Locations];
        _elements = [.. current.Elements];
        _dids = [.. current.Dids];
        _requesters = [.. current.Requesters];
        _policies = current.Policies;
        for (var i = 0; i < _sites.Count; i++) _siteIndex.TryAdd(_sites[i].Id, i);
        for (var i = 0; i < _locations.Count; i++) _locationIndex.TryAdd(_locations[i].Id, i);
        for (var i = 0; i < _elements.Count; i++) _elementIndex.TryAdd(ElementKey(_elements[i].Kind, _elements[i].Value), i);
        for (var i = 0; i < _dids.Count; i++) _didIndex.TryAdd(DidKey(_dids[i].Number), i);
        for (var i = 0; i < _requesters.Count; i++) _requesterIndex.TryAdd(_requesters[i].Name, i);
    }

    public TenantWiremap ToWiremap() => new(_tenant, [.. _sites], [.. _locations], [.. _elements], [.. _dids], [.. _requesters]) { Policies = _policies };

    public string TenantId => _tenant.Id;

    /// <summary>The working copy's sites, locations and elements as they stand (read-only views).</summary>
    public IReadOnlyList<Site> Sites => _sites;

    public IReadOnlyList<DispatchableLocation> Locations => _locations;

    public IReadOnlyList<NetworkElement> Elements => _elements;

    public DispatchableLocation? FindLocation(string id) => _locationIndex.TryGetValue(id, out var i) ? _locations[i] : null;

    public bool HasSite(string id) => _siteIndex.ContainsKey(id);

    public bool HasLocation(string id) => _locationIndex.ContainsKey(id);

    public Site? FindSite(string id) => _siteIndex.TryGetValue(id, out var i) ? _sites[i] : null;

    /// <summary>The site of a location, or the id itself when it names a site; null when it names neither.</summary>
    public string? SiteOf(string id) => _locationIndex.TryGetValue(id, out var i) ? _locations[i].SiteId : _siteIndex.ContainsKey(id) ? id : null;

    public NetworkElement? FindElement(ElementKind kind, string value) =>
        _elementIndex.TryGetValue(ElementKey(kind, value), out var i) ? _elements[i] : null;

    public void PutSite(Site site, int line)
    {
        Put(_sites, _siteIndex, site.Id, site, "/sites/", line);
        _siteByAddress = null;
    }

    public void PutLocation(DispatchableLocation location, int line)
    {
        Put(_locations, _locationIndex, location.Id, location, "/locations/", line);
        _locationsBySite = null;
    }

    public void PutElement(NetworkElement element, int line) => Put(_elements, _elementIndex, ElementKey(element.Kind, element.Value), element, "/elements/", line);

    public void PutDid(DidAssignment did, int line) => Put(_dids, _didIndex, DidKey(did.Number), did, "/dids/", line);

    public void PutRequester(Requester requester, int line) => Put(_requesters, _requesterIndex, requester.Name, requester, "/requesters/", line);

    /// <summary>The file line that produced the object at a validation path such as <c>/elements/12/value</c>, if any.</summary>
    public int? LineOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // "/elements/12/value" → "/elements/12"
        var second = path.IndexOf('/', 1);
        if (second < 0) return null;
        var third = path.IndexOf('/', second + 1);
        var key = third < 0 ? path : path[..third];
        return _lines.TryGetValue(key, out var line) ? line : null;
    }

    /// <summary>
    /// The site at <paramref name="address"/> (matched on the street address, building and postal code, ignoring case
    /// and the company name), created when there is none; its id is made from the address.
    /// </summary>
    public string SiteFor(CivicAddress address, int line)
    {
        ArgumentNullException.ThrowIfNull(address);
        var key = SiteKey(address);
        if (_siteByAddress is null)
        {
            _siteByAddress = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var site in _sites) _siteByAddress.TryAdd(SiteKey(site.Address), site.Id);
        }
        if (_siteByAddress.TryGetValue(key, out var existing)) return existing;
        var id = UniqueId(Slug(string.Join('-', new[] { address.HNO, address.HNS, address.PRD, address.RD, address.STS, address.POD, address.BLD, address.A3 }.Where(s => !string.IsNullOrEmpty(s)))), "site");
        var name = address.ToDisplayString();
        if (name.Length > WiremapValidator.MaxTextLength) name = name[..WiremapValidator.MaxTextLength];
        Put(_sites, _siteIndex, id, new Site(id, name, address), "/sites/", line);
        _siteByAddress[key] = id;
        return id;
    }

    /// <summary>
    /// The first location in <paramref name="siteId"/> with this text (ignoring case) and, where given, this floor and
    /// room, created when there is none; a new location's id is the site's followed by what names it.
    /// </summary>
    public string LocationFor(string siteId, string? floor, string? room, string? text, int line)
    {
        if (_locationsBySite is null)
        {
            _locationsBySite = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            for (var i = 0; i < _locations.Count; i++) InSite(_locations[i].SiteId).Add(i);
        }
        var inSite = InSite(siteId);
        foreach (var i in inSite)
        {
            var location = _locations[i];
            if (Same(location.Text, text) && (floor is null || Same(location.Floor, floor)) && (room is null || Same(location.Room, room)))
                return location.Id;
        }
        var id = UniqueId(siteId + "-" + Slug(string.Join('-', new[] { floor, room, text }.Where(s => !string.IsNullOrEmpty(s)))), "location");
        Put(_locations, _locationIndex, id, new DispatchableLocation(id, siteId, Floor: floor, Room: room, Text: text), "/locations/", line);
        inSite.Add(_locationIndex[id]);
        return id;

        List<int> InSite(string site)
        {
            if (!_locationsBySite!.TryGetValue(site, out var list)) _locationsBySite[site] = list = [];
            return list;
        }
    }

    private void Put<TKey, T>(List<T> list, Dictionary<TKey, int> index, TKey key, T item, string path, int line) where TKey : notnull
    {
        if (index.TryGetValue(key, out var i)) list[i] = item;
        else
        {
            i = list.Count;
            list.Add(item);
            index[key] = i;
        }
        _lines[path + i.ToString(CultureInfo.InvariantCulture)] = line;
    }

    private string UniqueId(string stem, string fallback)
    {
        if (stem.Length == 0) stem = fallback;
        if (stem.Length > 100) stem = stem[..100].TrimEnd('-');
        var id = stem;
        for (var n = 2; _siteIndex.ContainsKey(id) || _locationIndex.ContainsKey(id); n++)
            id = stem + "-" + n.ToString(CultureInfo.InvariantCulture);
        return id;
    }

    private static bool Same(string? a, string? b) => string.Equals(a ?? "", b ?? "", StringComparison.OrdinalIgnoreCase);

    private static string SiteKey(CivicAddress a) => string.Join('|',
        new[] { a.Country, a.A1, a.A3, a.PRD, a.RD, a.STS, a.POD, a.HNO, a.HNS, a.PC, a.BLD }
            .Select(v => string.Join(' ', (v ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant()));

    private static (ElementKind, string) ElementKey(ElementKind kind, string value) =>
        (kind, WiremapValidator.NormalizeElementValue(kind, value) ?? value ?? "");

    private static string DidKey(string number) => PhoneNumber.Normalize(number) ?? number ?? "";

    /// <summary>Lower-case letters, digits and single dashes: "100 Congress Ave" → "100-congress-ave".</summary>
    internal static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c)) builder.Append(char.ToLowerInvariant(c));
            else if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            else if (builder.Length > 0 && builder[^1] != '-') builder.Append('-');
        }
        return builder.ToString().Trim('-');
    }
}
