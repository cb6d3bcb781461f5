using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;

namespace LocationServer.Locating.Wiremap;

/// <summary>Why a change computed from a tenant's wiremap was refused; nothing was stored.</summary>
internal enum WiremapRefusalKind
{
    /// <summary>The object (or the tenant) does not exist: 404.</summary>
    NotFound,
    /// <summary>The request is invalid; the errors name the field paths: 400.</summary>
    Invalid,
    /// <summary>The change clashes with other objects (an id taken, an object still referred to): 409.</summary>
    Conflict,
    /// <summary>The object changed since the caller read it (If-Match): 412.</summary>
    PreconditionFailed,
    /// <summary>The caller may not change what the change touches (a site manager outside its sites): 403.</summary>
    Forbidden,
}

/// <summary>A refusal with its reasons and, for <see cref="WiremapRefusalKind.PreconditionFailed"/>, the object's current entity tag.</summary>
internal sealed record WiremapRefusal(WiremapRefusalKind Kind, IReadOnlyList<string> Errors, string? CurrentETag = null);

/// <summary>
/// What a change function decided from the tenant's current wiremap: the wiremap to store and the result to answer
/// with, the result alone when nothing needs storing, or a refusal.
/// </summary>
internal sealed record WiremapChange<T>(TenantWiremap? Wiremap, T? Result, WiremapRefusal? Refusal)
{
    public static WiremapChange<T> Store(TenantWiremap wiremap, T result) => new(wiremap, result, null);

    public static WiremapChange<T> Unchanged(T result) => new(null, result, null);

    public static WiremapChange<T> Refuse(WiremapRefusalKind kind, params string[] errors) => new(null, default, new WiremapRefusal(kind, errors));

    public static WiremapChange<T> Refuse(WiremapRefusal refusal) => new(null, default, refusal);
}

/// <summary>How applying a change ended.</summary>
internal enum WiremapChangeStatus
{
    /// <summary>Stored, announced to every replica and loaded here.</summary>
    Applied,
    /// <summary>The change function found nothing to store.</summary>
    Unchanged,
    /// <summary>The change function refused (see <see cref="WiremapChangeOutcome{T}.Refusal"/>).</summary>
    Refused,
    /// <summary>The store is unreachable, or the wiremap kept changing under the change: 503.</summary>
    Unavailable,
}

/// <summary>The outcome of <see cref="WiremapChangeApplier.ApplyAsync{T}"/>.</summary>
internal sealed record WiremapChangeOutcome<T>(WiremapChangeStatus Status, T? Result, long Version, WiremapRefusal? Refusal, IReadOnlyList<string> Errors);

/// <summary>
/// The one way a single administrative change reaches a tenant's wiremap: read the current state and its version,
/// let the change compute the new wiremap from it, store it with a version check (the store's replacement, one
/// transaction announced to every replica), and when another change committed in between, compute again from the new
/// state. This replica loads the new version before the answer, so a read that follows the change sees it. The change
/// function is called once per attempt and must depend only on the wiremap it is given (it re-checks If-Match there).
/// </summary>
internal sealed partial class WiremapChangeApplier(WiremapStore store, IServiceProvider services, ILogger<WiremapChangeApplier> logger)
{
    /// <summary>How many times a change is recomputed when other changes keep committing first.</summary>
    public const int MaxAttempts = 5;

