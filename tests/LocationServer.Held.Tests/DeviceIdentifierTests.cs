using LocationServer.Held.Tests.Support;

namespace LocationServer.Held.Tests;

/// <summary>RFC 6155 §3 identifier kinds, each good and bad, through the full request parser.</summary>
public class DeviceIdentifierTests
{
    private static HeldParseResult ParseDevice(string inner) =>
        HeldRequestReader.Parse(TestFiles.Request($"<device xmlns=\"urn:ietf:params:xml:ns:geopriv:held:id\">{inner}</device>"));

    [Theory]
    [InlineData("<ip v=\"4\">192.0.2.5</ip>", DeviceIdentifierKind.Ip, "192.0.2.5")]
    [InlineData("<ip v=\"6\">2001:DB8:0:0:0:0:0:1</ip>", DeviceIdentifierKind.Ip, "2001:db8::1")]
    [InlineData("<ip>10.1.2.3</ip>", DeviceIdentifierKind.Ip, "10.1.2.3")]
    [InlineData("<mac>00-11-22-33-44-55</mac>", DeviceIdentifierKind.Mac, "00-11-22-33-44-55")]
    [InlineData("<mac>00:11:22:AA:BB:CC</mac>", DeviceIdentifierKind.Mac, "00-11-22-aa-bb-cc")]
    [InlineData("<mac>0011.22aa.bbcc</mac>", DeviceIdentifierKind.Mac, "00-11-22-aa-bb-cc")]
    [InlineData("<mac>0011223344ff</mac>", DeviceIdentifierKind.Mac, "00-11-22-33-44-ff")]
    [InlineData("<mac>00-11-22-33-44-55-66-77</mac>", DeviceIdentifierKind.Mac, "00-11-22-33-44-55-66-77")]
    [InlineData("<udpport>51393</udpport>", DeviceIdentifierKind.UdpPort, "51393")]
    [InlineData("<tcpport>0</tcpport>", DeviceIdentifierKind.TcpPort, "0")]
    [InlineData("<sctpport>65535</sctpport>", DeviceIdentifierKind.SctpPort, "65535")]
    [InlineData("<dccpport>80</dccpport>", DeviceIdentifierKind.DccpPort, "80")]
    [InlineData("<nai>user@example.net</nai>", DeviceIdentifierKind.Nai, "user@example.net")]
    [InlineData("<nai>joe\\40home</nai>", DeviceIdentifierKind.Nai, "joe\\40home")]
    [InlineData("<uri>sip:alice@example.com</uri>", DeviceIdentifierKind.Uri, "sip:alice@example.com")]
    [InlineData("<uri>\n  tel:+15125550123\n</uri>", DeviceIdentifierKind.Uri, "tel:+15125550123")]
    [InlineData("<uri>\"Alice Smith\" &lt;sip:+15125550199@example.com&gt;</uri>", DeviceIdentifierKind.Uri, "sip:+15125550199@example.com")]
    [InlineData("<uri>+43123456789</uri>", DeviceIdentifierKind.Uri, "+43123456789")]
    [InlineData("<fqdn>Host1.Example.COM.</fqdn>", DeviceIdentifierKind.Fqdn, "host1.example.com")]
    [InlineData("<duid>000100011A2B3C4D</duid>", DeviceIdentifierKind.Duid, "000100011a2b3c4d")]
    [InlineData("<msisdn>11235550123</msisdn>", DeviceIdentifierKind.Msisdn, "11235550123")]
    [InlineData("<imsi>310150123456789</imsi>", DeviceIdentifierKind.Imsi, "310150123456789")]
    [InlineData("<mdn>123456</mdn>", DeviceIdentifierKind.Mdn, "123456")]
    [InlineData("<imei>490154203237518</imei>", DeviceIdentifierKind.Imei, "490154203237518")]
    [InlineData("<min>5125550123</min>", DeviceIdentifierKind.Min, "5125550123")]
    public void Rfc6155_3_ValidIdentifier_IsNormalised(string inner, DeviceIdentifierKind kind, string expected)
    {
        var result = ParseDevice(inner);
        Assert.True(result.IsSuccess, result.Error?.Message);
        Assert.Equal(new DeviceIdentifier(kind, expected), Assert.Single(result.Request.Device!.Identifiers));
    }

