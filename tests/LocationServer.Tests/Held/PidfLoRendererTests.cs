using System.Text.RegularExpressions;
using System.Xml.Linq;
using LocationServer.Core.Matching;
using LocationServer.Held;
using LocationServer.Held.Pidf;
using LocationServer.HeldHttp;
using LocationServer.Locating.Held;
using LocationServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LocationServer.Tests.Held;

/// <summary>The routing service's PIDF-LO: rendered once per location and second, with a fresh entity per call.</summary>
public sealed partial class PidfLoRendererTests : IClassFixture<LocationServerFactory>
{
    private readonly LocationServerFactory _factory;

    public PidfLoRendererTests(LocationServerFactory factory) => _factory = factory;

    private async Task<(HeldService Held, ResolvedLocation Location)> DemoAsync()
    {
        using var client = _factory.CreateClient();
        await client.WaitReadyAsync();
        var index = _factory.Services.GetRequiredService<WiremapIndexHolder>().Current;
        Assert.True(index.TryGetTenant("demo", out var tenant));
        var location = tenant.Locations.First(l => l.Civic is not null && l.Point is not null);
        return (_factory.Services.GetRequiredService<HeldService>(), location);
    }

    [Fact]
    public async Task Render_SameSecond_SameDocumentWithItsOwnEntity()
    {
        var (held, location) = await DemoAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, 400, TimeSpan.Zero));
        var renderer = new HeldPidfLoRenderer(held, time);

        var first = renderer.Render(location, "Wiremap");
        time.Advance(TimeSpan.FromMilliseconds(300));
        var second = renderer.Render(location, "Wiremap");

        var firstEntity = Entity(first);
        var secondEntity = Entity(second);
        Assert.NotEqual(firstEntity, secondEntity);
        Assert.Matches(EntityPattern(), firstEntity);
        Assert.Equal(first, second.Replace(secondEntity, firstEntity, StringComparison.Ordinal));
        // The document is exactly what the writer renders for that location at that second.
        Assert.Equal(Direct(held, location, "Wiremap", time.GetUtcNow(), firstEntity), first);
    }

    [Fact]
    public async Task Render_NextSecondOrOtherMethod_RendersAgain()
    {
        var (held, location) = await DemoAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, 900, TimeSpan.Zero));
        var renderer = new HeldPidfLoRenderer(held, time);

        var first = renderer.Render(location, "Wiremap");
        time.Advance(TimeSpan.FromMilliseconds(200));
        var later = renderer.Render(location, "Wiremap");
        var manual = renderer.Render(location, "Manual");

        Assert.Equal("2026-12-03T12:00:00Z", Timestamp(first));
        Assert.Equal("2026-12-03T12:00:01Z", Timestamp(later));
        Assert.Equal(Direct(held, location, "Wiremap", time.GetUtcNow(), Entity(later)), later);
        Assert.Equal(Direct(held, location, "Manual", time.GetUtcNow(), Entity(manual)), manual);
    }

    private static string Direct(HeldService held, ResolvedLocation location, string method, DateTimeOffset at, string entity)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());
        var answer = new LocationAnswer(location, MatchRule.None, EvidenceField.None, method, "lis", null);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        PidfLoWriter.WriteDocument(held.BuildPidfLo(answer, now, civic: true, geodetic: true, [LocationType.Civic, LocationType.Geodetic]) with { Entity = entity }, buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Entity(string document) => XDocument.Parse(document).Root!.Attribute("entity")!.Value;

    private static string Timestamp(string document) =>
        XDocument.Parse(document).Descendants().First(e => e.Name.LocalName == "timestamp").Value;

    [GeneratedRegex("^pres:[0-9a-f]{24}@")]
    private static partial Regex EntityPattern();
}
