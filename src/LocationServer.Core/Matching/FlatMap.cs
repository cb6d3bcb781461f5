using System.Numerics;

namespace LocationServer.Core.Matching;

/// <summary>
/// A read-mostly hash map from a number (uint, ulong, UInt128) to an entry index: open addressing with linear
/// probing over one array of key/value slots, so a hit usually costs one cache line, where a
/// <see cref="Dictionary{TKey, TValue}"/> touches a bucket array and an entry array. Filled once at index build,
/// then only read (concurrent reads are safe once filled).
/// </summary>
internal sealed class FlatMap<T>
    where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>
{
    private const ulong Fibonacci = 0x9E37_79B9_7F4A_7C15UL;

    // Value holds entry index + 1; 0 marks an empty slot.
    private Slot[] _slots = new Slot[8];
    private int _shift = 61;

    public int Count { get; private set; }

    public bool TryAdd(T key, int entryIndex)
    {
        if ((Count + 1) * 10 > _slots.Length * 7) Grow();
        if (!Insert(_slots, _shift, key, entryIndex + 1)) return false;
        Count++;
        return true;
    }

    public bool TryGetValue(T key, out int entryIndex)
    {
        var slots = _slots;
        var mask = slots.Length - 1;
        for (var i = Home(key, _shift); ; i = (i + 1) & mask)
        {
            ref readonly var slot = ref slots[i];
            if (slot.Value == 0) break;
            if (slot.Key == key)
            {
                entryIndex = slot.Value - 1;
                return true;
            }
        }
        entryIndex = -1;
        return false;
    }

    private void Grow()
    {
        var slots = new Slot[_slots.Length * 2];
        var shift = _shift - 1;
        foreach (var slot in _slots)
        {
            if (slot.Value != 0) Insert(slots, shift, slot.Key, slot.Value);
        }
        _slots = slots;
        _shift = shift;
    }

    private static bool Insert(Slot[] slots, int shift, T key, int value)
    {
        var mask = slots.Length - 1;
        for (var i = Home(key, shift); ; i = (i + 1) & mask)
        {
            ref var slot = ref slots[i];
            if (slot.Value == 0)
            {
                slot.Key = key;
                slot.Value = value;
                return true;
            }
            if (slot.Key == key) return false;
        }
    }

    // Fibonacci hashing: the top bits of key * 2^64/phi spread sequential MACs and addresses evenly.
    private static int Home(T key, int shift)
    {
        ulong folded;
        if (typeof(T) == typeof(UInt128))
        {
            // Only reached for UInt128, where shifting by 64 is meaningful (for narrower types it would wrap).
            folded = ulong.CreateTruncating(key) ^ ulong.CreateTruncating(key >> 64);
        }
        else
        {
            folded = ulong.CreateTruncating(key);
        }
        return (int)((folded * Fibonacci) >> shift);
    }

    private struct Slot
    {
        public T Key;
        public int Value;
    }
}
