using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using LocationServer.Core.Matching;
using LocationServer.Held;
using LocationServer.Held.Pidf;

namespace LocationServer.Benchmarks;

/// <summary>
/// One HELD request end to end without HTTP: parse an RFC 7105 LLDP request (XmlReader), match it against a
/// 1,000,000-element wiremap, and write the locationResponse with its PIDF-LO (XmlWriter) into a reused buffer.
/// </summary>
[MemoryDiagnoser]
public class HeldPipelineBenchmarks
{
    private const int Distinct = 64;
    private TenantIndex _index = null!;
    private byte[][] _requests = [];
    private System.Net.IPAddress[] _sources = [];
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Params(1_000_000)]
    public int Elements { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var generator = new WiremapGenerator(Elements);
        var index = WiremapIndex.Build([generator.Generate()], 1);
        if (!index.TryGetTenant(generator.TenantId, out _index)) throw new InvalidOperationException("tenant missing");
        var stride = Math.Max(1, generator.ChassisPortCount / Distinct);
        var evidence = Enumerable.Range(0, Distinct).Select(i => generator.ChassisPortHit(i * stride)).ToArray();
        _sources = [.. evidence.Select(e => e.SourceAddress!)];
        _requests = [.. evidence.Select(e => Encoding.UTF8.GetBytes(
            "<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\" responseTime=\"emergencyRouting\">" +
            "<locationType exact=\"false\">civic geodetic</locationType>" +
            "<measurements xmlns=\"urn:ietf:params:xml:ns:geopriv:lm\"><lldp xmlns=\"urn:ietf:params:xml:ns:geopriv:lm:lldp\">" +
            $"<chassis type=\"{e.Lldp[0].Chassis.Subtype}\">{Convert.ToHexString(e.Lldp[0].Chassis.Octets)}</chassis>" +
            $"<port type=\"{e.Lldp[0].Port.Subtype}\">{Convert.ToHexString(e.Lldp[0].Port.Octets)}</port>" +
            "</lldp></measurements></locationRequest>"))];
        for (var i = 0; i < Distinct; i++)
        {
            if (Run(i) <= 0) throw new InvalidOperationException("request " + i + " did not locate");
        }
    }

    [Benchmark(OperationsPerInvoke = Distinct)]
    public int ParseMatchSerialize()
    {
        var total = 0;
        for (var i = 0; i < Distinct; i++) total += Run(i);
        return total;
    }

    private int Run(int i)
    {
        var parsed = HeldRequestReader.Parse(_requests[i]);
        var request = parsed.Request!;
        var match = _index.Match(new Evidence { SourceAddress = _sources[i], Lldp = request.Lldp });
        if (!match.Found) return 0;
        var location = match.Location!;
        _output.ResetWrittenCount();
        HeldResponseWriter.WriteLocationResponse(new LocationResponse
        {
            Presence = new PidfLo("pres:bench@lis.invalid",
            [
                new PidfLocation
                {
                    TupleId = "loc",
                    Civic = location.Civic,
                    Point = location.Point,
                    Method = "Wiremap",
                    Timestamp = Now,
                    RetentionExpiry = Now.AddHours(24),
                    Source = "lis device",
                    LocationTypesOrder = request.LocationTypes,
                },
            ]),
        }, _output);
        return _output.WrittenCount;
    }
}
