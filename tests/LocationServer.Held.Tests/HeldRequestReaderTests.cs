using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Held.Tests.Support;

namespace LocationServer.Held.Tests;

public class HeldRequestReaderTests
{
    private static HeldRequest Ok(byte[] body)
    {
        var result = HeldRequestReader.Parse(body);
        Assert.True(result.IsSuccess, result.Error?.Code + ": " + result.Error?.Message);
        return result.Request;
    }

    private static HeldError Err(byte[] body)
    {
        var result = HeldRequestReader.Parse(body);
        Assert.False(result.IsSuccess);
        return result.Error;
    }

    [Theory]
    [InlineData("rfc5985-10.1-request-empty.xml")]
    [InlineData("rfc5985-10.2-request.xml")]
    [InlineData("rfc6753-fig4-minimal-dereference-request.xml")]
    public void Rfc5985_10_1_EmptyRequest_ParsesAsAnyWithNoExtensions(string file)
    {
        var request = Ok(TestFiles.Vector(file));
        Assert.Empty(request.LocationTypes);
        Assert.False(request.Exact);
        Assert.Equal(ResponseTimeKind.None, request.ResponseTime.Kind);
        Assert.Null(request.Device);
        Assert.False(request.HasMeasurements);
        Assert.Empty(request.UnknownElements);
    }

    [Fact]
    public void Rfc5985_10_3_MultipleTypes_KeepsOrderAndExact()
    {
        var request = Ok(TestFiles.Vector("rfc5985-10.3-request-multiple.xml"));
        Assert.Equal([LocationType.Geodetic, LocationType.Civic, LocationType.LocationUri], request.LocationTypes);
        Assert.True(request.Exact);
    }

    [Fact]
    public void Rfc6753_3_2_GetEquivalentRequest_ParsesGeodeticCivicNotExact()
    {
        var request = Ok(TestFiles.Vector("rfc6753-fig1-get-equivalent-request.xml"));
        Assert.Equal([LocationType.Geodetic, LocationType.Civic], request.LocationTypes);
        Assert.False(request.Exact);
    }

    [Fact]
    public void Rfc6155_2_2_Fig1_RequestWithIp_ParsesDeviceAndResponseTime()
    {
        var request = Ok(TestFiles.Vector("rfc6155-fig1-request-ip.xml"));
        Assert.Equal(new ResponseTime(ResponseTimeKind.Milliseconds, 8), request.ResponseTime);
        Assert.Equal([LocationType.Geodetic], request.LocationTypes);
        Assert.True(request.Exact);
        Assert.Equal(IPAddress.Parse("192.0.2.5"), request.Device!.Ip);
        Assert.Equal(new DeviceIdentifier(DeviceIdentifierKind.Ip, "192.0.2.5"), Assert.Single(request.Device.Identifiers));
    }

    [Theory]
    [InlineData("rfc6155-3.1-device-ipv6.xml", DeviceIdentifierKind.Ip, "2001:db8::1:ea7:fee1:d1e")]
    [InlineData("rfc6155-3.2-device-mac.xml", DeviceIdentifierKind.Mac, "a0-12-34-56-78-90")]
    [InlineData("rfc6155-3.4-device-nai.xml", DeviceIdentifierKind.Nai, "user@example.net")]
    [InlineData("rfc6155-3.5-device-uri-sip.xml", DeviceIdentifierKind.Uri, "sip:user@example.net;gr=kjh29x97us97d")]
    [InlineData("rfc6155-3.5-device-uri-tel.xml", DeviceIdentifierKind.Uri, "tel:800-555-1111;extension=1234;phone-context=+1")]
    [InlineData("rfc6155-3.6-device-fqdn.xml", DeviceIdentifierKind.Fqdn, "host.example.net")]
    [InlineData("rfc6155-3.7-device-msisdn.xml", DeviceIdentifierKind.Msisdn, "11235550123")]
    [InlineData("rfc6155-3.8-device-duid.xml", DeviceIdentifierKind.Duid, "1234567890aabbccddeeff")]
    public void Rfc6155_3_DeviceFragments_ParseTheirIdentifier(string file, DeviceIdentifierKind kind, string expected)
    {
        var request = Ok(TestFiles.FragmentInRequest(file));
        var id = Assert.Single(request.Device!.Identifiers, i => i.Kind == kind);
        Assert.Equal(expected, id.Value);
    }

