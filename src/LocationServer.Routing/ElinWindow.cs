using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;

namespace LocationServer.Routing;

/// <summary>
/// The ELIN gateway's callback window held in memory: which caller each ELIN currently stands for. Allocation
/// reads and writes it under one lock, so concurrent callers from one location get distinct ELINs without a
/// database round trip on the call path; the durable copy is written with the call record
/// (<see cref="CallRecord.CallbackWindow"/>) and loaded back at start (<see cref="ElinWindowLoader"/>).
/// An ELIN is unique within its tenant (the wiremap validator enforces it), so assignments are keyed by tenant and
/// ELIN.
/// </summary>
internal sealed class ElinWindow
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Tenant, string Elin), ElinAssignment> _byElin = [];

    /// <summary>Assignments held, expired ones included until replaced.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _byElin.Count;
        }
    }

    /// <summary>
    /// Chooses the ELIN to present for a call from <paramref name="location"/> (<see cref="ElinAllocator"/>) and,
    /// when <paramref name="reserve"/> is set and the caller is known, lends it to the caller until
    /// <paramref name="now"/> + <paramref name="window"/>, atomically with the choice.
    /// </summary>
    /// <returns>The choice and the assignment made (null when nothing was reserved).</returns>
    public (ElinChoice Choice, ElinAssignment? Assignment) Allocate(
        string tenant, ResolvedLocation location, string? caller, DateTimeOffset now, TimeSpan window, bool reserve, string? callRecordId)
    {
        ArgumentNullException.ThrowIfNull(location);
        lock (_gate)
        {
            var active = new List<ElinAssignment>(location.Elins.Count);
            foreach (var elin in location.Elins)
            {
                if (_byElin.TryGetValue((tenant, Key(elin)), out var held) && held.IsActive(now)) active.Add(held);
            }
            var choice = ElinAllocator.Choose(location.Elins, active, caller, now)
                ?? throw new ArgumentException("The location has no ELINs.", nameof(location));
            if (!reserve || caller is null) return (choice, null);
            var assignment = new ElinAssignment(tenant, location.Id, Key(choice.Elin), caller, now, now + window, callRecordId);
            _byElin[(tenant, assignment.Elin)] = assignment;
            return (choice, assignment);
        }
    }

    /// <summary>Takes in an assignment made elsewhere (loaded from the store); an older one than held is ignored.</summary>
    public void Merge(ElinAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var key = (assignment.Tenant, Key(assignment.Elin));
        lock (_gate)
        {
            if (_byElin.TryGetValue(key, out var held) && held.AssignedAt >= assignment.AssignedAt) return;
            _byElin[key] = assignment with { Elin = key.Item2 };
        }
    }

    /// <summary>The caller <paramref name="elin"/> stands for at <paramref name="now"/>, or null.</summary>
    public ElinAssignment? Find(string tenant, string elin, DateTimeOffset now)
    {
        lock (_gate)
        {
            return _byElin.TryGetValue((tenant, Key(elin)), out var held) && held.IsActive(now) ? held : null;
        }
    }

    /// <summary>Forgets assignments whose window closed before <paramref name="now"/>.</summary>
    public int Prune(DateTimeOffset now)
    {
        lock (_gate)
        {
            var expired = _byElin.Where(p => !p.Value.IsActive(now)).Select(p => p.Key).ToList();
            foreach (var key in expired) _byElin.Remove(key);
            return expired.Count;
        }
    }

    private static string Key(string elin) => PhoneNumber.Normalize(elin) ?? elin;
}

/// <summary>
/// Keeps <see cref="ElinWindow"/> in step with the other nodes: loads the open callback windows from the store
/// before the service takes calls (so ELINs lent before a restart are neither handed to another caller nor
/// forgotten), takes in assignments other nodes announce as they happen, re-reads the store every
/// <see cref="RefreshInterval"/> as the backstop for a missed announcement, and prunes closed windows.
/// </summary>
internal sealed partial class ElinWindowLoader(IElinAssignmentStore store, ElinWindow window, TimeProvider time, ILogger<ElinWindowLoader> logger) : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);

    /// <summary>How often the store is re-read (and closed windows pruned): 30 s.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private IDisposable? _subscription;
    private bool _loaded;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribed before the first read so nothing lent meanwhile is missed; the first read is awaited because
        // hosted services start before the listeners open.
        _subscription = store.Subscribe(window.Merge);
        _loaded = await TryLoadAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!_loaded)
        {
            await Task.Delay(RetryInterval, time, stoppingToken).ConfigureAwait(false);
            _loaded = await TryLoadAsync(stoppingToken).ConfigureAwait(false);
        }
        using var timer = new PeriodicTimer(RefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            window.Prune(time.GetUtcNow());
            await TryLoadAsync(stoppingToken, quiet: true).ConfigureAwait(false);
        }
    }

    private async Task<bool> TryLoadAsync(CancellationToken cancellationToken, bool quiet = false)
    {
        try
        {
            var active = await store.ListActiveAsync(time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            foreach (var assignment in active) window.Merge(assignment);
            if (!quiet) Log.Loaded(logger, active.Count);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.LoadFailed(logger, ex);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2213, Level = LogLevel.Information, Message = "Loaded {Count} open ELIN callback windows")]
        public static partial void Loaded(ILogger logger, int count);

        [LoggerMessage(EventId = 2214, Level = LogLevel.Error, Message = "Open ELIN callback windows could not be loaded; retrying")]
        public static partial void LoadFailed(ILogger logger, Exception exception);
    }
}
