using LocationServer.Data.Wiremap;
using LocationServer.Tests.Infrastructure;
using LocationServer.Tests.Scale;
using LocationServer.Wiremap;
using Npgsql;

namespace LocationServer.Tests.Cli;

/// <summary>
/// The operator commands of the built binary (<c>migrate</c>, <c>validate</c>, <c>import</c>, <c>export</c>) run as a
/// process against a fresh PostgreSQL database: what each does and its exit code. How a command line is spelt is kept
/// in <see cref="RunAsync"/> alone.
/// </summary>
[Collection(RealServersCollection.Name)]
public sealed class CliCommandTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("locationserver-cli-").FullName;
    private string _database = "";
    private string _connectionString = "";

    public async Task InitializeAsync() => (_database, _connectionString) = await RealServers.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        await RealServers.DropDatabaseAsync(_database);
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments) =>
        ServiceLaunch.RunCommandAsync(_directory, ServiceLaunch.PostgresCommandSettings(_connectionString, _directory), arguments);

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task Migrate_FreshDatabase_CreatesTheSchemaAndIsRepeatable()
    {
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM information_schema.tables WHERE table_name = 'network_elements'"));

        var (code, output, error) = await RunAsync("migrate");

        Assert.True(code == 0, $"migrate exited {code}: {output} {error}");
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM information_schema.tables WHERE table_name = 'network_elements'"));
        var again = await RunAsync("migrate");
        Assert.True(again.ExitCode == 0, $"a second migrate exited {again.ExitCode}: {again.Error}");
    }

    [Fact]
    public async Task Validate_ValidAndInvalidFiles_ExitCodesAndNothingWritten()
    {
        var valid = WriteFile("valid.json", WiremapJson.WriteToString(DemoWiremap.Create()));
        var invalid = WriteFile("invalid.json", WiremapJson.WriteToString(DemoWiremap.Create()).Replace("10.1.3.0/24", "10.1.3.0/99", StringComparison.Ordinal));

        var ok = await RunAsync("validate", valid);
        Assert.True(ok.ExitCode == 0, $"validate of a valid file exited {ok.ExitCode}: {ok.Output} {ok.Error}");
        Assert.Contains("demo", ok.Output, StringComparison.Ordinal);

        var bad = await RunAsync("validate", invalid);
        Assert.True(bad.ExitCode == 1, $"validate of an invalid file exited {bad.ExitCode}: {bad.Output} {bad.Error}");
        Assert.Contains("10.1.3.0/99", bad.Error, StringComparison.Ordinal);
        // validate reads the file only: the database was never migrated, let alone written.
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM information_schema.tables WHERE table_name = 'tenants'"));
    }

    [Fact]
    public async Task ImportThenExport_MigratedDatabase_StoredAndRoundTrips()
    {
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);
        var changed = Cluster.ChangedDemo();
        var file = WriteFile("wiremap.json", WiremapJson.WriteToString(changed));

        var imported = await RunAsync("import", file);
        Assert.True(imported.ExitCode == 0, $"import exited {imported.ExitCode}: {imported.Output} {imported.Error}");
        Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM tenants WHERE id = 'demo'"));
        Assert.Equal(changed.Elements.Count, await ScalarAsync("SELECT count(*) FROM network_elements WHERE tenant_id = 'demo'"));

        var exportedFile = Path.Combine(_directory, "exported.json");
        var exported = await RunAsync("export", "demo", exportedFile);
        Assert.True(exported.ExitCode == 0, $"export exited {exported.ExitCode}: {exported.Error}");
        await using var stream = File.OpenRead(exportedFile);
        var read = WiremapJson.Read(stream);
        Assert.Empty(read.Errors);
        Assert.Equal(Cluster.ChangedStreet, read.Wiremap!.Sites.Single(s => s.Id == "hq").Address.RD);
        Assert.Equal(changed.Elements.Select(e => e.Value).Order(), read.Wiremap.Elements.Select(e => e.Value).Order());

        var unknown = await RunAsync("export", "nobody", Path.Combine(_directory, "nobody.json"));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("nobody", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_InvalidFile_RefusedWholeAndNothingStored()
    {
        Assert.Equal(0, (await RunAsync("migrate")).ExitCode);
        var file = WriteFile("bad.json", WiremapJson.WriteToString(DemoWiremap.Create()).Replace("10.1.3.0/24", "10.1.3.0/99", StringComparison.Ordinal));

        var imported = await RunAsync("import", file);

        Assert.True(imported.ExitCode == 1, $"import of an invalid file exited {imported.ExitCode}: {imported.Output} {imported.Error}");
        Assert.Contains("10.1.3.0/99", imported.Error, StringComparison.Ordinal);
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM tenants"));
    }
}