    [Theory]
    [InlineData("<ip v=\"4\">2001:db8::1</ip>", "ip")]
    [InlineData("<ip v=\"6\">192.0.2.1</ip>", "ip")]
    [InlineData("<ip v=\"5\">192.0.2.1</ip>", "ip")]
    [InlineData("<ip v=\"4\">10.1</ip>", "ip")]
    [InlineData("<ip v=\"4\">300.1.1.1</ip>", "ip")]
    [InlineData("<ip v=\"6\">fe80::1%eth0</ip>", "ip")]
    [InlineData("<ip>host.example</ip>", "ip")]
    [InlineData("<mac>00-11-22-33-44</mac>", "mac")]
    [InlineData("<mac>00:11-22:33-44:55</mac>", "mac")]
    [InlineData("<mac>gg-11-22-33-44-55</mac>", "mac")]
    [InlineData("<mac></mac>", "mac")]
    [InlineData("<udpport>65536</udpport>", "udpport")]
    [InlineData("<tcpport>-1</tcpport>", "tcpport")]
    [InlineData("<sctpport>http</sctpport>", "sctpport")]
    [InlineData("<dccpport></dccpport>", "dccpport")]
    [InlineData("<nai>user name@example.net</nai>", "nai")]
    [InlineData("<nai>user@@example.net</nai>", "nai")]
    [InlineData("<nai>bad\\zzescape</nai>", "nai")]
    [InlineData("<nai>user@-bad-.example</nai>", "nai")]
    [InlineData("<uri>sip:alice@example.com extra</uri>", "uri")]
    [InlineData("<uri>\"Alice\" &lt;sip:alice@example.com</uri>", "uri")]
    [InlineData("<fqdn>bad_host.example</fqdn>", "fqdn")]
    [InlineData("<fqdn>-host.example</fqdn>", "fqdn")]
    [InlineData("<duid>abc</duid>", "duid")]
    [InlineData("<duid>zz</duid>", "duid")]
    [InlineData("<msisdn>12345</msisdn>", "msisdn")]
    [InlineData("<imsi>1234567890123456</imsi>", "imsi")]
    [InlineData("<mdn>+1512555</mdn>", "mdn")]
    [InlineData("<imei>4901542032375189</imei>", "imei")]
    [InlineData("<imei>49015420323751A</imei>", "imei")]
    [InlineData("<min>512555012</min>", "min")]
    [InlineData("<min>51255501234</min>", "min")]
    public void Rfc6155_3_MalformedIdentifier_IsBadIdentifierNamingElement(string inner, string element)
    {
        var result = ParseDevice(inner);
        Assert.False(result.IsSuccess);
        Assert.Equal(HeldErrorCode.BadIdentifier, result.Error.Code);
        Assert.Contains("device/" + element, result.Error.Message);
    }

    [Theory]
    [InlineData("<uri></uri>")]
    [InlineData("<uri>  </uri>")]
    [InlineData("<uri/>")]
    [InlineData("")]
    public void Rfc6155_EmptyUri_KamailioBug_LeavesNoDevice(string inner)
    {
        var result = ParseDevice(inner);
        Assert.True(result.IsSuccess);
        Assert.Null(result.Request.Device);
    }

    [Fact]
    public void Rfc6155_UnknownIdentifierElement_IsRecordedNotRejected()
    {
        var result = ParseDevice("<uri>sip:a@example.com</uri><imeisv>1234</imeisv><x:tag xmlns:x=\"urn:example:x\">1</x:tag>");
        Assert.True(result.IsSuccess);
        Assert.Equal(
            ["{urn:ietf:params:xml:ns:geopriv:held:id}imeisv", "{urn:example:x}tag"],
            result.Request.UnknownElements);
        Assert.Single(result.Request.Device!.Identifiers);
    }

    [Fact]
    public void Rfc6155_SeveralIdentifiers_KeepDocumentOrderAndTypedShortcuts()
    {
        var result = ParseDevice("<mac>aa:bb:cc:00:11:22</mac><ip v=\"6\">2001:db8::5</ip><uri>sip:x@example.com</uri><tcpport>5060</tcpport>");
        Assert.True(result.IsSuccess);
        var device = result.Request.Device!;
        Assert.Equal(
            [DeviceIdentifierKind.Mac, DeviceIdentifierKind.Ip, DeviceIdentifierKind.Uri, DeviceIdentifierKind.TcpPort],
            device.Identifiers.Select(i => i.Kind));
        Assert.Equal("2001:db8::5", device.Ip!.ToString());
        Assert.Equal("aa-bb-cc-00-11-22", device.Mac!.Value.ToDashString());
        Assert.Equal("sip:x@example.com", device.Uri);
    }
}
