using NetTopologySuite.Geometries;

namespace LocationServer.Core.Gis;

/// <summary>
/// Collects GIS features (streamed from a loader, one at a time) and builds a <see cref="GisIndex"/>. Strings that
/// repeat (community names, street names, postal codes) are stored once. Not thread-safe.
/// </summary>
public sealed class GisIndexBuilder
{
    /// <summary>Default distance of an interpolated point from the road, in metres.</summary>
    public const double DefaultOffsetMetres = 10;

    private readonly Dictionary<string, CommunityBuilder> _communities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    private readonly HashSet<string> _coveredA1 = new(StringComparer.Ordinal);
    private readonly HashSet<string> _coveredCountries = new(StringComparer.Ordinal);
    private readonly List<GisIndex.AreaEntry> _areas = [];
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private int _points;
    private int _segments;
    private AreaNames? _lastArea;
    private CommunityBuilder? _lastCommunity;

    /// <summary>Distance of interpolated points from the road, in metres. Default <see cref="DefaultOffsetMetres"/>.</summary>
    public double OffsetMetres { get; init; } = DefaultOffsetMetres;

    /// <summary>Address points added so far.</summary>
    public int AddressPointCount => _points;

    /// <summary>Segments added so far (once per community side).</summary>
    public int SegmentCount => _segments;

    /// <summary>Adds an address point; returns a problem when it cannot be used.</summary>
    public GisProblem? Add(AddressPointFeature point)
    {
        ArgumentNullException.ThrowIfNull(point);
        const string Layer = "SiteStructureAddressPoint";
        if (string.IsNullOrWhiteSpace(point.Street.Name)) return new GisProblem(Layer, point.Id, "empty street name (St_Name)");
        if (point.Number <= 0) return new GisProblem(Layer, point.Id, "missing or non-positive address number (Add_Number)");
        if (!double.IsFinite(point.Longitude) || !double.IsFinite(point.Latitude) || Math.Abs(point.Latitude) > 90 || Math.Abs(point.Longitude) > 180)
            return new GisProblem(Layer, point.Id, "bad geometry: the point is empty or outside WGS 84 bounds");
        var community = Community(point.Area);
        if (community is null) return new GisProblem(Layer, point.Id, "empty community (A3, Post_Comm and MSAGComm are all empty)");
        var street = community.Street(point.Street, Intern);
        street.Points.Add(new PointRecord(point.Number, Intern(Trim(point.NumberSuffix)?.ToUpperInvariant()), point.Longitude, point.Latitude, Intern(Trim(point.Area.PostCode))));
        _points++;
        return null;
    }