    [Fact]
    public void Rfc6155_3_3_IpAndUdpPort_ParsesBoth()
    {
        var request = Ok(TestFiles.FragmentInRequest("rfc6155-3.3-device-ip-udpport.xml"));
        Assert.Equal(
            [new DeviceIdentifier(DeviceIdentifierKind.Ip, "192.0.2.75"), new DeviceIdentifier(DeviceIdentifierKind.UdpPort, "51393")],
            request.Device!.Identifiers);
    }

    [Fact]
    public void Rfc6155_3_2_Mac_SetsTypedMac()
    {
        var request = Ok(TestFiles.FragmentInRequest("rfc6155-3.2-device-mac.xml"));
        // The fragment's A0-12-34-56-78-90.
        Assert.Equal(0xA0_12_34_56_78_90UL, request.Device!.Mac!.Value.Value);
        Assert.Equal("a0-12-34-56-78-90", request.Device.Identifiers[0].Value);
    }

    [Fact]
    public void Rfc6155_IpMacCapture_ParsesBothWithRoutingResponseTime()
    {
        var request = Ok(TestFiles.Vector("rfc6155_locationRequest_ip-mac.xml"));
        Assert.Equal(ResponseTimeKind.EmergencyRouting, request.ResponseTime.Kind);
        Assert.Equal([LocationType.Civic, LocationType.LocationUri], request.LocationTypes);
        Assert.Equal(IPAddress.Parse("10.20.30.44"), request.Device!.Ip);
        Assert.True(MacAddress.TryParse("aa-bb-cc-00-11-22", out var mac));
        Assert.Equal(mac, request.Device.Mac);
    }

    [Fact]
    public void Kamailio_ExplicitUri_ParsesNumericResponseTimeAndUri()
    {
        var request = Ok(TestFiles.Vector("kamailio-5.6.3_held-locationRequest_explicit-uri.xml"));
        Assert.Equal(new ResponseTime(ResponseTimeKind.Milliseconds, 8000), request.ResponseTime);
        Assert.Equal([LocationType.Civic, LocationType.Geodetic, LocationType.LocationUri], request.LocationTypes);
        Assert.Equal("sip:+15125550100@example.com", request.Device!.Uri);
    }

    [Fact]
    public void Kamailio_FromPai_ParsesCallerUri()
    {
        var request = Ok(TestFiles.Vector("kamailio-5.6.3_held-locationRequest_from-PAI.xml"));
        Assert.Equal("sip:+15125550199@example.com", request.Device!.Uri);
    }

    [Fact]
    public void Kamailio_DefaultsExact_ParsesExactGeodeticUri()
    {
        var request = Ok(TestFiles.Vector("kamailio-5.6.3_held-locationRequest_defaults-exact.xml"));
        Assert.Equal(ResponseTimeKind.EmergencyRouting, request.ResponseTime.Kind);
        Assert.Equal([LocationType.Geodetic, LocationType.LocationUri], request.LocationTypes);
        Assert.True(request.Exact);
        Assert.Equal("sip:bob@example.com", request.Device!.Uri);
    }

    [Fact]
    public void Rfc6753_3_KamailioDereferencePost_ParsesNoDevice()
    {
        var request = Ok(TestFiles.Vector("kamailio-5.6.3_held-dereference_POST.xml"));
        Assert.Null(request.Device);
        Assert.Equal([LocationType.Civic, LocationType.Geodetic], request.LocationTypes);
    }

