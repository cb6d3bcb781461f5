using LocationServer.Data.Storage;
using LocationServer.Data.Wiremap;
using LocationServer.Locating.Imports;
using LocationServer.Locating.Wiremap;

namespace LocationServer.Cli;

/// <summary>
/// Commands of the service binary, for deployment jobs and administrators:
/// <c>migrate</c> (apply database migrations), <c>import FILE</c> (validate and load a tenant's wiremap JSON;
/// <c>--dry-run</c> shows the changes only; <c>--format F --tenant T</c> merges a CSV file instead),
/// <c>export TENANT [FILE]</c> (write it out; <c>--format KIND</c> writes one kind as CSV), <c>validate FILE</c>
/// (check without loading), <c>admin-key</c> (create, list, revoke admin keys; <see cref="AdminKeyCommand"/>),
/// <c>gis load FILE</c> (load the authority's GIS data as a new version for every tenant and replica). Settings
/// (<c>--Section:Key=value</c>) may stand anywhere on the command line (<see cref="CommandLine"/>).
/// </summary>
internal static class CliCommands
{
    /// <summary>
    /// Answers <c>--help</c> (usage on standard output, exit 0) and refuses a command line that is neither the server
    /// nor a known command (the reason and the usage on standard error, exit 2), before anything is built or
    /// listens; null when <paramref name="command"/> is to run.
    /// </summary>
    public static async Task<int?> AnswerWithoutRunningAsync(CommandLine command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Help)
        {
            await Console.Out.WriteLineAsync(CommandLine.Usage).ConfigureAwait(false);
            return 0;
        }
        if (command.Refusal is null) return null;
        await Console.Error.WriteLineAsync($"LocationServer: {command.Refusal}\n{CommandLine.Usage}").ConfigureAwait(false);
        return 2;
    }

    public static async Task<int> RunAsync(WebApplication app, CommandLine command)
    {
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            return await RunCommandAsync(app, command).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageUnavailableException)
        {
            // A file that cannot be read or written, a database that cannot be reached: said in one line, exit 1.
            await Console.Error.WriteLineAsync($"LocationServer {command.Verb}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static async Task<int> RunCommandAsync(WebApplication app, CommandLine command)
    {
        var output = Console.Out;
        var error = Console.Error;
        // The command and its operands only: the settings were read by the host's configuration.
        string[] args = [command.Verb!, .. command.Operands];
        switch (args[0])
        {
            case "migrate":
                await StorageSetup.MigrateAsync(app.Services).ConfigureAwait(false);
                await output.WriteLineAsync("Database migrated.").ConfigureAwait(false);
                return 0;
            case "validate" when args.Length == 2:
                {
                    await using var file = File.OpenRead(args[1]);
                    var read = WiremapJson.Read(file, app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Admin.AdminOptions>>().Value.MaxWiremapBytes);
                    foreach (var e in read.Errors) await error.WriteLineAsync($"{args[1]}: {e}").ConfigureAwait(false);
                    if (read.Errors.Count == 0) await output.WriteLineAsync($"{args[1]}: valid wiremap for tenant '{read.Wiremap!.Tenant.Id}'.").ConfigureAwait(false);
                    return read.Errors.Count == 0 ? 0 : 1;
                }
            case "import" when command.Options.TryGetValue("--format", out var formatName):
                {
                    if (!CsvFormatNames.TryParse(formatName, out var format))
                    {
                        await error.WriteLineAsync($"Unknown import format '{formatName}' (known: {CsvFormatNames.AllImports}).").ConfigureAwait(false);
                        return 2;
                    }
                    if (!TryPrefixLength(command, "--prefix-length", 24, 32, out var v4) || !TryPrefixLength(command, "--ipv6-prefix-length", 64, 128, out var v6))
                    {
                        await error.WriteLineAsync("--prefix-length is 0-32 and --ipv6-prefix-length 0-128.").ConfigureAwait(false);
                        return 2;
                    }
                    await PrepareForCommandAsync(app).ConfigureAwait(false);
                    await using var file = File.OpenRead(args[1]);
                    var importer = app.Services.GetRequiredService<CsvImporter>();
                    var dryRun = command.Options.ContainsKey("--dry-run");
                    var result = await importer.ImportAsync(command.Options["--tenant"], format.Value, file, new CsvImportSettings(v4, v6), dryRun, CancellationToken.None).ConfigureAwait(false);
                    foreach (var e in result.Errors) await error.WriteLineAsync($"{args[1]}: {e}").ConfigureAwait(false);
                    if (result.Errors.Count > 0) return 1;
                    if (result.IgnoredColumns is { Count: > 0 } ignored)
                        await output.WriteLineAsync($"Ignored columns: {string.Join(", ", ignored)}").ConfigureAwait(false);
                    await WriteChangesAsync(output, result).ConfigureAwait(false);
                    return 0;
                }
            case "import" when args.Length == 2:
                {
                    await PrepareForCommandAsync(app).ConfigureAwait(false);
                    await using var file = File.OpenRead(args[1]);
                    using var scope = app.Services.CreateScope();
                    var importer = scope.ServiceProvider.GetRequiredService<WiremapImporter>();
                    var dryRun = command.Options.ContainsKey("--dry-run");
                    var result = await importer.ImportAsync(file, null, CancellationToken.None, dryRun).ConfigureAwait(false);
                    foreach (var e in result.Errors) await error.WriteLineAsync($"{args[1]}: {e}").ConfigureAwait(false);
                    if (result.Errors.Count > 0) return 1;
                    if (dryRun) await WriteChangesAsync(output, result).ConfigureAwait(false);
                    else await output.WriteLineAsync($"Imported tenant '{result.TenantId}' as wiremap version {result.Version}.").ConfigureAwait(false);
                    return 0;
                }
            case "export" when command.Options.TryGetValue("--format", out var kind):
                {
                    if (!CsvFormatNames.Exports.Contains(kind, StringComparer.OrdinalIgnoreCase))
                    {
                        await error.WriteLineAsync($"Unknown export '{kind}' (known: {string.Join(", ", CsvFormatNames.Exports)}).").ConfigureAwait(false);
                        return 2;
                    }
                    await PrepareForCommandAsync(app).ConfigureAwait(false);
                    var store = app.Services.GetRequiredService<WiremapStore>();
                    var wiremap = await store.GetTenantAsync(args[1], CancellationToken.None).ConfigureAwait(false);
                    if (wiremap is null)
                    {
                        await error.WriteLineAsync($"Unknown tenant '{args[1]}'.").ConfigureAwait(false);
                        return 1;
                    }
                    await using var target = args.Length == 3 ? File.Create(args[2]) : Console.OpenStandardOutput();
                    if (kind.Equals("calls", StringComparison.OrdinalIgnoreCase))
                    {
                        var now = app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
                        var calls = await store.ListCallRecordsAsync(wiremap.Tenant.Id, now - Admin.CallRecordEndpoints.DefaultWindow, now, Admin.ImportExportEndpoints.DefaultCallLimit, CancellationToken.None).ConfigureAwait(false);
                        CallRecordCsv.Write(target, calls);
                    }
                    else if (CsvFormatNames.TryParse(kind, out var exportFormat))
                    {
                        WiremapCsv.Write(target, wiremap, exportFormat.Value);
                    }
                    return 0;
                }
            case "export" when args.Length is 2 or 3:
                {
                    await PrepareForCommandAsync(app).ConfigureAwait(false);
                    using var scope = app.Services.CreateScope();
                    var wiremap = await scope.ServiceProvider.GetRequiredService<WiremapStore>().GetTenantAsync(args[1], CancellationToken.None).ConfigureAwait(false);
                    if (wiremap is null)
                    {
                        await error.WriteLineAsync($"Unknown tenant '{args[1]}'.").ConfigureAwait(false);
                        return 1;
                    }
                    if (args.Length == 3)
                    {
                        await using var file = File.Create(args[2]);
                        WiremapJson.Write(file, wiremap);
                    }
                    else
                    {
                        await using var stdout = Console.OpenStandardOutput();
                        WiremapJson.Write(stdout, wiremap);
                    }
                    return 0;
                }
            case "admin-key":
                await PrepareForCommandAsync(app).ConfigureAwait(false);
                return await AdminKeyCommand.RunAsync(app.Services, [.. command.Operands, .. command.Options.SelectMany(o => new[] { o.Key, o.Value })], output, error).ConfigureAwait(false);
            case "gis" when args[1] == "load":
                {
                    await PrepareForCommandAsync(app).ConfigureAwait(false);
                    var result = await app.Services.GetRequiredService<Locating.Gis.GisDataService>().LoadFileAsync(args[2], Path.GetFileName(args[2]), CancellationToken.None).ConfigureAwait(false);
                    foreach (var problem in result.Report.Problems) await error.WriteLineAsync($"{args[2]}: {problem}").ConfigureAwait(false);
                    if (result.Error is not null)
                    {
                        await error.WriteLineAsync($"{args[2]}: {result.Error}").ConfigureAwait(false);
                        return 1;
                    }
                    var layers = string.Join(", ", result.Report.Loaded.Select(l => $"{l.Value} {l.Key}"));
                    await output.WriteLineAsync($"Loaded GIS data version {result.Dataset!.Version} from {result.Dataset.Name}: {layers}; {result.Report.Problems.Count} problems ({result.Report.Skipped} features skipped).").ConfigureAwait(false);
                    return 0;
                }
            default:
                await error.WriteLineAsync(CommandLine.Usage).ConfigureAwait(false);
                return 2;
        }
    }

    private static bool TryPrefixLength(CommandLine command, string option, int fallback, int max, out int length)
    {
        length = fallback;
        return !command.Options.TryGetValue(option, out var text) ||
            (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length) && length <= max);
    }

    /// <summary>"sites: 1 added, 2 changed, 0 removed" per kind that changes, with the objects' keys.</summary>
    private static async Task WriteChangesAsync(TextWriter output, ImportOutcome result)
    {
        var verb = result.DryRun ? "Would change" : "Changed";
        // A station import's user records follow the wiremap's kinds.
        var kinds = result.Users is { } users ? [.. result.Diff?.Kinds ?? [], users] : result.Diff?.Kinds ?? [];
        var changed = kinds.Where(k => k.Added + k.Changed + k.Removed > 0).ToList();
        if (changed.Count == 0) await output.WriteLineAsync($"No changes to tenant '{result.TenantId}' (wiremap version {result.Version}).").ConfigureAwait(false);
        else await output.WriteLineAsync(result.DryRun
            ? $"{verb} tenant '{result.TenantId}' (compared with wiremap version {result.Version}); nothing was stored:"
            : $"{verb} tenant '{result.TenantId}', now wiremap version {result.Version}:").ConfigureAwait(false);
        foreach (var k in changed)
        {
            await output.WriteLineAsync($"  {k.Kind}: {k.Added} added, {k.Changed} changed, {k.Removed} removed").ConfigureAwait(false);
            if (k.AddedKeys.Count > 0) await output.WriteLineAsync($"    + {string.Join(", ", k.AddedKeys)}").ConfigureAwait(false);
            if (k.ChangedKeys.Count > 0) await output.WriteLineAsync($"    ~ {string.Join(", ", k.ChangedKeys)}").ConfigureAwait(false);
            if (k.RemovedKeys.Count > 0) await output.WriteLineAsync($"    - {string.Join(", ", k.RemovedKeys)}").ConfigureAwait(false);
        }
    }

    private static async Task PrepareForCommandAsync(WebApplication app)
    {
        // The embedded database is created on first use; PostgreSQL must have been migrated by 'migrate'.
        if (string.IsNullOrEmpty(app.Configuration.GetConnectionString("Postgres")))
            await StorageSetup.MigrateAsync(app.Services).ConfigureAwait(false);
    }
}
