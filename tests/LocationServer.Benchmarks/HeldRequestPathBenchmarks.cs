using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Held;
using LocationServer.Held.Pidf;
using LocationServer.Locating.Tokens;

namespace LocationServer.Benchmarks;

/// <summary>
/// The pieces of one <c>POST /held</c> that cost CPU beyond the HTTP server itself, as tests/load/wrk-held.sh sends
/// it (an empty locationRequest for civic and geodetic, located by source address): read and parse the body, render
/// the locationResponse with its PIDF-LO, and (for requests that get a location URI) seal a token.
/// </summary>
[MemoryDiagnoser]
public class HeldRequestPathBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\" responseTime=\"emergencyRouting\"><locationType exact=\"false\">civic geodetic</locationType></locationRequest>");

    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private readonly CivicAddress _civic = new()
    {
        Country = "US",
        A1 = "TX",
        A3 = "Austin",
        RD = "Congress",
        STS = "Ave",
        HNO = "100",
        LOC = "NE corner",
        FLR = "3",
        NAM = "Example Corp",
        PC = "78701",
        ROOM = "301",
    };
    private readonly LocationTokenCodec _codec = new([RandomNumberGenerator.GetBytes(32)]);
    private readonly Evidence _evidence = new() { SourceAddress = IPAddress.Loopback, DeviceMac = new MacAddress(0x0004f215c285) };
    private readonly MemoryStream _bodyStream = new(Body, writable: false);
    private readonly LocationResponseTemplates _templates = new();
    private readonly ArrayBufferWriter<byte> _output = new(4096);

    /// <summary>Reads the body from a stream and parses it, as the endpoint does.</summary>
    [Benchmark]
    public async Task<int> ReadAndParse()
    {
        _bodyStream.Position = 0;
        var parsed = await HeldRequestReader.ParseAsync(_bodyStream, HeldRequestReader.DefaultMaxBytes).ConfigureAwait(false);
        return parsed.Request!.LocationTypes.Count;
    }

    /// <summary>Renders the locationResponse (civic and geodetic tuples, fresh presence entity) into a new buffer.</summary>
    [Benchmark]
    public int RenderResponse()
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        HeldResponseWriter.WriteLocationResponse(Response(), buffer);
        return buffer.WrittenCount;
    }

    /// <summary>
    /// Writes the same answer as the endpoint does: from the template of answers like it (made on the first call of
    /// each second), with this answer's entity spliced in, into a reused buffer (the response body's pipe).
    /// </summary>
    [Benchmark]
    public int RenderFromTemplate()
    {
        var response = Response();
        var template = _templates.For(response)!;
        _output.ResetWrittenCount();
        template.WriteTo(response, _output);
        return template.LengthFor(response);
    }

    /// <summary>Seals one location token (AES-256-GCM) and encodes it for a URI.</summary>
    [Benchmark]
    public int SealToken() =>
        _codec.Seal(new LocationToken("demo", "ip:127.0.0.1", Now, Now.AddHours(24), _evidence)).Length;

    private LocationResponse Response() => new()
    {
        Presence = new PidfLo("pres:" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)) + "@lis.invalid",
        [
            new PidfLocation
            {
                TupleId = "loc1",
                Civic = _civic,
                Point = new GeoPoint(30.26725, -97.74305),
                Method = "Wiremap",
                Timestamp = Now,
                RetentionExpiry = Now.AddHours(24),
                Source = "lis",
                LocationTypesOrder = [LocationType.Civic, LocationType.Geodetic],
            },
        ]),
    };
}