    [Fact]
    public void GridGears_PrefixedElementsAndTelUri_Parse()
    {
        var request = Ok(TestFiles.Vector("gridgears-style_locationRequest_tel-uri.xml"));
        Assert.Equal([LocationType.LocationUri], request.LocationTypes);
        Assert.Equal("tel:+15125550123", request.Device!.Uri);
    }

    [Fact]
    public void Rfc7105_3_LldpRequest_ParsesRawIdsDespiteSubtypeErratum()
    {
        var request = Ok(TestFiles.Vector("rfc7105-3-request-lldp.xml"));
        Assert.True(request.HasMeasurements);
        Assert.Equal([LocationType.Civic], request.LocationTypes);
        var neighbour = Assert.Single(request.Lldp);
        Assert.Equal(4, neighbour.Chassis.Subtype);
        Assert.Equal(new byte[] { 0x0a, 0x01, 0x00, 0x3c }, neighbour.Chassis.Octets);
        Assert.Equal(6, neighbour.Port.Subtype);
        Assert.Equal(new byte[] { 0xc2 }, neighbour.Port.Octets);
        Assert.Equal(new DateTimeOffset(2008, 4, 29, 14, 33, 58, TimeSpan.Zero), request.MeasurementTime);
    }

    [Fact]
    public void Rfc7105_5_1_LldpFragment_ParsesRawIds()
    {
        var request = Ok(TestFiles.FragmentInRequest("rfc7105-5.1-lldp.xml"));
        var neighbour = Assert.Single(request.Lldp);
        Assert.Equal(new byte[] { 0xc0, 0x00, 0x02, 0x2d }, neighbour.Chassis.Octets);
        Assert.Equal(new byte[] { 0xa2 }, neighbour.Port.Octets);
    }

    [Fact]
    public void Rfc7105_4_WifiMeasurement_ParsesServingBssidTimeAndExpiresAsUtc()
    {
        var request = Ok(TestFiles.FragmentInRequest("rfc7105-4-measurements-wifi.xml"));
        Assert.True(MacAddress.TryParse("00-12-F0-A0-80-EF", out var bssid));
        Assert.Equal(bssid, request.ServingBssid);
        Assert.Empty(request.NeighbourBssids);
        Assert.Equal(new DateTimeOffset(2008, 4, 29, 14, 33, 58, TimeSpan.Zero), request.MeasurementTime);
        Assert.Equal(new DateTimeOffset(2008, 4, 29, 17, 33, 58, TimeSpan.Zero), request.MeasurementExpires);
    }

    [Fact]
    public void Rfc7105_5_3_WifiWithEveryField_ParsesServingBssid()
    {
        var request = Ok(TestFiles.FragmentInRequest("rfc7105-5.3-wifi.xml"));
        Assert.True(MacAddress.TryParse("AB-CD-EF-AB-CD-EF", out var bssid));
        Assert.Equal(bssid, request.ServingBssid);
    }

    [Fact]
    public void Rfc7105_5_2_DhcpRai_ParsesGiaddrAndCircuit()
    {
        var request = Ok(TestFiles.FragmentInRequest("rfc7105-5.2-dhcp-rai.xml"));
        Assert.Equal(IPAddress.Parse("192.0.2.158"), request.DhcpRelay!.Giaddr);
        Assert.Equal(new byte[] { 0x10, 0x8b }, request.DhcpRelay.Circuit);
        Assert.Null(request.DhcpRelay.Remote);
    }

    [Fact]
    public void MozillaLegacyWifi_NeighbourWaps_BecomeNeighbourBssids()
    {
        var request = Ok(TestFiles.Vector("held-measurements_wifi_mozilla-legacy.xml"));
        Assert.Null(request.ServingBssid);
        Assert.Equal(["00:11:22:33:44:55", "00:11:22:33:44:66"], request.NeighbourBssids.Select(m => m.ToString()));
    }

