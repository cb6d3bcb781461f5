using System.Text.Json;
using LocationServer.Data.Storage;
using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>One alert on the live feed: its tenant, kind, id and JSON body (as posted to webhooks).</summary>
public sealed record FeedAlert(string Tenant, string Event, string Id, string Json);

/// <summary>
/// Carries alerts to every node's live-feed listeners (security-desk screens connected to any replica). Best effort
/// and at most once: a screen that is not connected when an alert is published does not get it later (the webhooks
/// and e-mail, with their retries and delivery log, are the durable channels).
/// </summary>
public interface IAlertFeedBus
{
    /// <summary>Whether this node is the only one (no other node can have listeners).</summary>
    bool SingleNode { get; }

    /// <summary>Publishes <paramref name="alert"/> to this node's listeners at once and to the other nodes.</summary>
    void Publish(FeedAlert alert);

    /// <summary>Calls <paramref name="onAlert"/> for alerts published by any node. Dispose to unsubscribe.</summary>
    IDisposable Subscribe(Action<FeedAlert> onAlert);
}

/// <summary>A single node: alerts go to this node's listeners only.</summary>
public class InProcessAlertFeedBus : IAlertFeedBus
{
    private readonly Lock _gate = new();
    private List<Action<FeedAlert>> _handlers = [];

    public virtual bool SingleNode => true;

    public virtual void Publish(FeedAlert alert) => Deliver(alert);

    public IDisposable Subscribe(Action<FeedAlert> onAlert)
    {
        ArgumentNullException.ThrowIfNull(onAlert);
        lock (_gate) _handlers = [.. _handlers, onAlert];
        return new Subscription(this, onAlert);
    }

    /// <summary>Hands <paramref name="alert"/> to this node's listeners; a failing listener does not stop the others.</summary>
    protected void Deliver(FeedAlert alert)
    {
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                handler(alert);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A listener's failure is its own; the feed goes on.
            }
        }
    }

    private sealed class Subscription(InProcessAlertFeedBus owner, Action<FeedAlert> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate) owner._handlers = [.. owner._handlers.Where(h => h != handler)];
        }
    }
}

/// <summary>
/// Alerts over the Redis pub/sub channel <c>locationserver:alerts</c>, one JSON object a message, tagged with the
/// publishing node so it does not deliver its own alerts twice. This node's listeners get its alerts directly, so a
/// desk connected to the node that routed the call sees it even while Redis is away.
/// </summary>
internal sealed class RedisAlertFeedBus : InProcessAlertFeedBus
{
    public const string Channel = "locationserver:alerts";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _node = Guid.NewGuid().ToString("N");
    private readonly RedisConnection _connection;

    public RedisAlertFeedBus(RedisConnection connection)
    {
        _connection = connection;
        // The envelope's JSON names its node first, so this node's own alerts (every alert it raises comes back) are
        // recognised by that prefix and not parsed.
        var own = "{\"node\":\"" + _node + "\"";
        _connection.AddSubscription(RedisChannel.Literal(Channel), (_, message) =>
        {
            var text = (string?)message ?? "";
            if (text.StartsWith(own, StringComparison.Ordinal)) return;
            Envelope? envelope;
            try
            {
                envelope = JsonSerializer.Deserialize<Envelope>(text, Json);
            }
            catch (JsonException)
            {
                return;
            }
            if (envelope?.Alert is not { Tenant.Length: > 0, Json.Length: > 0 } alert || envelope.Node == _node) return;
            Deliver(alert);
        });
    }

    public override bool SingleNode => false;

    public override void Publish(FeedAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        Deliver(alert);
        var message = JsonSerializer.Serialize(new Envelope(_node, alert), Json);
        _ = PublishAsync(message);
    }

    private async Task PublishAsync(string message)
    {
        try
        {
            // Not waiting for the reply (the subscriber count): one alert per routed call, best effort anyway.
            await _connection.RunAsync(db => db.PublishAsync(RedisChannel.Literal(Channel), message, CommandFlags.FireAndForget)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StorageUnavailableException or RedisException or TimeoutException or ObjectDisposedException)
        {
            // Best effort: the other nodes' screens miss this alert; webhooks and e-mail still carry it.
        }
    }

    private sealed record Envelope(string Node, FeedAlert Alert);
}