    /// <summary>Adds a centerline (or an MSAG range when it has no line); returns the problems found, if any.</summary>
    public IReadOnlyList<GisProblem> Add(CenterlineFeature line, string layer = "RoadCenterLine")
    {
        ArgumentNullException.ThrowIfNull(line);
        if (string.IsNullOrWhiteSpace(line.Street.Name)) return [new GisProblem(layer, line.Id, "empty street name (St_Name)")];
        double[]? coordinates = null;
        if (line.Line is { } geometry)
        {
            if (geometry.IsEmpty || geometry.NumPoints < 2 || geometry.Length <= 0)
                return [new GisProblem(layer, line.Id, "bad geometry: the line is empty or has no length")];
            var sequence = geometry.CoordinateSequence;
            coordinates = new double[sequence.Count * 2];
            for (var i = 0; i < sequence.Count; i++)
            {
                // Ordinates straight from the sequence: no Coordinate object per vertex.
                var (x, y) = (sequence.GetX(i), sequence.GetY(i));
                if (!double.IsFinite(x) || !double.IsFinite(y) || Math.Abs(y) > 90 || Math.Abs(x) > 180)
                    return [new GisProblem(layer, line.Id, "bad geometry: a vertex lies outside WGS 84 bounds")];
                coordinates[2 * i] = x;
                coordinates[(2 * i) + 1] = y;
            }
        }
        var problems = new List<GisProblem>(1);
        if (!line.Left.HasAddresses && !line.Right.HasAddresses)
        {
            problems.Add(new GisProblem(layer, line.Id, "no address range on either side"));
            return problems;
        }
        if (line.Left.HasAddresses && line.Right.HasAddresses && line.Left.From != line.Left.To && line.Right.From != line.Right.To &&
            (line.Left.From < line.Left.To) != (line.Right.From < line.Right.To))
            problems.Add(new GisProblem(layer, line.Id, "reversed ranges: the left and right ranges run in opposite directions", Skipped: false));
        foreach (var (side, name) in new[] { (line.Left, "left"), (line.Right, "right") })
        {
            if (!side.HasAddresses) continue;
            if ((side.Parity == Parity.Odd && ((side.From & 1) == 0 || (side.To & 1) == 0)) ||
                (side.Parity == Parity.Even && ((side.From & 1) == 1 || (side.To & 1) == 1)))
                problems.Add(new GisProblem(layer, line.Id, $"the {name} range {side.From}-{side.To} does not have its parity {side.Parity}", Skipped: false));
        }

        var left = line.Left.HasAddresses ? Community(line.Left.Area) : null;
        var right = line.Right.HasAddresses ? Community(line.Right.Area) : null;
        if (left is null && right is null)
        {
            problems.Add(new GisProblem(layer, line.Id, "empty community on both sides (A3, PostComm, MSAGComm)"));
            return problems;
        }
        var id = Intern(line.Id)!;
        if (left is not null && left == right)
        {
            left.Street(line.Street, Intern).Segments.Add(Segment(id, line, coordinates, SideMask.Both));
            _segments++;
        }
        else
        {
            if (left is not null)
            {
                left.Street(line.Street, Intern).Segments.Add(Segment(id, line, coordinates, SideMask.Left));
                _segments++;
            }
            if (right is not null)
            {
                right.Street(line.Street, Intern).Segments.Add(Segment(id, line, coordinates, SideMask.Right));
                _segments++;
            }
        }
        return problems;
    }

    /// <summary>Adds a boundary polygon; returns a problem when its geometry cannot be used.</summary>
    public GisProblem? Add(ServiceArea area, string layer)
    {
        ArgumentNullException.ThrowIfNull(area);
        var polygon = area.Polygon;
        if (polygon is null || polygon.IsEmpty || polygon is not (Polygon or MultiPolygon))
            return new GisProblem(layer, area.Id, "bad geometry: not a polygon");
        if (!polygon.IsValid)
        {
            var repaired = NetTopologySuite.Geometries.Utilities.GeometryFixer.Fix(polygon);
            if (repaired.IsEmpty || repaired is not (Polygon or MultiPolygon)) return new GisProblem(layer, area.Id, "bad geometry: invalid polygon that cannot be repaired");
            area = area with { Polygon = repaired };
        }
        _areas.Add(new GisIndex.AreaEntry(area));
        if (area.Kind == ServiceAreaKind.A1) Cover(area.Area?.Country, area.Name);
        return null;
    }