    [Fact]
    public void Rfc7840_7_Fig3_RoutingRequest_SetsFlagAndRecordsFlowAsUnknown()
    {
        var request = Ok(TestFiles.Vector("rfc7840-fig3-request-routing.xml"));
        Assert.True(request.RequestRoutingInformation);
        Assert.Null(request.RoutingService);
        Assert.Equal(ResponseTimeKind.EmergencyRouting, request.ResponseTime.Kind);
        Assert.Equal(["{urn:ietf:params:xml:ns:geopriv:held:flow}flow"], request.UnknownElements);
    }

    [Fact]
    public void Rfc7199_5_PolicyUriRequest_IsToleratedAndRecorded()
    {
        var request = Ok(TestFiles.Vector("rfc7199-5-request-policyUri.xml"));
        Assert.Equal(["{urn:ietf:params:xml:ns:geopriv:held:policy}requestPolicyUri"], request.UnknownElements);
    }

    [Fact]
    public void Rfc7840_4_ServiceAttribute_IsKept()
    {
        var request = Ok(TestFiles.Request("<requestRoutingInformation xmlns=\"urn:ietf:params:xml:ns:geopriv:held:ri\" service=\"urn:service:sos.fire\"/>"));
        Assert.Equal("urn:service:sos.fire", request.RoutingService);
    }

    [Theory]
    [InlineData("responseTime=\"emergencyDispatch\"", ResponseTimeKind.EmergencyDispatch, null)]
    [InlineData("responseTime=\"0\"", ResponseTimeKind.Milliseconds, 0)]
    [InlineData("responseTime=\" 3000 \"", ResponseTimeKind.Milliseconds, 3000)]
    public void ResponseTime_ValidValues_Parse(string attribute, ResponseTimeKind kind, int? ms)
    {
        var request = Ok(TestFiles.Request("", attribute));
        Assert.Equal(new ResponseTime(kind, ms), request.ResponseTime);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData("fast")]
    [InlineData("EmergencyRouting")]
    [InlineData("")]
    public void ResponseTime_InvalidValue_IsRequestError(string value)
    {
        var error = Err(TestFiles.Request("", $"responseTime=\"{value}\""));
        Assert.Equal(HeldErrorCode.RequestError, error.Code);
        Assert.Contains("responseTime", error.Message);
    }

    [Theory]
    [InlineData("<locationType>civic civic geodetic</locationType>", false)]
    [InlineData("<locationType exact=\"1\">civic geodetic</locationType>", true)]
    [InlineData("<locationType exact=\"false\">civic geodetic</locationType>", false)]
    public void LocationType_Duplicates_AreRemovedInOrder(string inner, bool exact)
    {
        var request = Ok(TestFiles.Request(inner));
        Assert.Equal([LocationType.Civic, LocationType.Geodetic], request.LocationTypes);
        Assert.Equal(exact, request.Exact);
    }

    [Fact]
    public void LocationType_AnyWithExact_IsAnyNotExact()
    {
        var request = Ok(TestFiles.Request("<locationType exact=\"true\">any</locationType>"));
        Assert.Empty(request.LocationTypes);
        Assert.False(request.Exact);
    }

    [Theory]
    [InlineData("<locationType>any civic</locationType>")]
    [InlineData("<locationType>civic postal</locationType>")]
    [InlineData("<locationType>Civic</locationType>")]
    [InlineData("<locationType exact=\"yes\">civic</locationType>")]
    [InlineData("<locationType></locationType>")]
    [InlineData("<locationType>civic</locationType><locationType>geodetic</locationType>")]
    public void LocationType_Invalid_IsRequestError(string inner)
    {
        Assert.Equal(HeldErrorCode.RequestError, Err(TestFiles.Request(inner)).Code);
    }

