using LocationServer.Core.Wiremap;
using LocationServer.Data.Endpoints;
using LocationServer.Data.Storage;
using LocationServer.Locating.Wiremap;
using LocationServer.Routing.Endpoints;

namespace LocationServer.Locating.Imports;

/// <summary>
/// Imports a CSV file into a tenant's current wiremap: the rows are merged into a copy of it (adding and updating,
/// never removing), the result is validated whole and stored through the same replacement the JSON import uses (one
/// transaction, announced to every replica, loaded here before the answer), or, in a dry run, only compared. All or
/// nothing: any error in any row rejects the file, each error naming its line and column. A change committed by
/// someone else between reading the wiremap and storing the merge makes the merge start again from the new state.
/// A PureConnect file also finds or creates the stations' users, committed in the same transaction as the wiremap.
/// </summary>
internal sealed partial class CsvImporter(WiremapStore store, IServiceProvider services, int maxBytes, ILogger<CsvImporter> logger)
{
    /// <summary>How many times a merge is recomputed when other changes keep committing first.</summary>
    public const int MaxAttempts = 5;

    /// <summary>At most this many errors are listed; the last entry then says how many more there were.</summary>
    public const int MaxErrors = 200;

    private static readonly string[] LisColumns = ["Subnet", "BSSID", "ChassisID", "PortID", "PortIDSubType", "Description", "Location", .. AddressColumns.Lis.Select(c => c.Column)];
    private static readonly string[] PureConnectColumns =
        ["DisplayName", "PhoneManufacturer", "PhoneModel", "NetworkID", "IdentificationAddress", "Extension", "DID", "LocationId", "Building", "Floor", "Room", "Location", .. AddressColumns.Lis.Select(c => c.Column)];

