using System.Numerics;

namespace LocationServer.Core.Matching;

/// <summary>
/// Longest-prefix match over left-aligned keys of one width (uint for IPv4, ulong for MAC prefixes and the upper
/// half of IPv6, UInt128 for IPv6 prefixes longer than /64): one hash table per prefix length, probing only the
/// lengths present, longest first. Lookup cost depends on the number of distinct lengths, not on the number of
/// prefixes. Fill with <see cref="TryAdd"/>, then <see cref="Freeze"/> before the first lookup.
/// </summary>
internal sealed class PrefixTable<T>
    where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>
{
    private static readonly int Width = T.AllBitsSet.GetByteCount() * 8;

    private readonly FlatMap<T>?[] _byLength = new FlatMap<T>?[Width + 1];
    private FlatMap<T>[] _tables = [];
    private T[] _masks = [];

    public int Count { get; private set; }

    public static T MaskOf(int length) => length <= 0 ? T.Zero : T.AllBitsSet << (Width - length);

    /// <summary>Adds a left-aligned network; false when the same network and length are already present.</summary>
    public bool TryAdd(T network, int length, int entryIndex)
    {
        var table = _byLength[length] ??= new();
        if (!table.TryAdd(network & MaskOf(length), entryIndex)) return false;
        Count++;
        return true;
    }

    /// <summary>Fixes the probe order (longest length first).</summary>
    public void Freeze()
    {
        var tables = new List<FlatMap<T>>();
        var masks = new List<T>();
        for (var length = Width; length >= 0; length--)
        {
            if (_byLength[length] is not { Count: > 0 } table) continue;
            tables.Add(table);
            masks.Add(MaskOf(length));
        }
        _tables = [.. tables];
        _masks = [.. masks];
    }

    /// <summary>The entry of the longest prefix containing <paramref name="value"/>.</summary>
    public bool TryMatch(T value, out int entryIndex)
    {
        var tables = _tables;
        var masks = _masks;
        for (var i = 0; i < tables.Length && i < masks.Length; i++)
        {
            if (tables[i].TryGetValue(value & masks[i], out entryIndex)) return true;
        }
        entryIndex = -1;
        return false;
    }
}
