using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Tests.Identifiers;

public class RandomIdsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 14, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void NewVersion7_AnyTime_Version7VariantAndTheTimeInMilliseconds()
    {
        var id = RandomIds.NewVersion7(At);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        var hex = id.ToString("N");
        Assert.Equal(At.ToUnixTimeMilliseconds(), Convert.ToInt64(hex[..12], 16));
        Assert.Equal('7', hex[12]);
        Assert.Contains(hex[16], "89ab");
    }

    [Fact]
    public void NewVersion7_SameMillisecond_SortsLikeTheLibraryOnesAndNeverRepeats()
    {
        var ids = Enumerable.Range(0, 100_000).Select(_ => RandomIds.NewVersion7String(At)).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        // Same prefix as the runtime's own version 7 UUID for that time: both sort by time first.
        Assert.All(ids, id => Assert.StartsWith(Guid.CreateVersion7(At).ToString("N")[..12], id, StringComparison.Ordinal));
    }

    [Fact]
    public void NewVersion7_LaterTime_SortsAfter()
    {
        var earlier = RandomIds.NewVersion7String(At);
        var later = RandomIds.NewVersion7String(At.AddMilliseconds(1));

        Assert.True(string.CompareOrdinal(earlier, later) < 0);
    }

    [Fact]
    public void Fill_ManyCallsAcrossRefills_BytesLookUniform()
    {
        // 64 KiB in 12-byte draws crosses the 4 KiB buffer many times, and not on a draw boundary.
        var counts = new int[256];
        Span<byte> draw = stackalloc byte[12];
        for (var i = 0; i < 65_536 / 12; i++)
        {
            RandomIds.Fill(draw);
            foreach (var b in draw) counts[b]++;
        }

        // Expected 256 per value; a buffer handed out twice, or left zeroed, would skew it far past these bounds.
        Assert.All(counts, c => Assert.InRange(c, 150, 370));
    }

    [Fact]
    public void Fill_TwoDraws_Differ()
    {
        Span<byte> first = stackalloc byte[16];
        Span<byte> second = stackalloc byte[16];

        RandomIds.Fill(first);
        RandomIds.Fill(second);

        Assert.False(first.SequenceEqual(second));
    }

    [Fact]
    public void NewVersion7_BeforeTheEpoch_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomIds.NewVersion7(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));
    }
}
