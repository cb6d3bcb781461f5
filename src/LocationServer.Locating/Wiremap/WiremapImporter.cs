using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Data.Wiremap;

namespace LocationServer.Locating.Wiremap;

/// <summary>
/// The outcome of an import: the new version, or every error found (nothing applied). A dry run (and a CSV import)
/// carries the difference to the tenant's current wiremap; a dry run's version is the one it compared with.
/// </summary>
internal sealed record ImportOutcome(
    string? TenantId,
    long Version,
    IReadOnlyList<string> Errors,
    bool StorageUnavailable = false,
    WiremapDiff? Diff = null,
    bool DryRun = false,
    bool UnknownTenant = false,
    IReadOnlyList<string>? IgnoredColumns = null,
    int Rows = 0)
{
    /// <summary>What the GIS address check noted without refusing (invalid addresses stored, points geocoded).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The user records a PureConnect import found or created (kind <c>users</c>); null for other imports.</summary>
    public KindChanges? Users { get; init; }
}

/// <summary>
/// Imports a tenant's wiremap from the JSON format: validated whole (syntax and semantics, with line and column),
/// written in one transaction, announced to every replica, and loaded into this replica's index before the import
/// is acknowledged. Documents larger than <c>maxBytes</c> (<c>Admin:MaxWiremapBytes</c>) are refused unread.
/// </summary>
internal sealed class WiremapImporter(WiremapStore store, IServiceProvider services, int maxBytes)
{
    /// <summary>
    /// Imports <paramref name="json"/>; with <paramref name="dryRun"/>, validates it and returns the difference to the
    /// tenant's current wiremap (<see cref="WiremapDiff"/>) without storing anything.
    /// </summary>
    public async Task<ImportOutcome> ImportAsync(Stream json, string? expectedTenant, CancellationToken cancellationToken, bool dryRun = false)
    {
        // Request bodies are read asynchronously (Kestrel forbids synchronous I/O); the cap bounds memory.
        var cap = maxBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int count;
        while ((count = await json.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + count > cap)
                return new ImportOutcome(null, 0, [$"The document is larger than {cap} bytes (Admin:MaxWiremapBytes)."]);
            buffer.Write(chunk, 0, count);
        }
        var read = WiremapJson.Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        if (read.Errors.Count > 0 || read.Wiremap is null)
            return new ImportOutcome(null, 0, [.. read.Errors.Select(e => e.ToString())]);
        var wiremap = read.Wiremap;
        if (expectedTenant is not null && !string.Equals(expectedTenant, wiremap.Tenant.Id, StringComparison.Ordinal))
            return new ImportOutcome(null, 0, [$"/tenant/id: the document is for tenant '{wiremap.Tenant.Id}', not '{expectedTenant}'."]);
        // Site addresses are checked against the GIS data (when loaded) before they are stored.
        IReadOnlyList<string> warnings = [];
        if (services.GetService<Gis.WiremapAddressCheck>() is { } addresses)
        {
            var checkedAddresses = await addresses.CheckAsync(wiremap, cancellationToken).ConfigureAwait(false);
            if (checkedAddresses.Errors.Count > 0) return new ImportOutcome(null, 0, checkedAddresses.Errors) { Warnings = checkedAddresses.Warnings };
            wiremap = checkedAddresses.Wiremap;
            warnings = checkedAddresses.Warnings;
        }
        if (dryRun) return await CompareAsync(wiremap, cancellationToken).ConfigureAwait(false) with { Warnings = warnings };
        long version;
        try
        {
            version = await store.ReplaceTenantAsync(wiremap, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreValidationException ex)
        {
            return new ImportOutcome(null, 0, ex.Errors.Count > 0 ? [.. ex.Errors.Select(e => e.ToString())] : [ex.Message]);
        }
        catch (StorageUnavailableException ex)
        {
            return new ImportOutcome(null, 0, ["Storage is unavailable; nothing was changed: " + ex.Message], StorageUnavailable: true);
        }
        // The store announced the version to the other replicas; this one loads it before acknowledging.
        if (services.GetService<WiremapLoader>() is { } loader)
            await loader.ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
        return new ImportOutcome(wiremap.Tenant.Id, version, []) { Warnings = warnings };
    }

    private async Task<ImportOutcome> CompareAsync(TenantWiremap wiremap, CancellationToken cancellationToken)
    {
        try
        {
            var version = await store.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            var current = await store.GetTenantAsync(wiremap.Tenant.Id, cancellationToken).ConfigureAwait(false);
            return new ImportOutcome(wiremap.Tenant.Id, version, [], Diff: WiremapDiff.Compare(current, wiremap), DryRun: true);
        }
        catch (StorageUnavailableException ex)
        {
            return new ImportOutcome(null, 0, ["Storage is unavailable; nothing was compared: " + ex.Message], StorageUnavailable: true);
        }
    }
}