    [Theory]
    [InlineData("<request xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"/>")]
    [InlineData("<locationRequest/>")]
    [InlineData("<locationRequest xmlns=\"urn:example:other\"/>")]
    [InlineData("<locationResponse xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"/>")]
    public void DocumentElement_NotHeldLocationRequest_IsUnsupportedMessage(string xml)
    {
        Assert.Equal(HeldErrorCode.UnsupportedMessage, Err(TestFiles.Utf8(xml)).Code);
    }

    [Theory]
    [InlineData("<gatewayMac xmlns=\"urn:locationserver:held:ext\">00:1A:2B:3C:4D:5E</gatewayMac>")]
    [InlineData("<x:client xmlns:x=\"urn:example:softphone\"><x:net><x:gatewayMac>00-1a-2b-3c-4d-5e</x:gatewayMac></x:net></x:client>")]
    [InlineData("<gatewayMac xmlns=\"urn:example:other\">001a.2b3c.4d5e</gatewayMac>")]
    public void GatewayMac_AnyNamespaceAnyDepth_IsRead(string inner)
    {
        var request = Ok(TestFiles.Request(inner));
        Assert.Equal("00:1a:2b:3c:4d:5e", request.GatewayMac.ToString());
    }

    [Fact]
    public void GatewayMac_Malformed_IsBadIdentifier()
    {
        var error = Err(TestFiles.Request("<gatewayMac xmlns=\"urn:locationserver:held:ext\">gateway</gatewayMac>"));
        Assert.Equal(HeldErrorCode.BadIdentifier, error.Code);
        Assert.Contains("gatewayMac", error.Message);
    }

    [Theory]
    [InlineData("<companyUUID xmlns=\"urn:cisco:e911\">  3f2a-11 </companyUUID>")]
    [InlineData("<c:CompanyId xmlns:c=\"urn:example:c\">3f2a-11</c:CompanyId>")]
    [InlineData("<x:ext xmlns:x=\"urn:example:x\"><x:COMPANYUUID>3f2a-11</x:COMPANYUUID></x:ext>")]
    public void CompanyUuid_AnyNamespaceAnyCase_IsRead(string inner)
    {
        Assert.Equal("3f2a-11", Ok(TestFiles.Request(inner)).CompanyUuid);
    }

    [Fact]
    public void UserProvidedLocation_CivicAddress_IsParsed()
    {
        var request = Ok(TestFiles.Request(
            "<userProvidedLocation xmlns=\"urn:locationserver:held:ext\">" +
            "<ca:civicAddress xmlns:ca=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\">" +
            "<ca:country>us</ca:country><ca:A1>TX</ca:A1><ca:A3>Austin</ca:A3><ca:RD>Congress</ca:RD>" +
            "<ca:STS>Ave</ca:STS><ca:HNO>100</ca:HNO><ca:FLR> 3 </ca:FLR><ca:Unknown>x</ca:Unknown></ca:civicAddress>" +
            "</userProvidedLocation>"));
        var civic = request.UserProvidedLocation!;
        Assert.Equal("US", civic.Country);
        Assert.Equal("Congress", civic.RD);
        Assert.Equal("3", civic.FLR);
        Assert.Equal("100", civic.HNO);
    }

    [Fact]
    public void UnknownElements_AreRecordedWithNamespaceAndCapped()
    {
        var inner = string.Concat(Enumerable.Range(0, 40).Select(i => $"<e{i} xmlns=\"urn:example:u\"/>"));
        var request = Ok(TestFiles.Request(inner));
        Assert.Equal(32, request.UnknownElements.Count);
        Assert.Equal("{urn:example:u}e0", request.UnknownElements[0]);
    }

    [Fact]
    public void UnknownMeasurementType_IsIgnoredButRecorded()
    {
        var request = Ok(TestFiles.Request(
            "<measurements xmlns=\"urn:ietf:params:xml:ns:geopriv:lm\"><gnss xmlns=\"urn:ietf:params:xml:ns:geopriv:lm:gnss\"/></measurements>"));
        Assert.True(request.HasMeasurements);
        Assert.Equal(["{urn:ietf:params:xml:ns:geopriv:lm:gnss}gnss"], request.UnknownElements);
    }

    [Fact]
    public void WifiMeasurement_ColonBssidsAndServingFlag_SplitServingFromNeighbours()
    {
        var request = Ok(TestFiles.Request(
            "<measurements xmlns=\"urn:ietf:params:xml:ns:geopriv:lm\" time=\"2024-01-01T10:00:00+02:00\">" +
            "<wifi xmlns=\"urn:ietf:params:xml:ns:geopriv:lm:wifi\">" +
            "<ap><bssid>00:11:22:33:44:01</bssid></ap><ap serving=\"1\"><bssid>00:11:22:33:44:02</bssid></ap>" +
            "<ap serving=\"false\"><bssid>00-11-22-33-44-03</bssid></ap></wifi></measurements>"));
        Assert.Equal("00:11:22:33:44:02", request.ServingBssid.ToString());
        Assert.Equal(["00:11:22:33:44:01", "00:11:22:33:44:03"], request.NeighbourBssids.Select(m => m.ToString()));
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 8, 0, 0, TimeSpan.Zero), request.MeasurementTime);
    }

    [Fact]
    public void LldpMeasurement_WithoutNamespace_IsAcceptedLeniently()
    {
        var request = Ok(TestFiles.Request(
            "<lm:measurements xmlns:lm=\"urn:ietf:params:xml:ns:geopriv:lm\"><lldp><chassis type=\"4\">001122334455</chassis><port type=\"5\">4769312f302f37</port></lldp></lm:measurements>"));
        var neighbour = Assert.Single(request.Lldp);
        Assert.Equal("4:00:11:22:33:44:55", neighbour.Chassis.ToString());
        Assert.Equal("5:Gi1/0/7", neighbour.Port.ToString());
    }

    [Theory]
    [InlineData("<chassis type=\"4\">0011223344</chassis><port type=\"5\">abc</port>")]
    [InlineData("<chassis type=\"300\">001122334455</chassis><port type=\"5\">ab</port>")]
    [InlineData("<chassis type=\"4\">001122334455</chassis>")]
    public void LldpMeasurement_Malformed_IsRequestError(string inner)
    {
        var error = Err(TestFiles.Request(
            $"<measurements xmlns=\"urn:ietf:params:xml:ns:geopriv:lm\"><lldp xmlns=\"urn:ietf:params:xml:ns:geopriv:lm:lldp\">{inner}</lldp></measurements>"));
        Assert.Equal(HeldErrorCode.RequestError, error.Code);
        Assert.Contains("lldp", error.Message);
    }

    [Fact]
    public void MeasurementTime_Malformed_IsRequestError()
    {
        var error = Err(TestFiles.Request("<measurements xmlns=\"urn:ietf:params:xml:ns:geopriv:lm\" time=\"yesterday\"/>"));
        Assert.Equal(HeldErrorCode.RequestError, error.Code);
    }

    [Fact]
    public void XmlErrorAfterSemanticError_XmlErrorWins()
    {
        var body = TestFiles.Utf8($"<locationRequest xmlns=\"{TestFiles.HeldNs}\" responseTime=\"x\"><a></b></locationRequest>");
        Assert.Equal(HeldErrorCode.XmlError, Err(body).Code);
    }

    [Fact]
    public void ParseStream_SameAsBytes()
    {
        using var stream = new MemoryStream(TestFiles.Vector("rfc6155_locationRequest_ip-mac.xml"));
        var result = HeldRequestReader.Parse(stream);
        Assert.True(result.IsSuccess);
        Assert.Equal(IPAddress.Parse("10.20.30.44"), result.Request.Device!.Ip);
    }

    [Fact]
    public async Task ParseAsync_Stream_ParsesRequest()
    {
        using var stream = new MemoryStream(TestFiles.Vector("rfc5985-10.3-request-multiple.xml"));
        var result = await HeldRequestReader.ParseAsync(stream);
        Assert.True(result.IsSuccess);
        Assert.Equal(3, result.Request.LocationTypes.Count);
    }

    [Fact]
    public void Utf8Bom_IsAccepted()
    {
        var body = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(TestFiles.Vector("rfc5985-10.2-request.xml")).ToArray();
        Assert.True(HeldRequestReader.Parse(body).IsSuccess);
    }
}