    /// <summary>
    /// Applies the change <paramref name="compute"/> makes to <paramref name="tenantId"/>'s wiremap (null when the
    /// tenant does not exist, so a change may create it).
    /// </summary>
    public async Task<WiremapChangeOutcome<T>> ApplyAsync<T>(string tenantId, Func<TenantWiremap?, CancellationToken, Task<WiremapChange<T>>> compute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compute);
        for (var attempt = 1; ; attempt++)
        {
            long version;
            TenantWiremap? current;
            try
            {
                version = await store.GetVersionAsync(cancellationToken).ConfigureAwait(false);
                current = await store.GetTenantAsync(tenantId, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageUnavailableException ex)
            {
                return Unavailable<T>(ex.Message);
            }
            var change = await compute(current, cancellationToken).ConfigureAwait(false);
            if (change.Refusal is { } refusal) return new(WiremapChangeStatus.Refused, default, version, refusal, refusal.Errors);
            if (change.Wiremap is null) return new(WiremapChangeStatus.Unchanged, change.Result, version, null, []);
            long committed;
            try
            {
                committed = await store.ReplaceTenantAsync(change.Wiremap, version, cancellationToken).ConfigureAwait(false);
            }
            catch (WiremapVersionConflictException) when (attempt < MaxAttempts)
            {
                Log.Recomputed(logger, tenantId, attempt);
                continue;
            }
            catch (WiremapVersionConflictException ex)
            {
                return Unavailable<T>($"The wiremap kept changing while the change was applied ({MaxAttempts} attempts): {ex.Message}");
            }
            catch (StoreValidationException ex)
            {
                var errors = ex.Errors.Count > 0 ? [.. ex.Errors.Select(e => e.ToString())] : new[] { ex.Message };
                var invalid = new WiremapRefusal(ex.Errors.Count > 0 ? WiremapRefusalKind.Invalid : WiremapRefusalKind.Conflict, errors);
                return new(WiremapChangeStatus.Refused, default, version, invalid, errors);
            }
            catch (StorageUnavailableException ex)
            {
                return Unavailable<T>(ex.Message);
            }
            Log.Applied(logger, tenantId, committed, attempt);
            if (services.GetService<WiremapLoader>() is { } loader)
                await loader.ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
            return new(WiremapChangeStatus.Applied, change.Result, committed, null, []);
        }
    }

    /// <summary>
    /// Deletes a tenant's whole wiremap when <paramref name="check"/> finds nothing against it in the current state
    /// (If-Match, objects still present); announced and loaded like any other change.
    /// </summary>
    public async Task<WiremapChangeOutcome<TenantWiremap>> DeleteTenantAsync(string tenantId, Func<TenantWiremap, WiremapRefusal?> check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            var current = await store.GetTenantAsync(tenantId, cancellationToken).ConfigureAwait(false);
            if (current is null) return new(WiremapChangeStatus.Refused, null, 0, new WiremapRefusal(WiremapRefusalKind.NotFound, [$"Unknown tenant '{tenantId}'."]), []);
            if (check(current) is { } refusal) return new(WiremapChangeStatus.Refused, null, 0, refusal, refusal.Errors);
            var version = await store.DeleteTenantAsync(tenantId, cancellationToken).ConfigureAwait(false);
            Log.Applied(logger, tenantId, version, 1);
            if (services.GetService<WiremapLoader>() is { } loader)
                await loader.ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
            return new(WiremapChangeStatus.Applied, current, version, null, []);
        }
        catch (StorageUnavailableException ex)
        {
            return Unavailable<TenantWiremap>(ex.Message);
        }
    }

    /// <summary>
    /// Validates a whole wiremap after a change to the object at <paramref name="objectPath"/> (e.g. <c>/sites/3</c>):
    /// errors of that object are given relative to it (<c>/address/RD: is required</c>), as the request body names
    /// them; errors elsewhere (an ELIN another location holds) keep their path in the wiremap.
    /// </summary>
    public static IReadOnlyList<string> Validate(TenantWiremap wiremap, string? objectPath)
    {
        ArgumentNullException.ThrowIfNull(wiremap);
        return [.. WiremapValidator.Validate(wiremap).Select(e => Relative(e.Path, objectPath) + ": " + e.Message)];
    }

    /// <summary><paramref name="path"/> relative to <paramref name="objectPath"/> when it lies inside it (the object itself is "/").</summary>
    public static string Relative(string path, string? objectPath)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (objectPath is null || !path.StartsWith(objectPath, StringComparison.Ordinal)) return path;
        if (path.Length == objectPath.Length) return "/";
        return path[objectPath.Length] == '/' ? path[objectPath.Length..] : path;
    }

    private static WiremapChangeOutcome<T> Unavailable<T>(string message) =>
        new(WiremapChangeStatus.Unavailable, default, 0, null, ["Storage is unavailable; nothing was changed: " + message]);

    private static partial class Log
    {
        [LoggerMessage(EventId = 5301, Level = LogLevel.Information, Message = "Wiremap change applied to tenant {Tenant}: version {Version} (attempt {Attempt})")]
        public static partial void Applied(ILogger logger, string tenant, long version, int attempt);

        [LoggerMessage(EventId = 5302, Level = LogLevel.Debug, Message = "Wiremap change to tenant {Tenant}: another change committed first, recomputed (attempt {Attempt})")]
        public static partial void Recomputed(ILogger logger, string tenant, int attempt);
    }
}
