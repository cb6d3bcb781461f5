using LocationServer.Core.Routing;

namespace LocationServer.Routing;

/// <summary>
/// The durable copy of ELIN → caller assignments (the ELIN gateway's callback window), shared by every node.
/// Assignments are written with the call record that made them (<see cref="CallRecord.CallbackWindow"/>); the call
/// path itself reads only <see cref="ElinWindow"/>.
/// </summary>
internal interface IElinAssignmentStore
{
    /// <summary>Every tenant's assignments still inside their window at <paramref name="now"/> (loaded at start).</summary>
    Task<IReadOnlyList<ElinAssignment>> ListActiveAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The active assignment of <paramref name="elin"/> (E.164), if any.</summary>
    Task<ElinAssignment?> FindAsync(string tenant, string elin, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="onAssigned"/> as nodes lend ELINs, this one included (best effort; taking in an
    /// assignment already held changes nothing). Dispose to unsubscribe.
    /// </summary>
    IDisposable Subscribe(Action<ElinAssignment> onAssigned);
}
