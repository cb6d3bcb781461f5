using System.Net;
using LocationServer.Core.Identifiers;

namespace LocationServer.Core.Tests.Identifiers;

public class IpPrefixTests
{
    [Theory]
    [InlineData("10.1.0.0/16", false, 16, "10.1.0.0/16")]
    [InlineData("10.1.2.3", false, 32, "10.1.2.3/32")]
    [InlineData("255.255.255.255/32", false, 32, "255.255.255.255/32")]
    [InlineData("10.0.0.0/08", false, 8, "10.0.0.0/8")]
    [InlineData("0.0.0.0/0", false, 0, "0.0.0.0/0")]
    [InlineData(" 192.168.1.0/24 ", false, 24, "192.168.1.0/24")]
    [InlineData("2001:db8::/48", true, 48, "2001:db8::/48")]
    [InlineData("2001:DB8:0:1::/64", true, 64, "2001:db8:0:1::/64")]
    [InlineData("2001:db8::1", true, 128, "2001:db8::1/128")]
    [InlineData("::/0", true, 0, "::/0")]
    [InlineData("::ffff:10.0.0.0/104", false, 8, "10.0.0.0/8")]
    [InlineData("::ffff:10.1.2.3", false, 32, "10.1.2.3/32")]
    public void TryParse_Valid_Parses(string text, bool isV6, int length, string canonical)
    {
        Assert.True(IpPrefix.TryParse(text, out var prefix));

        Assert.Equal(isV6, prefix.IsV6);
        Assert.Equal(length, prefix.Length);
        Assert.Equal(canonical, prefix.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.1.2.3/16")]
    [InlineData("2001:db8::1/64")]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/ 8")]
    [InlineData("10/8")]
    [InlineData("10.1/16")]
    [InlineData("10.0.0.256/32")]
    [InlineData("010.1.1.0/24")]
    [InlineData("10.01.0.0/16")]
    [InlineData("0x0a.0.0.0/8")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1..2.3")]
    [InlineData("1.2.3.")]
    [InlineData(".1.2.3")]
    [InlineData("10.0.0.0/0008")]
    [InlineData("not-an-address")]
    [InlineData("fe80::1%eth0")]
    [InlineData("::ffff:10.0.0.0/8")]
    public void TryParse_InvalidOrHostBitsSet_ReturnsFalse(string text)
    {
        Assert.False(IpPrefix.TryParse(text, out _));
    }

    [Theory]
    [InlineData("10.1.0.0/16", "10.1.255.7", true)]
    [InlineData("10.1.0.0/16", "10.2.0.1", false)]
    [InlineData("10.1.0.0/16", "::ffff:10.1.2.3", true)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("::/0", "10.0.0.1", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    public void Contains_Address_MatchesFamilyAndPrefix(string prefixText, string address, bool expected)
    {
        Assert.True(IpPrefix.TryParse(prefixText, out var prefix));

        Assert.Equal(expected, prefix.Contains(IPAddress.Parse(address)));
    }

    [Fact]
    public void ToNumber_MappedAddress_EqualsIpv4Number()
    {
        Assert.Equal(IpPrefix.ToNumber(IPAddress.Parse("10.1.2.3")), IpPrefix.ToNumber(IPAddress.Parse("::ffff:10.1.2.3")));
        Assert.True(IpPrefix.IsV4(IPAddress.Parse("::ffff:10.1.2.3")));
        Assert.False(IpPrefix.IsV4(IPAddress.Parse("2001:db8::1")));
    }

    [Fact]
    public void Mask_Lengths_AreLeadingBits()
    {
        Assert.Equal(UInt128.Zero, IpPrefix.Mask(false, 0));
        Assert.Equal((UInt128)0xFFFF_FF00u, IpPrefix.Mask(false, 24));
        Assert.Equal((UInt128)uint.MaxValue, IpPrefix.Mask(false, 32));
        Assert.Equal(UInt128.MaxValue, IpPrefix.Mask(true, 128));
        Assert.Equal(UInt128.MaxValue << 64, IpPrefix.Mask(true, 64));
    }
}
