using Microsoft.Extensions.Hosting;

namespace LocationServer.Data.Storage;

/// <summary>
/// Keeps one in-memory copy of stored data (the wiremap index, the endpoint directory, the GIS index) in step with the
/// store: it loads at start, retrying every <see cref="PollInterval"/> until the store answers; reloads at once when a
/// change is announced on the change bus (Redis pub/sub across replicas); and polls the stored version every
/// <see cref="PollInterval"/> so a lost announcement costs at most that long. A reload reads the stored version, and
/// only when the copy in force is older loads, builds and swaps the new copy in whole, off the request path. Reloads
/// never overlap. A failed reload leaves the copy in force answering and is logged; the next tick or announcement
/// tries again. <see cref="IsLoaded"/> turns true after the first reload that completes (readiness waits for it).
/// </summary>
/// <typeparam name="TVersion">What the store reports as its version: a number, or one per tenant.</typeparam>
public abstract class ReloadLoop<TVersion>(TimeSpan pollInterval, TimeProvider timeProvider) : BackgroundService, IReloadLoop
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile bool _loaded;

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public bool IsLoaded => _loaded;

    /// <summary>How often the stored version is polled, and the first load retried.</summary>
    public TimeSpan PollInterval => pollInterval;

    /// <summary>Loads the stored data now when its version is newer than the copy in force (an admin change waits on it).</summary>
    public async Task ReloadIfChangedAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await GetStoredVersionAsync(cancellationToken).ConfigureAwait(false);
            if (!IsCurrent(stored)) await LoadAsync(stored, cancellationToken).ConfigureAwait(false);
            _loaded = true;
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>The version the store holds now.</summary>
    protected abstract Task<TVersion> GetStoredVersionAsync(CancellationToken cancellationToken);

    /// <summary>True when the copy in force already holds <paramref name="stored"/> (or nothing is stored to load).</summary>
    protected abstract bool IsCurrent(TVersion stored);

    /// <summary>Loads what the store holds at <paramref name="stored"/> or later, builds the copy and swaps it in (logging what it loaded).</summary>
    protected abstract Task LoadAsync(TVersion stored, CancellationToken cancellationToken);

    /// <summary>Subscribes to the change announcements; each calls <paramref name="onAnnounced"/>. Dispose to unsubscribe.</summary>
    protected abstract IDisposable Subscribe(Action onAnnounced);

    /// <summary>Logs a reload that failed (under the loader's own event id).</summary>
    protected abstract void LogReloadFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // An announcement only triggers a reload; the version itself is read from the store.
        using var subscription = Subscribe(() => _ = Task.Run(() => SafeReloadAsync(stoppingToken), stoppingToken));
        using var timer = new PeriodicTimer(pollInterval, timeProvider);
        do
        {
            await SafeReloadAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override void Dispose()
    {
        _reload.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task SafeReloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReloadIfChangedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The copy in force keeps answering; the next tick or announcement tries again.
            LogReloadFailed(ex);
        }
    }
}

/// <summary>A reload loop as readiness sees it: its name and whether its first load has completed.</summary>
public interface IReloadLoop
{
    /// <summary>The name readiness reports it under, e.g. <c>endpointDirectory</c>.</summary>
    string Name { get; }

    /// <summary>True once the first load has completed (there may have been nothing to load).</summary>
    bool IsLoaded { get; }
}
