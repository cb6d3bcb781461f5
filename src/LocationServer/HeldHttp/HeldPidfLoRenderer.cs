using System.Runtime.CompilerServices;
using LocationServer.Core.Matching;
using LocationServer.Held;
using LocationServer.Held.Pidf;
using LocationServer.Locating.Held;
using LocationServer.Routing;

namespace LocationServer.HeldHttp;

/// <summary>
/// The PIDF-LO the routing service hands the call server: the same document a HELD dereference yields. A location's
/// document differs from one call to the next only in its timestamp (whole seconds) and its presence entity (random
/// per document, so two calls cannot be linked by it), so the rest is rendered once per location, method and second
/// and the entity is spliced in per call.
/// </summary>
internal sealed class HeldPidfLoRenderer(HeldService held, TimeProvider time) : IPidfLoRenderer
{
    /// <summary>Stands for the entity in a rendered document (checked to occur exactly once).</summary>
    private const string EntityMark = "pres:0f5b9d3c6e2a4718a3c1d7e9b2f40c68@entity.invalid";

    private readonly ConditionalWeakTable<ResolvedLocation, Rendered> _rendered = [];

    public string Render(ResolvedLocation location, string method)
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        if (!_rendered.TryGetValue(location, out var rendered) || rendered.Second != second || !string.Equals(rendered.Method, method, StringComparison.Ordinal))
        {
            rendered = RenderTemplate(location, method, second);
            _rendered.AddOrUpdate(location, rendered);
        }
        var entity = held.NewPresenceEntity();
        return string.Concat(rendered.Before, entity, rendered.After);
    }

    private Rendered RenderTemplate(ResolvedLocation location, string method, long second)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(second);
        var answer = new LocationAnswer(location, MatchRule.None, EvidenceField.None, method, "lis", null);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        var document = held.BuildPidfLo(answer, now, civic: true, geodetic: location.Point is not null, [LocationType.Civic, LocationType.Geodetic]) with { Entity = EntityMark };
        PidfLoWriter.WriteDocument(document, buffer);
        var text = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
        var at = text.IndexOf(EntityMark, StringComparison.Ordinal);
        if (at < 0 || text.IndexOf(EntityMark, at + EntityMark.Length, StringComparison.Ordinal) >= 0)
            throw new InvalidOperationException("The PIDF-LO template must name its entity exactly once.");
        return new Rendered(second, method, text[..at], text[(at + EntityMark.Length)..]);
    }

    private sealed record Rendered(long Second, string Method, string Before, string After);
}