    /// <summary>Builds the immutable index.</summary>
    public GisIndex Build(GisVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var communities = new Dictionary<string, Community>(_communities.Count + _aliases.Count, StringComparer.Ordinal);
        foreach (var (key, builder) in _communities) communities[key] = builder.Build();
        foreach (var (alias, target) in _aliases)
            if (!communities.ContainsKey(alias)) communities[alias] = communities[target];
        var byName = communities
            .GroupBy(c => c.Key[(c.Key.IndexOf(GisIndex.KeySeparator, StringComparison.Ordinal) + 1)..], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => c.Value).Distinct().ToArray(), StringComparer.Ordinal);
        return new GisIndex(communities, byName, _coveredA1, _coveredCountries, _areas, version, _points, _segments, OffsetMetres);
    }

    private static Segment Segment(string id, CenterlineFeature line, double[]? coordinates, SideMask sides) => new(
        id, line.Left.From, line.Left.To, line.Left.Parity, line.Right.From, line.Right.To, line.Right.Parity, sides,
        line.Left.Area.PostCode?.Trim(), line.Right.Area.PostCode?.Trim(), coordinates);

    private CommunityBuilder? Community(AreaNames area)
    {
        // Features arrive grouped by area in real data: the previous answer is reused without building keys.
        if (_lastArea is { } last && last.A1 == area.A1 && last.A3 == area.A3 && last.PostalCommunity == area.PostalCommunity &&
            last.MsagCommunity == area.MsagCommunity && last.Country == area.Country)
            return _lastCommunity;
        _lastArea = area;
        return _lastCommunity = FindOrAddCommunity(area);
    }

    private CommunityBuilder? FindOrAddCommunity(AreaNames area)
    {
        var a3 = FirstNonEmpty(area.A3, area.PostalCommunity, area.MsagCommunity);
        if (a3 is null) return null;
        var a1 = StreetNames.CommunityKey(area.A1);
        Cover(area.Country, area.A1);
        var key = a1 + GisIndex.KeySeparator + StreetNames.CommunityKey(a3);
        if (!_communities.TryGetValue(key, out var community))
        {
            community = new CommunityBuilder(key, Intern(a3.Trim())!, Intern(Trim(area.A1)), Intern(Trim(area.A2)), Intern(Trim(area.Country)?.ToUpperInvariant()));
            _communities.Add(key, community);
        }
        foreach (var alias in (string?[])[area.PostalCommunity, area.MsagCommunity])
        {
            if (string.IsNullOrWhiteSpace(alias)) continue;
            var aliasKey = a1 + GisIndex.KeySeparator + StreetNames.CommunityKey(alias);
            if (aliasKey != key) _aliases.TryAdd(aliasKey, key);
        }
        return community;
    }

    private void Cover(string? country, string? a1)
    {
        if (!string.IsNullOrWhiteSpace(country)) _coveredCountries.Add(country.Trim().ToUpperInvariant());
        var key = StreetNames.CommunityKey(a1);
        if (key.Length > 0) _coveredA1.Add(key);
    }

    private string? Intern(string? value)
    {
        if (value is null) return null;
        if (_strings.TryGetValue(value, out var interned)) return interned;
        _strings.Add(value, value);
        return value;
    }

    private static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private readonly record struct PointRecord(int Number, string? Suffix, double Longitude, double Latitude, string? PostCode);

    private sealed class CommunityBuilder(string key, string display, string? a1, string? a2, string? country)
    {
        private readonly Dictionary<string, StreetBuilder> _streets = new(StringComparer.Ordinal);

        private StreetName? _lastName;
        private StreetBuilder? _lastStreet;

        public StreetBuilder Street(StreetName name, Func<string?, string?> intern)
        {
            if (_lastName == name && _lastStreet is not null) return _lastStreet;
            _lastName = name;
            return _lastStreet = FindOrAddStreet(name, intern);
        }

        private StreetBuilder FindOrAddStreet(StreetName name, Func<string?, string?> intern)
        {
            var key = name.Key;
            if (!_streets.TryGetValue(key, out var street))
            {
                var interned = new StreetName(intern(Trim(name.PreDirectional)), intern(Trim(name.PreType)), intern(name.Name.Trim())!, intern(Trim(name.PostType)), intern(Trim(name.PostDirectional)));
                street = new StreetBuilder(key, interned);
                _streets.Add(key, street);
            }
            return street;
        }

        public Community Build()
        {
            var streets = new Dictionary<string, Street>(_streets.Count, StringComparer.Ordinal);
            foreach (var (streetKey, builder) in _streets) streets[streetKey] = builder.Build();
            return new Community(key, display, a1, a2, country, streets);
        }
    }

    private sealed class StreetBuilder(string key, StreetName name)
    {
        public List<PointRecord> Points { get; } = [];
        public List<Segment> Segments { get; } = [];

        public Street Build()
        {
            Points.Sort((a, b) => a.Number != b.Number ? a.Number.CompareTo(b.Number) : string.CompareOrdinal(a.Suffix, b.Suffix));
            var numbers = new int[Points.Count];
            var coordinates = new double[Points.Count * 2];
            string?[]? suffixes = null;
            string?[]? postCodes = null;
            for (var i = 0; i < Points.Count; i++)
            {
                var p = Points[i];
                numbers[i] = p.Number;
                coordinates[2 * i] = p.Longitude;
                coordinates[(2 * i) + 1] = p.Latitude;
                if (p.Suffix is not null) (suffixes ??= new string?[Points.Count])[i] = p.Suffix;
                if (p.PostCode is not null) (postCodes ??= new string?[Points.Count])[i] = p.PostCode;
            }
            return new Street(key, name, numbers, suffixes, coordinates, postCodes, [.. Segments]);
        }
    }
}
