using System.Buffers;
using System.Net;
using System.Xml;
using System.Xml.Linq;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Tests.Support;

namespace LocationServer.Held.Tests;

public class HeldResponseWriterTests
{
    private static readonly XNamespace Held = "urn:ietf:params:xml:ns:geopriv:held";
    private static readonly XNamespace Id = "urn:ietf:params:xml:ns:geopriv:held:id";
    private static readonly XNamespace Ri = "urn:ietf:params:xml:ns:geopriv:held:ri";
    private static readonly XNamespace Pidf = "urn:ietf:params:xml:ns:pidf";

    private static byte[] Write(LocationResponse response)
    {
        using var stream = new MemoryStream();
        HeldResponseWriter.WriteLocationResponse(response, stream);
        var bytes = stream.ToArray();
        SchemaValidator.AssertValid(bytes);
        Assert.NotEqual(0xEF, bytes[0]);
        return bytes;
    }

    private static byte[] WriteError(HeldError error)
    {
        var buffer = new ArrayBufferWriter<byte>();
        HeldResponseWriter.WriteError(error, buffer);
        var bytes = buffer.WrittenSpan.ToArray();
        SchemaValidator.AssertValid(bytes);
        return bytes;
    }

    private static XElement Root(byte[] bytes) => XDocument.Load(new MemoryStream(bytes)).Root!;

    [Theory]
    [InlineData(HeldErrorCode.RequestError, "requestError")]
    [InlineData(HeldErrorCode.XmlError, "xmlError")]
    [InlineData(HeldErrorCode.GeneralLisError, "generalLisError")]
    [InlineData(HeldErrorCode.LocationUnknown, "locationUnknown")]
    [InlineData(HeldErrorCode.UnsupportedMessage, "unsupportedMessage")]
    [InlineData(HeldErrorCode.Timeout, "timeout")]
    [InlineData(HeldErrorCode.CannotProvideLiType, "cannotProvideLiType")]
    [InlineData(HeldErrorCode.NotLocatable, "notLocatable")]
    [InlineData(HeldErrorCode.BadIdentifier, "badIdentifier")]
    public void Rfc5985_6_3_Error_EveryCode_IsSchemaValidWithWireToken(HeldErrorCode code, string wire)
    {
        var root = Root(WriteError(new HeldError(code, "Something <went> wrong & \u0001here")));
        Assert.Equal(Held + "error", root.Name);
        Assert.Equal(wire, (string)root.Attribute("code")!);
        var message = root.Element(Held + "message")!;
        Assert.Equal("en", (string)message.Attribute(XNamespace.Xml + "lang")!);
        Assert.StartsWith("Something <went> wrong & ", message.Value);
        Assert.True(HeldErrorCodes.TryParse(wire, out var back));
        Assert.Equal(code, back);
    }

    [Fact]
    public void Rfc6155_2_2_Error_RequiredIdentifiers_AreQNamesInIdNamespace()
    {
        var bytes = WriteError(new HeldError(HeldErrorCode.BadIdentifier, "MAC address required",
            [new XmlQualifiedName("mac", Id.NamespaceName), new XmlQualifiedName("ip", Id.NamespaceName), new XmlQualifiedName("token", "urn:example:ext")]));
        var required = Root(bytes).Element(Id + "requiredIdentifiers")!;
        var names = required.Value.Split(' ').Select(q =>
        {
            var parts = q.Split(':');
            return required.GetNamespaceOfPrefix(parts[0])! + parts[1];
        }).ToList();
        Assert.Equal([Id + "mac", Id + "ip", XNamespace.Get("urn:example:ext") + "token"], names);
    }

    [Fact]
    public void Rfc5985_6_5_UrisOnly_WritesUriSetWithUtcExpiry()
    {
        var bytes = Write(new LocationResponse
        {
            LocationUris = ["https://lis.example/loc/Zk3x9 ", "sip:Zk3x9@lis.example"],
            UrisExpire = Samples.Now.AddMinutes(30),
        });
        var root = Root(bytes);
        var set = root.Element(Held + "locationUriSet")!;
        Assert.Equal("2026-11-22T21:34:05Z", (string)set.Attribute("expires")!);
        Assert.Equal(["https://lis.example/loc/Zk3x9", "sip:Zk3x9@lis.example"], set.Elements(Held + "locationURI").Select(e => e.Value));
        Assert.Null(root.Element(Pidf + "presence"));
    }

    [Fact]
    public void Rfc6753_ReferenceOnlyThirdPartyAnswer_UriSetAndEchoedDeviceWithoutPresence_IsSchemaValid()
    {
        // What a reference-only requester gets for an RFC 6155 identity query: the URI and the identifiers used.
        var bytes = Write(new LocationResponse
        {
            LocationUris = ["https://lis.example/loc/Zk3x9"],
            UrisExpire = Samples.Now.AddMinutes(30),
            EchoDevice = DeviceIdentity.From([new DeviceIdentifier(DeviceIdentifierKind.Ip, "10.1.3.44"), new DeviceIdentifier(DeviceIdentifierKind.Mac, "aa-bb-cc-00-11-22")]),
        });
        var root = Root(bytes);
        Assert.Equal(["https://lis.example/loc/Zk3x9"], root.Element(Held + "locationUriSet")!.Elements(Held + "locationURI").Select(e => e.Value));
        Assert.Equal("10.1.3.44", root.Element(Id + "device")!.Element(Id + "ip")!.Value);
        Assert.Null(root.Element(Pidf + "presence"));
    }

