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
/// Alerts over the Redis pub/sub channel <c>locationserver:alerts</c>: each alert a JSON envelope tagged with the
/// publishing node, so it does not deliver its own alerts twice; sent in groups (<see cref="RedisBatcher{T}"/>), one
/// message holding a group's envelopes one per line. This node's listeners get its alerts directly, so a desk
/// connected to the node that routed the call sees it even while Redis is away.
/// </summary>
internal sealed class RedisAlertFeedBus : InProcessAlertFeedBus
{
    public const string Channel = "locationserver:alerts";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _node = Guid.NewGuid().ToString("N");
    private readonly RedisConnection _connection;
    private readonly RedisBatcher<string> _messages;

    public RedisAlertFeedBus(RedisConnection connection)
    {
        _connection = connection;
        _messages = new RedisBatcher<string>("live-feed alerts", SendAsync, connection.Logger);
        // The envelope's JSON names its node first, so this node's own alerts (every alert it raises comes back) are
        // recognised by that prefix and not parsed; a message holds one node's envelopes only.
        var own = "{\"node\":\"" + _node + "\"";
        _connection.AddSubscription(RedisChannel.Literal(Channel), (_, message) =>
        {
            var text = (string?)message ?? "";
            if (text.StartsWith(own, StringComparison.Ordinal)) return;
            foreach (var line in text.AsSpan().Split('\n'))
            {
                Envelope? envelope;
                try
                {
                    envelope = JsonSerializer.Deserialize<Envelope>(text.AsSpan()[line], Json);
                }
                catch (JsonException)
                {
                    continue;
                }
                if (envelope?.Alert is not { Tenant.Length: > 0, Json.Length: > 0 } alert || envelope.Node == _node) continue;
                Deliver(alert);
            }
        });
    }

    public override bool SingleNode => false;

    public override void Publish(FeedAlert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        Deliver(alert);
        _messages.Add(JsonSerializer.Serialize(new Envelope(_node, alert), Json));
    }

    /// <summary>Completes once every alert published before the call has been handed to Redis (tests).</summary>
    public Task FlushAsync() => _messages.FlushAsync();

    /// <summary>One group: one message, sent without waiting for the reply (the subscriber count); best effort anyway.</summary>
    private Task<long> SendAsync(IReadOnlyList<string> envelopes) =>
        _connection.RunAsync(db => db.PublishAsync(RedisChannel.Literal(Channel), string.Join('\n', envelopes), CommandFlags.FireAndForget));

    private sealed record Envelope(string Node, FeedAlert Alert);
}
