namespace LocationServer.Core.Matching;

/// <summary>
/// Holds the current <see cref="WiremapIndex"/>; readers see either the old or the new index, never a mix and
/// never null. Swaps are lock-free; an index older than the one in force is refused, so a slow rebuild finishing
/// late cannot roll the wiremap back.
/// </summary>
public sealed class WiremapIndexHolder
{
    private WiremapIndex _current = WiremapIndex.Empty;
    private volatile bool _loaded;

    /// <summary>The index in force (<see cref="WiremapIndex.Empty"/> until the first swap).</summary>
    public WiremapIndex Current => Volatile.Read(ref _current);

    /// <summary>True once an index built from the store has been installed.</summary>
    public bool IsLoaded => _loaded;

    /// <summary>Raised after a swap, with the new index.</summary>
    public event Action<WiremapIndex>? Swapped;

    /// <summary>
    /// Installs <paramref name="index"/> unless a newer version is already in force (an equal version replaces
    /// the current index, so a rebuild of the same version takes effect). Returns false when refused.
    /// </summary>
    public bool Swap(WiremapIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        while (true)
        {
            var current = Volatile.Read(ref _current);
            // Version is compared even before the first load: two racing first loads must not install the older.
            if (current != WiremapIndex.Empty && index.Version < current.Version) return false;
            if (Interlocked.CompareExchange(ref _current, index, current) == current) break;
        }
        _loaded = true;
        Swapped?.Invoke(index);
        return true;
    }
}
