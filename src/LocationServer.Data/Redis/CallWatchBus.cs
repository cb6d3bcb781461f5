using System.Text.Json;
using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>
/// An open emergency-call window as every node shares it: who called from where, until when, and the place the
/// device was last seen at. <see cref="Moves"/> counts the location changes alerted so far, so nodes agree on which
/// change is which.
/// </summary>
/// <param name="Tenant">Canonical tenant id.</param>
/// <param name="CallRecordId">The 911 call's record.</param>
/// <param name="DeviceKeys">The caller's device keys (<c>mac:…</c>, <c>ip:…</c>) as the HELD side names devices; empty for a call located by DID only.</param>
/// <param name="CallAt">When the call was routed.</param>
/// <param name="Until">When the window closes.</param>
/// <param name="CallingNumber">The calling number, E.164 when it parsed.</param>
/// <param name="CallerName">The caller's name, when the DID names a user.</param>
/// <param name="Reference">The location URI the call was located by, re-resolved after wiremap changes.</param>
/// <param name="StationMac">The station MAC from signalling.</param>
/// <param name="StationIp">The station address from signalling.</param>
/// <param name="Did">The DID the call was located by (DID fallback).</param>
/// <param name="LocationId">The dispatchable location the device was last seen at.</param>
/// <param name="Address">Its one-line address.</param>
/// <param name="Moves">Location changes alerted so far.</param>
public sealed record CallWatchMessage(
    string Tenant,
    string CallRecordId,
    IReadOnlyList<string> DeviceKeys,
    DateTimeOffset CallAt,
    DateTimeOffset Until,
    string? CallingNumber,
    string? CallerName,
    string? Reference,
    string? StationMac,
    string? StationIp,
    string? Did,
    string? LocationId,
    string? Address,
    int Moves);

/// <summary>
/// Shares open emergency-call windows between nodes: the node that routes a 911 call announces it, the node that
/// answers the caller's next HELD request hears of it at once, and a node started later reads the open ones.
/// </summary>
public interface ICallWatchBus
{
    /// <summary>
    /// Announces a window opened or its device seen elsewhere (and keeps it for nodes that start later, in place of
    /// the windows of the calls <paramref name="replaced"/>: earlier calls of the same caller).
    /// </summary>
    Task PublishAsync(CallWatchMessage message, IReadOnlyList<string> replaced);

    /// <summary>Calls <paramref name="onMessage"/> for messages any node announces. Dispose to unsubscribe.</summary>
    IDisposable Subscribe(Action<CallWatchMessage> onMessage);

    /// <summary>The windows still open at <paramref name="now"/>.</summary>
    Task<IReadOnlyList<CallWatchMessage>> ListAsync(DateTimeOffset now);

    /// <summary>
    /// Claims <paramref name="key"/> for <paramref name="lifetime"/>: true for the first node only, so a change two
    /// nodes notice at once is alerted once.
    /// </summary>
    Task<bool> TryClaimAsync(string key, TimeSpan lifetime);
}

/// <summary>A single node: nobody to tell, every claim its own (the watch itself keeps one alert per change).</summary>
public sealed class InProcessCallWatchBus : ICallWatchBus
{
    public Task PublishAsync(CallWatchMessage message, IReadOnlyList<string> replaced) => Task.CompletedTask;

    public IDisposable Subscribe(Action<CallWatchMessage> onMessage) => NoSubscription.Instance;

    public Task<IReadOnlyList<CallWatchMessage>> ListAsync(DateTimeOffset now) => Task.FromResult<IReadOnlyList<CallWatchMessage>>([]);

    public Task<bool> TryClaimAsync(string key, TimeSpan lifetime) => Task.FromResult(true);

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// Call windows over Redis: announced on the pub/sub channel <c>locationserver:callwatch</c>, kept in the hash
/// <c>locationserver:callwatches</c> (field: call record id; value: the window's JSON) for nodes that start later, and
/// claimed with <c>SET NX</c> keys under <c>locationserver:callwatch:claim:</c>. Announcements are sent in groups
/// (<see cref="RedisBatcher{T}"/>): one <c>HSET</c> of the group's windows, one <c>HDEL</c> of the windows they
/// replaced and one message holding the announcing node's id, a space and the windows' JSON one per line, so a node
/// skips its own announcements unread.
/// </summary>
internal sealed class RedisCallWatchBus : ICallWatchBus
{
    public const string Channel = "locationserver:callwatch";
    public const string HashKey = "locationserver:callwatches";
    public const string ClaimPrefix = "locationserver:callwatch:claim:";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly RedisConnection _connection;
    private readonly RedisBatcher<Announcement> _announcements;
    private readonly Lock _gate = new();
    private readonly string _node = Guid.NewGuid().ToString("N");
    private List<Action<CallWatchMessage>> _handlers = [];

