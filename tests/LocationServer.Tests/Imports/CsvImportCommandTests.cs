using LocationServer.Data.Wiremap;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Npgsql;

namespace LocationServer.Tests.Imports;

/// <summary>
/// The <c>import</c> and <c>export</c> commands with CSV files and dry runs, run as the built binary against a fresh
/// PostgreSQL database: what each prints, its exit code, and what is (not) stored.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class CsvImportCommandTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("locationserver-csv-cli-").FullName;
    private string _database = "";
    private string _connectionString = "";

    public async Task InitializeAsync() => (_database, _connectionString) = await RealServers.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        await RealServers.DropDatabaseAsync(_database);
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Imports", "Fixtures", name);

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments) =>
        ServiceLaunch.RunCommandAsync(_directory, ServiceLaunch.PostgresCommandSettings(_connectionString, _directory), arguments);

    private async Task<long> ElementCountAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM network_elements WHERE tenant_id = 'demo'", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ImportCsv_DryRunBadFileThenApply_PrintsChangesAndStoresOnlyTheGoodFile()
    {
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);
        var wiremap = Path.Combine(_directory, "demo.json");
        await File.WriteAllTextAsync(wiremap, WiremapJson.WriteToString(DemoWiremap.Create()));
        Assert.Equal(0, (await RunAsync("import", wiremap)).ExitCode);
        var before = await ElementCountAsync();

        var dry = await RunAsync("import", "--format", "sfb-port", "--tenant", "demo", "--dry-run", Fixture("sfb-port.csv"));
        Assert.True(dry.ExitCode == 0, $"dry run exited {dry.ExitCode}: {dry.Output} {dry.Error}");
        Assert.Contains("nothing was stored", dry.Output, StringComparison.Ordinal);
        Assert.Contains("chassisPort: 5 added, 0 changed, 0 removed", dry.Output, StringComparison.Ordinal);
        Assert.Equal(before, await ElementCountAsync());

        var bad = await RunAsync("import", "--format", "sfb-port", "--tenant", "demo", Fixture("sfb-port-bad-line.csv"));
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("line 14, column StreetName:", bad.Error, StringComparison.Ordinal);
        Assert.Equal(before, await ElementCountAsync());

        var applied = await RunAsync("import", "--format", "sfb-port", "--tenant", "demo", Fixture("sfb-port.csv"));
        Assert.True(applied.ExitCode == 0, $"import exited {applied.ExitCode}: {applied.Output} {applied.Error}");
        Assert.Equal(before + 5, await ElementCountAsync());

        var csv = Path.Combine(_directory, "elements.csv");
        Assert.Equal(0, (await RunAsync("export", "--format", "elements", "demo", csv)).ExitCode);
        var lines = await File.ReadAllLinesAsync(csv);
        Assert.Equal("kind,value,locationId,siteId,offPremises,description", lines[0]);
        Assert.Equal(before + 5, lines.Length - 1);
    }

    [Fact]
    public async Task ImportTeamsFiles_DocumentedCommandsInOrder_StoreEveryFileAndExportTheSameLocationIds()
    {
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);
        var wiremap = Path.Combine(_directory, "demo.json");
        await File.WriteAllTextAsync(wiremap, WiremapJson.WriteToString(DemoWiremap.Create()));
        Assert.Equal(0, (await RunAsync("import", wiremap)).ExitCode);
        var before = await ElementCountAsync();
        string Example(string name) => Path.Combine(Hosting.BuiltHost.RepositoryRoot, "docs", "examples", "teams", name);

        // A network file before its locations: the LocationIds resolve to nothing yet.
        var early = await RunAsync("import", "--format", "teams-port", "--tenant", "demo", Example("ports.csv"));
        Assert.Equal(1, early.ExitCode);
        Assert.Contains("line 2, column LocationId: no location efd7273e-3092-4a56-8541-f5c896bb6fee", early.Error, StringComparison.Ordinal);

        foreach (var (format, file) in new[] { ("civic-address", "civic-addresses"), ("location", "locations"), ("subnet", "subnets"), ("wap", "wireless-access-points"), ("switch", "switches"), ("port", "ports") })
        {
            var run = await RunAsync("import", "--format", "teams-" + format, "--tenant", "demo", Example(file + ".csv"));
            Assert.True(run.ExitCode == 0, $"teams-{format} exited {run.ExitCode}: {run.Output} {run.Error}");
        }
        Assert.Equal(before + 6, await ElementCountAsync());

        var ports = Path.Combine(_directory, "ports.csv");
        Assert.Equal(0, (await RunAsync("export", "--format", "teams-port", "demo", ports)).ExitCode);
        var lines = await File.ReadAllLinesAsync(ports);
        Assert.Equal("ChassisID,PortID,LocationId,Description", lines[0]);
        Assert.Contains("B8-BE-BF-4A-A3-00,G1/0/30,efd7273e-3092-4a56-8541-f5c896bb6fee,w2-sw1 port 30", lines);
    }

    [Fact]
    public async Task ImportJson_DryRun_PrintsTheDifferenceAndStoresNothing()
    {
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);
        var wiremap = Path.Combine(_directory, "demo.json");
        await File.WriteAllTextAsync(wiremap, WiremapJson.WriteToString(DemoWiremap.Create()));
        Assert.Equal(0, (await RunAsync("import", wiremap)).ExitCode);
        var changed = Path.Combine(_directory, "changed.json");
        await File.WriteAllTextAsync(changed, WiremapJson.WriteToString(Cluster.ChangedDemo()));

        var dry = await RunAsync("import", "--dry-run", changed);

        Assert.True(dry.ExitCode == 0, $"dry run exited {dry.ExitCode}: {dry.Output} {dry.Error}");
        Assert.Contains("sites: 0 added, 1 changed, 0 removed", dry.Output, StringComparison.Ordinal);
        Assert.Contains("locations: 0 added, 1 changed, 0 removed", dry.Output, StringComparison.Ordinal);
        var exported = Path.Combine(_directory, "exported.json");
        Assert.Equal(0, (await RunAsync("export", "demo", exported)).ExitCode);
        await using var stream = File.OpenRead(exported);
        Assert.Equal("Congress", WiremapJson.Read(stream).Wiremap!.Sites.Single(s => s.Id == "hq").Address.RD);
    }
}
