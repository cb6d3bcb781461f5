using LocationServer.Core.Wiremap;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Index.Strtree;

namespace LocationServer.Core.Gis;

/// <summary>
/// The authority's GIS data in memory, immutable: communities (A1 + A3, with postal and MSAG community names as
/// aliases) hold streets by normalised name; a street holds its address points sorted by number and its centerline
/// segments with left/right ranges; boundary polygons (PSAP, responders, A1..A5) sit in an STR-tree. Shared by every
/// tenant. Built off the request path by <see cref="GisIndexBuilder"/> and swapped whole through <see cref="GisIndexHolder"/>.
/// </summary>
public sealed partial class GisIndex
{
    internal const char KeySeparator = '|';

    private readonly Dictionary<string, Community> _communities;
    private readonly Dictionary<string, Community>.AlternateLookup<ReadOnlySpan<char>> _communityLookup;
    private readonly Dictionary<string, Community[]> _communitiesByName;
    private readonly Dictionary<string, Community[]>.AlternateLookup<ReadOnlySpan<char>> _communityNameLookup;
    private readonly HashSet<string> _coveredA1;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _coveredA1Lookup;
    private readonly HashSet<string> _coveredCountries;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _coveredCountryLookup;
    private readonly STRtree<AreaEntry> _areas;
    private readonly List<AreaEntry> _areaList;
    private readonly GeometryFactory _factory = new(new PrecisionModel(), 4326);

    internal GisIndex(
        Dictionary<string, Community> communities,
        Dictionary<string, Community[]> communitiesByName,
        HashSet<string> coveredA1,
        HashSet<string> coveredCountries,
        List<AreaEntry> areas,
        GisVersion version,
        int addressPoints,
        int segments,
        double offsetMetres)
    {
        _communities = communities;
        _communityLookup = communities.GetAlternateLookup<ReadOnlySpan<char>>();
        _communitiesByName = communitiesByName;
        _communityNameLookup = communitiesByName.GetAlternateLookup<ReadOnlySpan<char>>();
        _coveredA1 = coveredA1;
        _coveredA1Lookup = coveredA1.GetAlternateLookup<ReadOnlySpan<char>>();
        _coveredCountries = new HashSet<string>(coveredCountries, StringComparer.OrdinalIgnoreCase);
        _coveredCountryLookup = _coveredCountries.GetAlternateLookup<ReadOnlySpan<char>>();
        _areaList = areas;
        _areas = new STRtree<AreaEntry>();
        foreach (var area in areas) _areas.Insert(area.Area.Polygon.EnvelopeInternal, area);
        _areas.Build();
        Version = version;
        AddressPointCount = addressPoints;
        SegmentCount = segments;
        OffsetMetres = offsetMetres;
    }

    /// <summary>An index with no data: every address is <see cref="AddressValidity.Unchecked"/>.</summary>
    public static GisIndex Empty { get; } = new GisIndexBuilder().Build(GisVersion.None);

    /// <summary>The data set this index was built from.</summary>
    public GisVersion Version { get; }

    /// <summary>Number of address points indexed.</summary>
    public int AddressPointCount { get; }

    /// <summary>Number of centerline segments and MSAG ranges indexed (a segment in two communities counts once per community).</summary>
    public int SegmentCount { get; }

    /// <summary>Number of boundary polygons indexed.</summary>
    public int AreaCount => _areaList.Count;

    /// <summary>Number of communities (A1 + A3) indexed.</summary>
    public int CommunityCount => _communities.Count;

    /// <summary>How far from the road an interpolated point is set, in metres.</summary>
    public double OffsetMetres { get; }

    /// <summary>True when no data is loaded.</summary>
    public bool IsEmpty => _communities.Count == 0 && _areaList.Count == 0;

    /// <summary>
    /// The polygon of <paramref name="kind"/> covering <paramref name="point"/> (edges count as inside); when several
    /// cover it, the smallest wins, ties broken by id.
    /// </summary>
    public ServiceArea? FindArea(ServiceAreaKind kind, GeoPoint point)
    {
        if (!point.IsValid || _areaList.Count == 0) return null;
        var coordinate = new Coordinate(point.Longitude, point.Latitude);
        var candidates = _areas.Query(new Envelope(coordinate));
        if (candidates.Count == 0) return null;
        var geometry = _factory.CreatePoint(coordinate);
        AreaEntry? best = null;
        foreach (var candidate in candidates)
        {
            if (candidate.Area.Kind != kind) continue;
            if (best is not null && !(candidate.Size < best.Size || (candidate.Size == best.Size && string.CompareOrdinal(candidate.Area.Id, best.Area.Id) < 0))) continue;
            if (candidate.Prepared.Covers(geometry)) best = candidate;
        }
        return best?.Area;
    }