    public async Task<ImportOutcome> ImportAsync(string tenant, CsvImportFormat format, Stream csv, CsvImportSettings settings, bool dryRun, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(settings);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int count;
        while ((count = await csv.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + count > maxBytes)
                return new ImportOutcome(null, 0, [$"The file is larger than {maxBytes} bytes (Admin:MaxWiremapBytes)."]);
            buffer.Write(chunk, 0, count);
        }
        var readErrors = new List<string>();
        var table = CsvTable.Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), readErrors);
        if (table is null) return new ImportOutcome(null, 0, Capped(readErrors));
        var known = format switch
        {
            CsvImportFormat.PureConnect => PureConnectColumns,
            CsvImportFormat.SfbSubnet or CsvImportFormat.SfbWirelessAccessPoint or CsvImportFormat.SfbSwitch or CsvImportFormat.SfbPort => LisColumns,
            _ when TeamsLisCsv.IsTeams(format) => TeamsLisCsv.ColumnsRead(format),
            _ => null,
        };
        // Export-Csv writes every property of the objects it is given; the columns the format does not use are named
        // in the answer rather than refused.
        IReadOnlyList<string> ignored = known is null ? [] : [.. table.Headers.Where(h => !known.Contains(h, StringComparer.OrdinalIgnoreCase))];

        for (var attempt = 1; ; attempt++)
        {
            long version;
            TenantWiremap? current;
            StationUsers? users = null;
            try
            {
                version = await store.GetVersionAsync(cancellationToken).ConfigureAwait(false);
                current = await store.GetTenantAsync(tenant, cancellationToken).ConfigureAwait(false);
                if (current is not null && format == CsvImportFormat.PureConnect && services.GetService<EndpointDirectoryStore>() is { } directory)
                    users = new StationUsers(await directory.LoadTenantAsync(current.Tenant.Id, cancellationToken).ConfigureAwait(false));
            }
            catch (StorageUnavailableException ex)
            {
                return new ImportOutcome(null, 0, ["Storage is unavailable; nothing was changed: " + ex.Message], StorageUnavailable: true);
            }
            if (current is null) return new ImportOutcome(null, 0, [$"Unknown tenant '{tenant}'."], UnknownTenant: true);

            var edit = new WiremapEdit(current);
            var errors = new ImportErrors();
            switch (format)
            {
                case CsvImportFormat.PureConnect:
                    PureConnectCsv.Apply(table, edit, errors, users);
                    break;
                case CsvImportFormat.SfbSubnet or CsvImportFormat.SfbWirelessAccessPoint or CsvImportFormat.SfbSwitch or CsvImportFormat.SfbPort:
                    MicrosoftLisCsv.Apply(format, table, edit, settings, errors);
                    break;
                case var _ when TeamsLisCsv.IsTeams(format):
                    TeamsLisCsv.Apply(format, table, edit, settings, errors);
                    break;
                default:
                    WiremapCsv.Apply(format, table, edit, errors);
                    break;
            }
            if (errors.Count == 0)
            {
                foreach (var error in WiremapValidator.Validate(edit.ToWiremap()))
                {
                    // Objects the file did not touch were valid before; a rule broken now is the file's doing
                    // (an id taken twice, an ELIN already used) and is reported at the line that broke it.
                    if (edit.LineOf(error.Path) is { } line) errors.Add(line, null, $"{error.Path}: {error.Message}");
                    else errors.AddRaw($"{error.Path}: {error.Message} (in the tenant's current wiremap)");
                }
            }
            if (errors.Count > 0) return new ImportOutcome(null, 0, Capped(errors.Items), IgnoredColumns: ignored, Rows: table.Rows.Count);

            var merged = edit.ToWiremap();
            // Site addresses are checked against the GIS data (when loaded), and points geocoded, as in a JSON import.
            IReadOnlyList<string> warnings = [];
            if (services.GetService<Gis.WiremapAddressCheck>() is { } addresses)
            {
                var checkedAddresses = await addresses.CheckAsync(merged, current, cancellationToken).ConfigureAwait(false);
                if (checkedAddresses.Errors.Count > 0)
                    return new ImportOutcome(null, 0, Capped(checkedAddresses.Errors), IgnoredColumns: ignored, Rows: table.Rows.Count) { Warnings = checkedAddresses.Warnings };
                merged = checkedAddresses.Wiremap;
                warnings = checkedAddresses.Warnings;
            }
            var diff = WiremapDiff.Compare(current, merged);
            var userChanges = users?.Changed ?? [];
            if (dryRun || (diff.IsEmpty && userChanges.Count == 0))
                return new ImportOutcome(tenant, version, [], Diff: diff, DryRun: dryRun, IgnoredColumns: ignored, Rows: table.Rows.Count) { Warnings = warnings, Users = users?.Changes };
            long committed;
            try
            {
                var companion = userChanges.Count > 0 ? services.GetRequiredService<EndpointDirectoryStore>().UpsertUsers(current.Tenant.Id, users!.Version, userChanges) : null;
                committed = await store.ReplaceTenantAsync(merged, version, companion, cancellationToken).ConfigureAwait(false);
            }
            catch (WiremapVersionConflictException) when (attempt < MaxAttempts)
            {
                Log.Recomputed(logger, tenant, attempt);
                continue;
            }
            catch (WiremapVersionConflictException ex)
            {
                return new ImportOutcome(null, 0, [$"The wiremap kept changing while the file was merged ({MaxAttempts} attempts); nothing was changed: {ex.Message}"], StorageUnavailable: true);
            }
            catch (StoreValidationException ex)
            {
                return new ImportOutcome(null, 0, ex.Errors.Count > 0 ? [.. ex.Errors.Select(e => e.ToString())] : [ex.Message]);
            }
            catch (StorageUnavailableException ex)
            {
                return new ImportOutcome(null, 0, ["Storage is unavailable; nothing was changed: " + ex.Message], StorageUnavailable: true);
            }
            Log.Imported(logger, tenant, format, table.Rows.Count, committed);
            if (services.GetService<WiremapLoader>() is { } loader)
                await loader.ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
            // This node routes with the new users at once; the others hear of them on the directory's channel.
            if (userChanges.Count > 0 && services.GetService<EndpointDirectoryLoader>() is { } directoryLoader)
            {
                try
                {
                    await directoryLoader.ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (StorageUnavailableException)
                {
                    // Committed; the directory's poll loads the users when the database answers again.
                }
            }
            return new ImportOutcome(tenant, committed, [], Diff: diff, IgnoredColumns: ignored, Rows: table.Rows.Count) { Warnings = warnings, Users = users?.Changes };
        }
    }

    private static string[] Capped(IReadOnlyList<string> errors) =>
        errors.Count <= MaxErrors ? [.. errors] : [.. errors.Take(MaxErrors), $"… and {errors.Count - MaxErrors} more errors"];

    private static partial class Log
    {
        [LoggerMessage(EventId = 3451, Level = LogLevel.Information, Message = "CSV import ({Format}, {Rows} rows) merged into tenant {Tenant}: wiremap version {Version}")]
        public static partial void Imported(ILogger logger, string tenant, CsvImportFormat format, int rows, long version);

        [LoggerMessage(EventId = 3452, Level = LogLevel.Debug, Message = "CSV import into tenant {Tenant}: the wiremap changed meanwhile, merge recomputed (attempt {Attempt})")]
        public static partial void Recomputed(ILogger logger, string tenant, int attempt);
    }
}
