using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Tests.Identifiers;

public class MacAddressTests
{
    private const ulong Expected = 0x0011_2233_44AA;

    [Theory]
    [InlineData("00:11:22:33:44:aa")]
    [InlineData("00:11:22:33:44:AA")]
    [InlineData("00-11-22-33-44-aa")]
    [InlineData("00-11-22-33-44-AA")]
    [InlineData("0011.2233.44aa")]
    [InlineData("0011.2233.44AA")]
    [InlineData("0011223344aa")]
    [InlineData("0011223344AA")]
    [InlineData("00:11:22:33:44:Aa")]
    [InlineData("  00:11:22:33:44:aa  ")]
    public void TryParse_AcceptedSpelling_ParsesSameValue(string text)
    {
        Assert.True(MacAddress.TryParse(text, out var mac));
        Assert.Equal(Expected, mac.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("00:11:22:33:44")]
    [InlineData("00:11:22:33:44:55:66")]
    [InlineData("00:11:22:33:44:5")]
    [InlineData("0:11:22:33:44:55")]
    [InlineData("00:11-22:33:44:55")]
    [InlineData("00:11:22:33:44:5g")]
    [InlineData("00112233445")]
    [InlineData("0011223344556")]
    [InlineData(":00:11:22:33:44:55")]
    [InlineData("00:11:22:33:44:55:")]
    [InlineData("00::11:22:33:44:55")]
    [InlineData("001.122.334.455")]
    [InlineData("00.11.22.33.44.55")]
    [InlineData("00 11 22 33 44 55")]
    [InlineData("00:11:22:ff:fe:33:44:55")]
    [InlineData("0011:22ff:fe33:4455")]
    [InlineData("001122fffe334455")]
    public void TryParse_InvalidOrEui64_ReturnsFalse(string text)
    {
        Assert.False(MacAddress.TryParse(text, out _));
    }

    [Fact]
    public void ToString_AnySpelling_IsLowerCaseColonForm()
    {
        Assert.True(MacAddress.TryParse("0011.2233.44AA", out var mac));

        Assert.Equal("00:11:22:33:44:aa", mac.ToString());
        Assert.Equal("00-11-22-33-44-aa", mac.ToDashString());
    }

    [Fact]
    public void TryFromBytes_SixOctets_ParsesBigEndian()
    {
        Assert.True(MacAddress.TryFromBytes([0x00, 0x11, 0x22, 0x33, 0x44, 0xAA], out var mac));
        Assert.Equal(Expected, mac.Value);
        Assert.False(MacAddress.TryFromBytes([0x00, 0x11, 0x22, 0x33, 0x44], out _));
        Assert.False(MacAddress.TryFromBytes([0, 0x11, 0x22, 0xFF, 0xFE, 0x33, 0x44, 0x55], out _));
    }

    [Fact]
    public void Equality_DifferentSpellings_AreEqual()
    {
        Assert.True(MacAddress.TryParse("00-11-22-33-44-AA", out var a));
        Assert.True(MacAddress.TryParse("0011.2233.44aa", out var b));

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }
}
