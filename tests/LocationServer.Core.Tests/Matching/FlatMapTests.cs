using LocationServer.Core.Matching;

namespace LocationServer.Core.Tests.Matching;

public class FlatMapTests
{
    [Fact]
    public void TryGetValue_ManySequentialKeys_FindsEveryKeyAfterGrowth()
    {
        var map = new FlatMap<ulong>();
        for (var i = 0; i < 100_000; i++) Assert.True(map.TryAdd(0x0200_0000_0000UL + ((ulong)i << 4), i));

        for (var i = 0; i < 100_000; i++)
        {
            Assert.True(map.TryGetValue(0x0200_0000_0000UL + ((ulong)i << 4), out var value));
            Assert.Equal(i, value);
        }
        Assert.False(map.TryGetValue(0x0200_0000_0001UL, out var missing));
        Assert.Equal(-1, missing);
        Assert.Equal(100_000, map.Count);
    }

    [Fact]
    public void TryAdd_DuplicateKey_KeepsFirstValue()
    {
        var map = new FlatMap<uint>();

        Assert.True(map.TryAdd(0u, 5));
        Assert.False(map.TryAdd(0u, 6));

        Assert.True(map.TryGetValue(0u, out var value));
        Assert.Equal(5, value);
    }

    [Fact]
    public void TryGetValue_WideKeysDifferingOnlyInUpperHalf_AreDistinct()
    {
        var map = new FlatMap<UInt128>();
        for (var i = 0; i < 1_000; i++) Assert.True(map.TryAdd((UInt128)(ulong)i << 64, i));

        for (var i = 0; i < 1_000; i++)
        {
            Assert.True(map.TryGetValue((UInt128)(ulong)i << 64, out var value));
            Assert.Equal(i, value);
        }
        Assert.False(map.TryGetValue(1, out _));
    }

    [Fact]
    public void PrefixTable_NoLengths_MatchesNothing()
    {
        var table = new PrefixTable<uint>();
        table.Freeze();

        Assert.False(table.TryMatch(0x0A000001u, out _));
    }
}
