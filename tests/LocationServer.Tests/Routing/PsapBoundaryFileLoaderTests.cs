using LocationServer.Core.Routing;
using LocationServer.Core.Wiremap;
using LocationServer.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LocationServer.Tests.Routing;

public sealed class PsapBoundaryFileLoaderTests
{
    private const string Wkt = """
        # id|name|uri|WKT
        travis|Travis County 9-1-1|sip:travis@esinet.example|POLYGON((-98.2 30.0, -97.3 30.0, -97.3 30.6, -98.2 30.6, -98.2 30.0))
        austin|Austin 9-1-1|sip:austin@esinet.example|POLYGON((-97.8 30.2, -97.7 30.2, -97.7 30.3, -97.8 30.3, -97.8 30.2))
        """;

    [Fact]
    public void Load_WktLines_AllBoundaries()
    {
        var result = PsapBoundaryFileLoader.Load(Wkt);
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(["travis", "austin"], result.Boundaries.Select(b => b.Id));
    }

    [Fact]
    public void Load_BadWktLine_ErrorCarriesLineIndex()
    {
        var result = PsapBoundaryFileLoader.Load(Wkt + "\nbowtie|B|sip:b@example|POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))\nbroken line");
        Assert.Equal([2, 3], result.Errors.Select(e => e.Index));
    }

    [Fact]
    public async Task StartAsync_File_SwapsIndex()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, Wkt);
            var holder = new PsapBoundaryIndexHolder();
            var loader = new PsapBoundaryFileLoader(holder, Options.Create(new RoutingOptions { PsapBoundaryFile = path }), TimeProvider.System, NullLogger<PsapBoundaryFileLoader>.Instance);
            await loader.StartAsync(CancellationToken.None);
            Assert.Equal("austin", holder.Current.Find(RoutingScenario.Downtown)?.Id);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private const string TravisOnly = """
        travis|Travis County 9-1-1|sip:travis@esinet.example|POLYGON((-98.2 30.0, -97.3 30.0, -97.3 30.6, -98.2 30.6, -98.2 30.0))
        """;

    private static PsapBoundaryFileLoader Loader(PsapBoundaryIndexHolder holder, string path, int reloadSeconds = 0, TimeProvider? time = null) =>
        new(holder, Options.Create(new RoutingOptions { PsapBoundaryFile = path, PsapBoundaryReloadSeconds = reloadSeconds }), time ?? TimeProvider.System, NullLogger<PsapBoundaryFileLoader>.Instance);

    [Fact]
    public async Task ReloadIfChanged_ValidThenInvalidThenValid_SwapsOnlyValidFiles()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, Wkt);
            var holder = new PsapBoundaryIndexHolder();
            var loader = Loader(holder, path);
            await loader.StartAsync(CancellationToken.None);
            Assert.False(await loader.ReloadIfChangedAsync(CancellationToken.None));
            Assert.Equal("austin", holder.Current.Find(RoutingScenario.Downtown)?.Id);

            await File.WriteAllTextAsync(path, TravisOnly);
            Assert.True(await loader.ReloadIfChangedAsync(CancellationToken.None));
            Assert.Equal("travis", holder.Current.Find(RoutingScenario.Downtown)?.Id);

            // A broken edit is refused whole: the boundaries in force keep routing.
            await File.WriteAllTextAsync(path, Wkt + "\nbowtie|B|sip:b@example|POLYGON((0 0, 2 2, 2 0, 0 2, 0 0))");
            Assert.False(await loader.ReloadIfChangedAsync(CancellationToken.None));
            Assert.Equal("travis", holder.Current.Find(RoutingScenario.Downtown)?.Id);
            Assert.Equal(1, holder.Current.Count);

            File.Delete(path);
            Assert.False(await loader.ReloadIfChangedAsync(CancellationToken.None));
            Assert.Equal(1, holder.Current.Count);

            await File.WriteAllTextAsync(path, Wkt);
            Assert.True(await loader.ReloadIfChangedAsync(CancellationToken.None));
            Assert.Equal("austin", holder.Current.Find(RoutingScenario.Downtown)?.Id);
            await loader.StopAsync(CancellationToken.None);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Running_FileChanged_SwappedInByThePeriodicCheck()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, Wkt);
            var holder = new PsapBoundaryIndexHolder();
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var loader = Loader(holder, path, reloadSeconds: 60, time);
            await loader.StartAsync(CancellationToken.None);
            await File.WriteAllTextAsync(path, TravisOnly);
            Assert.Equal("austin", holder.Current.Find(RoutingScenario.Downtown)?.Id);
            // The periodic check runs on the fake clock: each advance by the period lets one check run.
            for (var i = 0; i < 1000 && holder.Current.Find(RoutingScenario.Downtown)?.Id != "travis"; i++)
            {
                time.Advance(TimeSpan.FromSeconds(60));
                await Task.Delay(5);
            }
            Assert.Equal("travis", holder.Current.Find(RoutingScenario.Downtown)?.Id);
            await loader.StopAsync(CancellationToken.None);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task StartAsync_InvalidFile_StopsStartWithFeatureIndex()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, """{ "type": "FeatureCollection", "features": [ { "type": "Feature", "properties": { "id": "x", "name": "X", "uri": "sip:x@y" }, "geometry": { "type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1]]] } } ] }""");
            var holder = new PsapBoundaryIndexHolder();
            var loader = new PsapBoundaryFileLoader(holder, Options.Create(new RoutingOptions { PsapBoundaryFile = path }), TimeProvider.System, NullLogger<PsapBoundaryFileLoader>.Instance);
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => loader.StartAsync(CancellationToken.None));
            Assert.Contains("feature 0 (x)", error.Message, StringComparison.Ordinal);
            Assert.Equal(0, holder.Current.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task StartAsync_NoFile_LeavesIndexEmpty()
    {
        var holder = new PsapBoundaryIndexHolder();
        var loader = new PsapBoundaryFileLoader(holder, Options.Create(new RoutingOptions()), TimeProvider.System, NullLogger<PsapBoundaryFileLoader>.Instance);
        await loader.StartAsync(CancellationToken.None);
        Assert.Null(holder.Current.Find(new GeoPoint(30.27, -97.74)));
    }
}
