using LocationServer.Tests.Hosting;

namespace LocationServer.Tests.Gis;

/// <summary><c>gis load FILE</c> on the built service binary, against its embedded database.</summary>
public sealed class GisCliTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("locationserver-gis-cli-").FullName;
    private readonly string _data = Directory.CreateTempSubdirectory("locationserver-gis-data-").FullName;

    private Dictionary<string, string> Environment() => new() { ["Storage__DataDirectory"] = _data };

    [Fact]
    public async Task GisLoad_TownGeoPackage_StoresVersionsAndReportsTheFaultyFeatures()
    {
        GisFixtures.WriteTown(Path.Combine(_work, "maple-falls.gpkg"));
        var first = await BuiltHost.RunAsync(_work, Environment(), ["gis", "load", "maple-falls.gpkg"]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("Loaded GIS data version 1 from maple-falls.gpkg", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("rcl-bad-geometry", first.Stderr, StringComparison.Ordinal);

        var second = await BuiltHost.RunAsync(_work, Environment(), ["gis", "load", "maple-falls.gpkg"]);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Contains("Loaded GIS data version 2", second.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GisLoad_FileWithoutNenaLayers_ExitsOneAndStoresNothing()
    {
        await File.WriteAllTextAsync(Path.Combine(_work, "empty.csv"), "Community,Street,Low,High\n");
        var run = await BuiltHost.RunAsync(_work, Environment(), ["gis", "load", "empty.csv"]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no usable feature", run.Stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        Directory.Delete(_work, recursive: true);
        Directory.Delete(_data, recursive: true);
    }
}
