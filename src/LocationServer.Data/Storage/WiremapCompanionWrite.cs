namespace LocationServer.Data.Storage;

/// <summary>
/// A write that commits in the same transaction as a wiremap replacement
/// (<see cref="WiremapStore.ReplaceTenantAsync(LocationServer.Core.Wiremap.TenantWiremap, long?, WiremapCompanionWrite?, CancellationToken)"/>),
/// so an import that changes the wiremap and another store changes both or neither. Made by the other store (for
/// example <see cref="Endpoints.EndpointDirectoryStore.UpsertUsers"/>).
/// </summary>
public abstract class WiremapCompanionWrite
{
    private protected WiremapCompanionWrite()
    {
    }

    /// <summary>Writes inside the open transaction; throws <see cref="WiremapVersionConflictException"/> when its own state moved since it was read.</summary>
    internal abstract Task WriteAsync(LocationDbContext db, CancellationToken cancellationToken);

    /// <summary>After the commit: announces the change as the store's own writes do.</summary>
    internal abstract Task CommittedAsync();
}
