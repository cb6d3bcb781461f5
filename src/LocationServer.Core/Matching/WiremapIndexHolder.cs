namespace LocationServer.Core.Matching;

/// <summary>Holds the current <see cref="WiremapIndex"/>; readers see either the old or the new index, never a mix.</summary>
public sealed class WiremapIndexHolder
{
    private WiremapIndex _current = WiremapIndex.Empty;

    /// <summary>The index in force.</summary>
    public WiremapIndex Current => Volatile.Read(ref _current);

    /// <summary>True once an index built from the store has been installed.</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>Raised after a swap, with the new index.</summary>
    public event Action<WiremapIndex>? Swapped;

    /// <summary>Installs <paramref name="index"/> unless a newer version is already in force.</summary>
    public bool Swap(WiremapIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (IsLoaded && index.Version < current.Version) return false;
            if (Interlocked.CompareExchange(ref _current, index, current) == current) break;
        }
        IsLoaded = true;
        Swapped?.Invoke(index);
        return true;
    }
}