    /// <summary>
    /// The administrative polygon of <paramref name="kind"/> (A1..A5) named <paramref name="name"/>, within
    /// <paramref name="a1"/> when given (names compare as normalised community names).
    /// </summary>
    public ServiceArea? FindAreaByName(ServiceAreaKind kind, string? a1, string name)
    {
        var key = StreetNames.CommunityKey(name);
        var state = a1 is null ? null : StreetNames.CommunityKey(a1);
        if (key.Length == 0) return null;
        ServiceArea? found = null;
        foreach (var entry in _areaList)
        {
            if (entry.Area.Kind != kind || entry.NameKey != key) continue;
            if (state is not null && kind != ServiceAreaKind.A1 && entry.A1Key is { Length: > 0 } areaState && areaState != state) continue;
            if (found is null || string.CompareOrdinal(entry.Area.Id, found.Id) < 0) found = entry.Area;
        }
        return found;
    }

    /// <summary>
    /// The smallest polygon of <paramref name="kind"/> that covers the whole of <paramref name="area"/> (a PSAP whose
    /// boundary holds a whole municipality), or null when the area straddles several.
    /// </summary>
    public ServiceArea? FindCovering(ServiceAreaKind kind, ServiceArea area)
    {
        ArgumentNullException.ThrowIfNull(area);
        AreaEntry? best = null;
        foreach (var candidate in _areas.Query(area.Polygon.EnvelopeInternal))
        {
            if (candidate.Area.Kind != kind) continue;
            if (best is not null && candidate.Size >= best.Size) continue;
            if (candidate.Prepared.Covers(area.Polygon)) best = candidate;
        }
        return best?.Area;
    }

    /// <summary>A point inside <paramref name="area"/> (its interior point), for mapping an area to the boundary that holds it.</summary>
    public static GeoPoint InteriorPoint(ServiceArea area)
    {
        ArgumentNullException.ThrowIfNull(area);
        var point = area.Polygon.InteriorPoint;
        return new GeoPoint(point.Y, point.X);
    }

    internal Community? FindCommunity(ReadOnlySpan<char> a1Key, ReadOnlySpan<char> a3Key)
    {
        if (a3Key.IsEmpty) return null;
        if (!a1Key.IsEmpty)
        {
            Span<char> key = stackalloc char[a1Key.Length + 1 + a3Key.Length];
            a1Key.CopyTo(key);
            key[a1Key.Length] = KeySeparator;
            a3Key.CopyTo(key[(a1Key.Length + 1)..]);
            return _communityLookup.TryGetValue(key, out var community) ? community : null;
        }
        // Without a state the name must be unambiguous.
        return _communityNameLookup.TryGetValue(a3Key, out var named) && named.Length == 1 ? named[0] : null;
    }

    internal bool CoversA1(ReadOnlySpan<char> a1Key) => _coveredA1Lookup.Contains(a1Key);

    internal bool CoversCountry(string country) => _coveredCountryLookup.Contains(country.AsSpan().Trim());

    internal IEnumerable<Community> Communities => _communities.Values;

    internal sealed class AreaEntry(ServiceArea area)
    {
        public ServiceArea Area { get; } = area;
        public IPreparedGeometry Prepared { get; } = PreparedGeometryFactory.Prepare(area.Polygon);
        public double Size { get; } = area.Polygon.Area;
        public string NameKey { get; } = StreetNames.CommunityKey(area.Name);
        public string? A1Key { get; } = area.Area?.A1 is { } a1 ? StreetNames.CommunityKey(a1) : null;
    }
}

/// <summary>Identifies a loaded GIS data set: a monotonic version, its name (usually the file name) and when it was loaded.</summary>
public sealed record GisVersion(long Number, string Name, DateTimeOffset LoadedAt)
{
    /// <summary>No data loaded.</summary>
    public static GisVersion None { get; } = new(0, "", DateTimeOffset.UnixEpoch);
}

/// <summary>Holds the <see cref="GisIndex"/> in force; readers see the old or the new index, never a mix.</summary>
public sealed class GisIndexHolder
{
    private GisIndex _current = GisIndex.Empty;

    /// <summary>The index in force.</summary>
    public GisIndex Current => Volatile.Read(ref _current);

    /// <summary>Installs <paramref name="index"/> unless a newer version is already in force.</summary>
    public bool Swap(GisIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (index.Version.Number < current.Version.Number) return false;
            if (Interlocked.CompareExchange(ref _current, index, current) == current) return true;
        }
    }
}
