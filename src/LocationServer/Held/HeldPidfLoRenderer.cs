using LocationServer.Core.Matching;
using LocationServer.Held.Pidf;
using LocationServer.Routing;

namespace LocationServer.Held;

/// <summary>The PIDF-LO the routing service hands the call server: the same document a HELD dereference yields.</summary>
internal sealed class HeldPidfLoRenderer(HeldService held, TimeProvider time) : IPidfLoRenderer
{
    public string Render(ResolvedLocation location, string method)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var answer = new LocationAnswer(location, MatchRule.None, EvidenceField.None, method, "lis", null);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        PidfLoWriter.WriteDocument(held.BuildPidfLo(answer, now, civic: true, geodetic: location.Point is not null, [LocationType.Civic, LocationType.Geodetic]), buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
