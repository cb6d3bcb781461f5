using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Routing;

namespace LocationServer.Core.Tests.Routing;

public sealed class StationIdentityTests
{
    private static readonly MacAddress Mac = new(0x0004f215c285);

    [Theory]
    [InlineData("uu_StationMacAddress=0004f215c285;uu_StationIPAddress=192.168.1.4")]
    [InlineData("uu_StationIPAddress=192.168.1.4;uu_StationMacAddress=0004f215c285")]
    [InlineData("\"uu_StationMacAddress=0004f215c285;uu_StationIPAddress=192.168.1.4\"")]
    [InlineData("UU_STATIONMACADDRESS = 00:04:F2:15:C2:85 ; uu_stationipaddress = 192.168.1.4 ")]
    [InlineData("uu_StationMacAddress=\"0004.f215.c285\", uu_StationIPAddress='192.168.1.4'")]
    [InlineData("foo=bar;StationMacAddress=00-04-f2-15-c2-85;StationIPAddress=192.168.1.4;")]
    public void TryParse_Variants_ReturnMacAndIp(string text)
    {
        Assert.True(StationIdentity.TryParse(text, out var identity));
        Assert.Equal(Mac, identity.Mac);
        Assert.Equal(IPAddress.Parse("192.168.1.4"), identity.Address);
    }

    [Fact]
    public void TryParse_MacOnly_ReturnsMac()
    {
        Assert.True(StationIdentity.TryParse("uu_StationMacAddress=0004f215c285", out var identity));
        Assert.Equal(Mac, identity.Mac);
        Assert.Null(identity.Address);
    }

    [Fact]
    public void TryParse_Ipv6InBrackets_ReturnsAddress()
    {
        Assert.True(StationIdentity.TryParse("uu_StationIPAddress=[2001:db8::4]", out var identity));
        Assert.Equal(IPAddress.Parse("2001:db8::4"), identity.Address);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("uu_StationMacAddress=zz;uu_StationIPAddress=999.1.1.1")]
    [InlineData("no parameters here")]
    public void TryParse_Nothing_ReturnsFalse(string? text)
    {
        Assert.False(StationIdentity.TryParse(text, out var identity));
        Assert.True(identity.IsEmpty);
    }

    [Fact]
    public void TryParse_BadMacGoodIp_KeepsIp()
    {
        Assert.True(StationIdentity.TryParse("uu_StationMacAddress=xyz;uu_StationIPAddress=10.0.0.1", out var identity));
        Assert.Null(identity.Mac);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), identity.Address);
    }
}
