using System.Runtime.CompilerServices;
using System.Threading.Channels;
using LocationServer.Data.Redis;

namespace LocationServer.Routing.Alerts;

/// <summary>
/// The live alert feed a security-desk screen listens to (Server-Sent Events, see the admin API): every alert of a
/// tenant, from whichever node raised it, as it is raised. Each listener has a small queue of its own; a listener
/// that falls behind loses its oldest alerts, never anyone else's, and never delays routing.
/// </summary>
internal sealed class AlertFeed : IDisposable
{
    /// <summary>Alerts a listener may fall behind by before its oldest are dropped.</summary>
    public const int ListenerCapacity = 256;

    private readonly IAlertFeedBus _bus;
    private readonly IDisposable _subscription;
    private readonly Lock _gate = new();
    private Dictionary<string, List<Channel<FeedAlert>>> _listeners = new(StringComparer.OrdinalIgnoreCase);

    public AlertFeed(IAlertFeedBus bus)
    {
        _bus = bus;
        _subscription = bus.Subscribe(Fan);
    }

    /// <summary>
    /// Whether a published alert can reach anyone: a listener on this node, or other nodes. When not, the call path
    /// skips the alert's serialization.
    /// </summary>
    public bool HasAudience => !_bus.SingleNode || Volatile.Read(ref _listeners).Count > 0;

    /// <summary>Raises <paramref name="alert"/> (<paramref name="json"/>, its webhook JSON) on every node's feed for its tenant.</summary>
    public void Publish(AlertMessage alert, string json)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(json);
        _bus.Publish(new FeedAlert(alert.Tenant, AlertEventNames.Wire(alert.Event), alert.Id, json));
    }

    /// <summary>The feed event type that tells every desk screen an alert was acknowledged.</summary>
    public const string AcknowledgedEvent = "acknowledged";

    /// <summary>
    /// Tells every node's listeners for <paramref name="tenant"/> that alert <paramref name="alertId"/> was taken
    /// (event type <see cref="AcknowledgedEvent"/>, the acknowledgement JSON as data), so other desk screens clear it.
    /// </summary>
    public void PublishAcknowledgement(string tenant, string alertId, string json)
    {
        if (_bus.SingleNode && Volatile.Read(ref _listeners).Count == 0) return;
        _bus.Publish(new FeedAlert(tenant, AcknowledgedEvent, alertId, json));
    }

    /// <summary>The tenant's alerts from now on, until <paramref name="cancellationToken"/> ends the listening.</summary>
    public async IAsyncEnumerable<FeedAlert> ListenAsync(string tenant, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<FeedAlert>(new BoundedChannelOptions(ListenerCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            var listeners = new Dictionary<string, List<Channel<FeedAlert>>>(_listeners, StringComparer.OrdinalIgnoreCase);
            listeners[tenant] = [.. listeners.GetValueOrDefault(tenant) ?? [], queue];
            _listeners = listeners;
        }
        try
        {
            while (await queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (queue.Reader.TryRead(out var alert)) yield return alert;
            }
        }
        finally
        {
            lock (_gate)
            {
                var listeners = new Dictionary<string, List<Channel<FeedAlert>>>(_listeners, StringComparer.OrdinalIgnoreCase);
                var rest = (listeners.GetValueOrDefault(tenant) ?? []).Where(q => q != queue).ToList();
                if (rest.Count == 0) listeners.Remove(tenant);
                else listeners[tenant] = rest;
                _listeners = listeners;
            }
        }
    }

    /// <summary>Listeners now connected to this node, for a tenant (diagnostics and tests).</summary>
    public int Listeners(string tenant) => Volatile.Read(ref _listeners).GetValueOrDefault(tenant)?.Count ?? 0;

    public void Dispose() => _subscription.Dispose();

    private void Fan(FeedAlert alert)
    {
        if (!Volatile.Read(ref _listeners).TryGetValue(alert.Tenant, out var queues)) return;
        foreach (var queue in queues) queue.Writer.TryWrite(alert);
    }
}
