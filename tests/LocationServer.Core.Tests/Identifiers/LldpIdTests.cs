using LocationServer.Core.Identifiers;
using static LocationServer.Core.Tests.Matching.TestWiremaps;

namespace LocationServer.Core.Tests.Identifiers;

public class LldpIdTests
{
    [Theory]
    [InlineData("00:11:22:33:44:55")]
    [InlineData("00-11-22-33-44-55")]
    [InlineData("0011.2233.4455")]
    [InlineData("001122334455")]
    [InlineData("4:00:11:22:33:44:55")]
    public void TryParse_MacChassis_IsSubtype4AndEqualsRfc7105Report(string text)
    {
        Assert.True(LldpId.TryParse(text, isPort: false, out var wiremap));
        Assert.True(LldpId.TryParseHex(4, "001122334455", out var reported));

        Assert.Equal(4, wiremap!.Subtype);
        Assert.Equal(new byte[] { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 }, wiremap.Octets);
        Assert.Equal(wiremap, reported);
        Assert.Equal(wiremap.GetHashCode(), reported!.GetHashCode());
    }

    [Fact]
    public void TryParse_MacPort_IsSubtype3()
    {
        Assert.True(LldpId.TryParse("00:11:22:33:44:55", isPort: true, out var port));
        Assert.True(LldpId.TryParseHex(3, "001122334455", out var reported));

        Assert.Equal(3, port!.Subtype);
        Assert.Equal(port, reported);
    }

    [Fact]
    public void TryParse_InterfaceNamePort_EqualsRfc7105InterfaceNameReport()
    {
        Assert.True(LldpId.TryParse("Gi1/0/7", isPort: true, out var wiremap));
        Assert.True(LldpId.TryParseHex(5, "4769312f302f37", out var reported));
        Assert.True(LldpId.TryParseHex(5, "4769312F302F37", out var upper));

        Assert.Equal(5, wiremap!.Subtype);
        Assert.Equal(wiremap, reported);
        Assert.Equal(wiremap, upper);
    }

    [Fact]
    public void TryParse_InterfaceNameChassis_IsSubtype6()
    {
        Assert.True(LldpId.TryParse("core-sw-01", isPort: false, out var chassis));

        Assert.Equal(6, chassis!.Subtype);
        Assert.Equal(chassis, LldpIdFromHex(6, Hex("core-sw-01")));
    }

    [Fact]
    public void Equals_SubtypesDiffer_IsFalse()
    {
        Assert.True(LldpId.TryParse("Gi1/0/7", isPort: true, out var name));

        Assert.NotEqual(name, LldpIdFromHex(7, Hex("Gi1/0/7")));
        Assert.NotEqual(name, LldpIdFromHex(5, Hex("Gi1/0/8")));
    }

    [Theory]
    [InlineData("0:Gi1/0/7")]
    [InlineData("0x4769312f302f37")]
    [InlineData("0:0x4769312F302F37")]
    public void TryParse_Subtype0_MatchesAnyReportedSubtype(string text)
    {
        Assert.True(LldpId.TryParse(text, isPort: true, out var wildcard));

        Assert.Equal(0, wildcard!.Subtype);
        Assert.Equal(wildcard, LldpIdFromHex(5, "4769312f302f37"));
        Assert.Equal(wildcard, LldpIdFromHex(7, "4769312f302f37"));
        Assert.NotEqual(wildcard, LldpIdFromHex(5, "4769312f302f38"));
    }

    [Fact]
    public void TryParse_ExplicitLocalSubtype_KeepsTextAndSubtype()
    {
        Assert.True(LldpId.TryParse("7:515", isPort: true, out var local));

        Assert.Equal(7, local!.Subtype);
        Assert.Equal("515"u8.ToArray(), local.Octets);
        Assert.Equal("7:515", local.ToString());
    }

    [Fact]
    public void TryParse_ExplicitNonMacSubtypeWithMacText_IsText()
    {
        Assert.True(LldpId.TryParse("7:00:11:22:33:44:55", isPort: false, out var local));

        Assert.Equal(7, local!.Subtype);
        Assert.Equal("00:11:22:33:44:55"u8.ToArray(), local.Octets);
    }

    [Fact]
    public void TryParse_NetworkAddressChassis_EncodesAddressFamily()
    {
        Assert.True(LldpId.TryParse("5:192.0.2.1", isPort: false, out var chassis));

        Assert.Equal(5, chassis!.Subtype);
        Assert.Equal(new byte[] { 1, 192, 0, 2, 1 }, chassis.Octets);
        Assert.Equal(chassis, LldpIdFromHex(5, "01c0000201"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("0x")]
    [InlineData("0x123")]
    [InlineData("0xzz")]
    [InlineData("4:")]
    public void TryParse_Invalid_ReturnsFalse(string text)
    {
        Assert.False(LldpId.TryParse(text, isPort: false, out var id));
        Assert.Null(id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("0g")]
    public void TryParseHex_Invalid_ReturnsFalse(string hex)
    {
        Assert.False(LldpId.TryParseHex(5, hex, out _));
    }

    [Fact]
    public void TryParseHex_TooLong_ReturnsFalse()
    {
        Assert.False(LldpId.TryParseHex(7, new string('a', 512), out _));
        Assert.True(LldpId.TryParseHex(7, new string('a', 510), out _));
    }

    [Fact]
    public void ToString_MacSubtype_IsColonMac()
    {
        Assert.True(LldpId.TryParse("0011.2233.4455", isPort: false, out var chassis));

        Assert.Equal("4:00:11:22:33:44:55", chassis!.ToString());
    }

    [Fact]
    public void Constructor_EmptyOctets_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LldpId(5, []));
    }

    private static LldpId LldpIdFromHex(byte subtype, string hex)
    {
        Assert.True(LldpId.TryParseHex(subtype, hex, out var id));
        return id!;
    }
}