    public RedisCallWatchBus(RedisConnection connection)
    {
        _connection = connection;
        _announcements = new RedisBatcher<Announcement>("call windows", SendAsync, connection.Logger);
        _connection.AddSubscription(RedisChannel.Literal(Channel), (_, value) =>
        {
            // "{node} {json}\n{json}…": this node took its own windows in before announcing them, so only the others' are read.
            var text = (string?)value ?? "";
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0 || text.AsSpan(0, space).SequenceEqual(_node)) return;
            foreach (var line in text.AsSpan(space + 1).Split('\n'))
            {
                if (Parse(text.AsSpan(space + 1)[line]) is not { } message) continue;
                foreach (var handler in Volatile.Read(ref _handlers)) handler(message);
            }
        });
    }

    public Task PublishAsync(CallWatchMessage message, IReadOnlyList<string> replaced)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(replaced);
        // Queued, not sent: the call path neither waits for Redis nor makes a command per call.
        _announcements.Add(new Announcement(message, JsonSerializer.Serialize(message, Json), replaced));
        return Task.CompletedTask;
    }

    /// <summary>Completes once every window announced before the call has been handed to Redis (tests).</summary>
    public Task FlushAsync() => _announcements.FlushAsync();

    /// <summary>One group of announcements: three commands, sent without waiting for Redis's replies.</summary>
    private Task<long> SendAsync(IReadOnlyList<Announcement> batch)
    {
        var kept = new Dictionary<string, string>(batch.Count, StringComparer.Ordinal);
        var dropped = new HashSet<string>(StringComparer.Ordinal);
        var text = new System.Text.StringBuilder(_node).Append(' ');
        for (var i = 0; i < batch.Count; i++)
        {
            var (message, json, replaced) = batch[i];
            kept[message.CallRecordId] = json;
            dropped.Remove(message.CallRecordId);
            // Every node drops the replaced windows itself as the message arrives; the hash must not keep them for later ones.
            foreach (var id in replaced)
            {
                kept.Remove(id);
                dropped.Add(id);
            }
            text.Append(i == 0 ? "" : "\n").Append(json);
        }
        const CommandFlags Send = CommandFlags.FireAndForget;
        return _connection.RunAsync(db =>
        {
            if (kept.Count > 0) _ = db.HashSetAsync(HashKey, [.. kept.Select(e => new HashEntry(e.Key, e.Value))], Send);
            if (dropped.Count > 0) _ = db.HashDeleteAsync(HashKey, [.. dropped.Select(id => (RedisValue)id)], Send);
            return db.PublishAsync(RedisChannel.Literal(Channel), text.ToString(), Send);
        });
    }

    private readonly record struct Announcement(CallWatchMessage Message, string Json, IReadOnlyList<string> Replaced);

    public IDisposable Subscribe(Action<CallWatchMessage> onMessage)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        lock (_gate) _handlers = [.. _handlers, onMessage];
        return new Subscription(this, onMessage);
    }

    public async Task<IReadOnlyList<CallWatchMessage>> ListAsync(DateTimeOffset now)
    {
        var entries = await _connection.RunAsync(db => db.HashGetAllAsync(HashKey)).ConfigureAwait(false);
        var open = new List<CallWatchMessage>();
        var closed = new List<RedisValue>();
        foreach (var entry in entries)
        {
            if (Parse(entry.Value) is { } message && message.Until > now) open.Add(message);
            else closed.Add(entry.Name);
        }
        // Closed windows are dropped by whichever node reads them first.
        if (closed.Count > 0) await _connection.RunAsync(db => db.HashDeleteAsync(HashKey, [.. closed])).ConfigureAwait(false);
        return open;
    }

    public Task<bool> TryClaimAsync(string key, TimeSpan lifetime) =>
        _connection.RunAsync(db => db.StringSetAsync(ClaimPrefix + key, "1", lifetime, When.NotExists));

    private static CallWatchMessage? Parse(RedisValue value) => Parse(((string?)value ?? "").AsSpan());

    private static CallWatchMessage? Parse(ReadOnlySpan<char> json)
    {
        try
        {
            var message = JsonSerializer.Deserialize<CallWatchMessage>(json, Json);
            return message is null || string.IsNullOrEmpty(message.Tenant) || string.IsNullOrEmpty(message.CallRecordId) ? null : message;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class Subscription(RedisCallWatchBus owner, Action<CallWatchMessage> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate) owner._handlers = [.. owner._handlers.Where(h => h != handler)];
        }
    }
}