    [Fact]
    public void Rfc5985_6_6_PresenceOnly_OmitsUriSet()
    {
        var root = Root(Write(new LocationResponse { Presence = Samples.Pidf(Samples.Location(Samples.Civic)) }));
        Assert.Null(root.Element(Held + "locationUriSet"));
        PidfStructure.AssertConformant(root.Element(Pidf + "presence")!);
    }

    [Fact]
    public void Rfc5985_10_3_UrisAndPresence_UriSetComesFirst()
    {
        var root = Root(Write(new LocationResponse
        {
            LocationUris = ["https://lis.example/loc/a"],
            UrisExpire = Samples.Now.AddHours(2),
            Presence = Samples.Pidf(Samples.Location(Samples.Civic, new GeoPoint(30.2672, -97.7431), 30)),
        }));
        Assert.Equal([Held + "locationUriSet", Pidf + "presence"], root.Elements().Select(e => e.Name));
        Assert.Equal(2, PidfStructure.AssertConformant(root.Element(Pidf + "presence")!).Count);
    }

    [Fact]
    public void Rfc6155_2_2_DeviceEcho_WritesIdentifiersUsed()
    {
        var device = DeviceIdentity.From(
        [
            new DeviceIdentifier(DeviceIdentifierKind.Ip, "192.0.2.5"),
            new DeviceIdentifier(DeviceIdentifierKind.Ip, "2001:db8::1"),
            new DeviceIdentifier(DeviceIdentifierKind.Mac, "00-11-22-33-44-55"),
            new DeviceIdentifier(DeviceIdentifierKind.UdpPort, "5060"),
            new DeviceIdentifier(DeviceIdentifierKind.Uri, "sip:alice@example.com"),
            new DeviceIdentifier(DeviceIdentifierKind.Msisdn, "15125550123"),
        ]);
        Assert.Equal(IPAddress.Parse("192.0.2.5"), device.Ip);
        var root = Root(Write(new LocationResponse { Presence = Samples.Pidf(Samples.Location(Samples.Civic)), EchoDevice = device }));
        var echoed = root.Element(Id + "device")!.Elements().ToList();
        Assert.Equal(["ip", "ip", "mac", "udpport", "uri", "msisdn"], echoed.Select(e => e.Name.LocalName));
        Assert.Equal(["4", "6"], echoed.Take(2).Select(e => (string)e.Attribute("v")!));
    }

    [Fact]
    public void Rfc7840_5_RoutingInformation_IsSchemaValid()
    {
        var root = Root(Write(new LocationResponse
        {
            LocationUris = ["https://lis.example/loc/a"],
            UrisExpire = Samples.Now.AddHours(1),
            Routing = new RoutingInformation("urn:service:sos", ["sip:psap@example.com", "sips:psap@example.com"], DefaultRoute: true),
        }));
        var service = root.Element(Ri + "routingInformation")!.Element(Ri + "service")!;
        Assert.Equal("urn:service:sos", (string)service.Attribute("serviceUri")!);
        Assert.Equal("true", (string)service.Attribute("defaultRoute")!);
        Assert.Equal(2, service.Elements(Ri + "dest").Count());
    }

    [Fact]
    public void Rfc7840_5_RoutingWithoutDefault_OmitsAttribute()
    {
        var root = Root(Write(new LocationResponse
        {
            Presence = Samples.Pidf(Samples.Location(point: new GeoPoint(30.2672, -97.7431))),
            Routing = new RoutingInformation("urn:service:sos.police", ["sip:police@example.com"]),
        }));
        Assert.Null(root.Element(Ri + "routingInformation")!.Element(Ri + "service")!.Attribute("defaultRoute"));
    }

    [Fact]
    public void EverythingTogether_IsSchemaValidInSchemaOrder()
    {
        var root = Root(Write(new LocationResponse
        {
            LocationUris = ["https://lis.example/loc/a"],
            UrisExpire = Samples.Now.AddHours(1),
            Presence = Samples.Pidf(Samples.Location(Samples.Civic, new GeoPoint(30.2672, -97.7431, 150.5), 12.5)),
            EchoDevice = DeviceIdentity.From([new DeviceIdentifier(DeviceIdentifierKind.Ip, "10.0.0.1")]),
            Routing = new RoutingInformation("urn:service:sos", ["sip:psap@example.com"]),
        }));
        Assert.Equal([Held + "locationUriSet", Pidf + "presence", Id + "device", Ri + "routingInformation"], root.Elements().Select(e => e.Name));
    }

    [Fact]
    public void WriteLocationResponse_NothingToSend_Throws()
    {
        Assert.Throws<ArgumentException>(() => HeldResponseWriter.WriteLocationResponse(new LocationResponse(), new MemoryStream()));
    }

    [Fact]
    public void SchemaValidator_RejectsBrokenDocument_SoValidationIsReal()
    {
        var bad = TestFiles.Utf8("<locationResponse xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"><locationUriSet><locationURI>x</locationURI></locationUriSet></locationResponse>");
        Assert.NotEmpty(SchemaValidator.Validate(bad));
        var badCivic = TestFiles.Utf8(
            "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"pres:a@b\"><tuple id=\"t\"><status><geopriv xmlns=\"urn:ietf:params:xml:ns:pidf:geopriv10\"><location-info>" +
            "<civicAddress xmlns=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\"><A1>TX</A1><country>US</country></civicAddress></location-info><usage-rules/></geopriv></status></tuple></presence>");
        Assert.NotEmpty(SchemaValidator.Validate(badCivic));
    }
}
