using LocationServer.Core.Wiremap;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.Index.Strtree;

namespace LocationServer.Core.Routing;

/// <summary>
/// Immutable point-in-polygon index over PSAP service boundaries: an STR-tree of envelopes narrows the
/// candidates, prepared geometries answer the containment test. Built off the request path and swapped
/// atomically through <see cref="PsapBoundaryIndexHolder"/>.
/// </summary>
public sealed class PsapBoundaryIndex
{
    private readonly STRtree<Entry> _tree;
    private readonly GeometryFactory _factory;

    private PsapBoundaryIndex(STRtree<Entry> tree, int count, long version)
    {
        _tree = tree;
        Count = count;
        Version = version;
        _factory = PsapGeometry.Factory;
    }

    /// <summary>An index with no boundaries: every lookup misses, so calls go to the relay centre.</summary>
    public static PsapBoundaryIndex Empty { get; } = Build([], 0);

    /// <summary>Number of boundaries indexed.</summary>
    public int Count { get; }

    /// <summary>Monotonic version of the boundary set this index was built from.</summary>
    public long Version { get; }

    /// <summary>Builds an index. Boundaries must already be valid (see <see cref="PsapBoundaryImport"/>).</summary>
    public static PsapBoundaryIndex Build(IEnumerable<PsapBoundary> boundaries, long version)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        var tree = new STRtree<Entry>();
        var count = 0;
        foreach (var boundary in boundaries)
        {
            var geometry = boundary.Polygon;
            tree.Insert(geometry.EnvelopeInternal, new Entry(boundary, PreparedGeometryFactory.Prepare(geometry), geometry.Area));
            count++;
        }
        tree.Build();
        return new PsapBoundaryIndex(tree, count, version);
    }

    /// <summary>
    /// The boundary covering <paramref name="point"/> (points on an edge count as inside). When several cover it,
    /// the smallest area wins, so a city PSAP inside a county PSAP takes the city's calls; ties break by id.
    /// Only shared boundaries and those of <paramref name="tenantId"/> are considered.
    /// </summary>
    public PsapBoundary? Find(GeoPoint point, string? tenantId = null)
    {
        if (!point.IsValid || Count == 0) return null;
        var coordinate = new Coordinate(point.Longitude, point.Latitude);
        var candidates = _tree.Query(new Envelope(coordinate));
        if (candidates.Count == 0) return null;
        var geometry = _factory.CreatePoint(coordinate);
        Entry? best = null;
        foreach (var candidate in candidates)
        {
            var owner = candidate.Boundary.TenantId;
            if (owner is not null && !string.Equals(owner, tenantId, StringComparison.OrdinalIgnoreCase)) continue;
            if (best is not null && !IsBetter(candidate, best)) continue;
            if (candidate.Prepared.Covers(geometry)) best = candidate;
        }
        return best?.Boundary;
    }

    private static bool IsBetter(Entry candidate, Entry best) =>
        candidate.Area < best.Area ||
        (candidate.Area == best.Area && string.CompareOrdinal(candidate.Boundary.Id, best.Boundary.Id) < 0);

    private sealed record Entry(PsapBoundary Boundary, IPreparedGeometry Prepared, double Area);
}

/// <summary>Holds the current <see cref="PsapBoundaryIndex"/>; readers see either the old or the new index, never a mix.</summary>
public sealed class PsapBoundaryIndexHolder
{
    private PsapBoundaryIndex _current = PsapBoundaryIndex.Empty;

    /// <summary>The index in force.</summary>
    public PsapBoundaryIndex Current => Volatile.Read(ref _current);

    /// <summary>Installs <paramref name="index"/> unless a newer version is already in force.</summary>
    public bool Swap(PsapBoundaryIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current.Count > 0 && index.Version < current.Version) return false;
            if (Interlocked.CompareExchange(ref _current, index, current) == current) return true;
        }
    }
}
