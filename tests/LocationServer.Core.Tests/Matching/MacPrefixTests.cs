using LocationServer.Core.Matching;
using static LocationServer.Core.Tests.Matching.TestWiremaps;

namespace LocationServer.Core.Tests.Matching;

public class MacPrefixTests
{
    [Theory]
    [InlineData("00:11:22:33:44:5*", 0x0011_2233_4450UL, 44)]
    [InlineData("00-11-22-33-44-5*", 0x0011_2233_4450UL, 44)]
    [InlineData("0011.2233.445*", 0x0011_2233_4450UL, 44)]
    [InlineData("00112233445*", 0x0011_2233_4450UL, 44)]
    [InlineData("00:11:22:33:44:*", 0x0011_2233_4400UL, 40)]
    [InlineData("00:11:22:33:44:50/44", 0x0011_2233_4450UL, 44)]
    [InlineData("00:11:22:33:44:40/42", 0x0011_2233_4440UL, 42)]
    [InlineData("00:11:22:33:44:55/48", 0x0011_2233_4455UL, 48)]
    [InlineData("AA:BB:CC:DD:EE:F*", 0xAABB_CCDD_EEF0UL, 44)]
    public void TryParse_Valid_Parses(string text, ulong value, int bits)
    {
        Assert.True(MacPrefix.TryParse(text, out var prefix));

        Assert.Equal(value, prefix.Value);
        Assert.Equal(bits, prefix.Bits);
    }

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("00:11:22:33:44:55")]
    [InlineData("00:11:22:33:44:55*")]
    [InlineData("00:11:22:33:44:5g*")]
    [InlineData("00:11:22:33:44:55/44")]
    [InlineData("00:11:22:33:44:50/0")]
    [InlineData("00:11:22:33:44:50/49")]
    [InlineData("00:11:22:33:44:50/")]
    [InlineData("00:11:22:33:44/40")]
    public void TryParse_Invalid_ReturnsFalse(string text)
    {
        Assert.False(MacPrefix.TryParse(text, out _));
    }

    [Fact]
    public void Contains_MacsInAndOutsideWildcard_Answers()
    {
        Assert.True(MacPrefix.TryParse("00:11:22:33:44:5*", out var prefix));

        Assert.True(prefix.Contains(Mac("00:11:22:33:44:50")));
        Assert.True(prefix.Contains(Mac("00:11:22:33:44:5f")));
        Assert.False(prefix.Contains(Mac("00:11:22:33:44:60")));
        Assert.Equal("00:11:22:33:44:50/44", prefix.ToString());
    }
}
