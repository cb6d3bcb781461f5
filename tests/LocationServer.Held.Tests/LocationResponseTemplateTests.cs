using System.Buffers;
using LocationServer.Core.Wiremap;
using LocationServer.Held.Pidf;
using LocationServer.Held.Tests.Support;

namespace LocationServer.Held.Tests;

public class LocationResponseTemplateTests
{
    // One instance, as answers for one location share the index's address.
    private static readonly CivicAddress Civic = Samples.Civic;

    private static LocationResponse Answer(string entity, string token, DateTimeOffset? at = null, ManualEntryHint? hint = null)
    {
        var now = at ?? Samples.Now;
        return new LocationResponse
        {
            LocationUris = ["https://lis.example.com/loc/" + token],
            UrisExpire = now.AddHours(24),
            Presence = new PidfLo(entity, [Samples.Location(Civic, new GeoPoint(30.26725, -97.74305)) with { Timestamp = now }]),
            ManualEntry = hint,
        };
    }

    private static byte[] Written(LocationResponse response)
    {
        var buffer = new ArrayBufferWriter<byte>();
        HeldResponseWriter.WriteLocationResponse(response, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] FromTemplate(LocationResponseTemplate template, LocationResponse response)
    {
        var buffer = new ArrayBufferWriter<byte>();
        template.WriteTo(response, buffer);
        Assert.Equal(buffer.WrittenCount, template.LengthFor(response));
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void Template_OtherEntityAndToken_IsByteForByteTheWriterOutput()
    {
        var template = LocationResponseTemplate.Create(Answer("pres:0011@lis.example", "first-token_A"))!;
        var next = Answer("pres:a1b2c3d4e5f6a7b8c9d0e1f2@lis.example", "another-much-longer-token_B9");

        Assert.True(template.Fits(next));
        var bytes = FromTemplate(template, next);
        Assert.Equal(Written(next), bytes);
        SchemaValidator.AssertValid(bytes);
    }

    [Fact]
    public void Template_PresenceOnly_IsByteForByteTheWriterOutput()
    {
        var first = Answer("pres:1@lis.example", "t") with { LocationUris = [] };
        var template = LocationResponseTemplate.Create(first)!;
        var next = first with { Presence = first.Presence! with { Entity = "pres:2@lis.example" } };

        Assert.True(template.Fits(next));
        Assert.Equal(Written(next), FromTemplate(template, next));
    }

    [Fact]
    public void Template_AnotherSecondPolicyOrLocation_DoesNotFit()
    {
        var template = LocationResponseTemplate.Create(Answer("pres:1@lis.example", "t1"))!;

        Assert.False(template.Fits(Answer("pres:2@lis.example", "t2", Samples.Now.AddSeconds(1))));
        Assert.False(template.Fits(Answer("pres:2@lis.example", "t2", hint: new ManualEntryHint("optional", null, null))));
        var moved = Answer("pres:2@lis.example", "t2");
        moved = moved with { Presence = moved.Presence! with { Locations = [moved.Presence.Locations[0] with { Civic = Civic with { ROOM = "302" } }] } };
        Assert.False(template.Fits(moved));
        Assert.False(template.Fits(Answer("pres:2@lis.example", "t2") with { LocationUris = ["https://other.example.com/loc/t2"] }));
    }

    [Theory]
    [InlineData("pres:a&b@lis.example", "token")]
    [InlineData("pres:a b@lis.example", "token")]
    [InlineData("pres:\"x\"@lis.example", "token")]
    [InlineData("pres:x@lis.example", "to<ken")]
    [InlineData("pres:x@lis.example", "tök")]
    public void Template_ValueTheWriterWouldEscape_IsNeverSpliced(string entity, string token)
    {
        Assert.Null(LocationResponseTemplate.Create(Answer(entity, token)));
        var template = LocationResponseTemplate.Create(Answer("pres:1@lis.example", "t1"))!;
        Assert.False(template.Fits(Answer(entity, token)));
    }

    [Fact]
    public void Templates_SameShape_ReuseOneTemplate()
    {
        var templates = new LocationResponseTemplates();
        var first = templates.For(Answer("pres:1@lis.example", "t1"));
        var second = templates.For(Answer("pres:2@lis.example", "t2"));

        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.NotSame(first, templates.For(Answer("pres:3@lis.example", "t3", Samples.Now.AddSeconds(1))));
    }

    /// <summary>A property the template does not compare would let one answer's content leak into another's.</summary>
    [Theory]
    [InlineData(typeof(LocationResponse), "LocationUris,UrisExpire,Presence,EchoDevice,Routing,ManualEntry")]
    [InlineData(typeof(PidfLo), "Entity,Locations")]
    [InlineData(typeof(PidfLocation), "TupleId,Civic,Point,UncertaintyRadiusMeters,Method,Timestamp,RetentionExpiry,RetransmissionAllowed,Source,ProvidedBy,LocationTypesOrder")]
    [InlineData(typeof(RoutingInformation), "ServiceUri,Destinations,DefaultRoute")]
    [InlineData(typeof(ManualEntryHint), "Policy,PolicyId,Disclaimer")]
    [InlineData(typeof(DeviceIdentifier), "Kind,Value")]
    public void Template_EveryWrittenProperty_IsCompared(Type type, string compared)
    {
        var properties = type.GetProperties().Where(p => p.Name != "EqualityContract").Select(p => p.Name).Order();
        Assert.Equal(compared.Split(',').Order(), properties);
    }
}
