using System.Text.Json;
using LocationServer.Data.Storage;
using StackExchange.Redis;

namespace LocationServer.Data.Redis;

/// <summary>
/// Tells every node at once that an ELIN was lent to a caller, so concurrent callers from one location keep
/// distinct callbacks whichever node routes them. Best effort: a node that misses a message learns the assignment
/// from the store (every node re-reads the open windows periodically and at start).
/// </summary>
public interface IElinAssignmentBus
{
    /// <summary>Announces <paramref name="assignment"/> to the other nodes.</summary>
    Task PublishAsync(ElinAssignment assignment);

    /// <summary>Calls <paramref name="onAssigned"/> for assignments announced by any node. Dispose to unsubscribe.</summary>
    IDisposable Subscribe(Action<ElinAssignment> onAssigned);
}

/// <summary>A single node: there is nobody to tell.</summary>
internal sealed class InProcessElinAssignmentBus : IElinAssignmentBus
{
    public Task PublishAsync(ElinAssignment assignment) => Task.CompletedTask;

    public IDisposable Subscribe(Action<ElinAssignment> onAssigned) => NoSubscription.Instance;

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}

/// <summary>ELIN assignments over the Redis pub/sub channel <c>locationserver:elin</c>, one JSON object a message.</summary>
internal sealed class RedisElinAssignmentBus : IElinAssignmentBus
{
    public const string Channel = "locationserver:elin";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly RedisConnection _connection;
    private readonly Lock _gate = new();
    private List<Action<ElinAssignment>> _handlers = [];

    public RedisElinAssignmentBus(RedisConnection connection)
    {
        _connection = connection;
        _connection.AddSubscription(RedisChannel.Literal(Channel), (_, message) =>
        {
            ElinAssignment? assignment;
            try
            {
                assignment = JsonSerializer.Deserialize<ElinAssignment>((string?)message ?? "", Json);
            }
            catch (JsonException)
            {
                return;
            }
            if (assignment is null || string.IsNullOrEmpty(assignment.TenantId) || string.IsNullOrEmpty(assignment.Elin)) return;
            foreach (var handler in Volatile.Read(ref _handlers)) handler(assignment);
        });
    }

    public async Task PublishAsync(ElinAssignment assignment)
    {
        var message = JsonSerializer.Serialize(assignment, Json);
        // Sent at once (another node's next caller from the location must see the ELIN taken), but without waiting
        // for Redis's reply, the subscriber count nobody reads.
        await _connection.RunAsync(db => db.PublishAsync(RedisChannel.Literal(Channel), message, CommandFlags.FireAndForget)).ConfigureAwait(false);
    }

    public IDisposable Subscribe(Action<ElinAssignment> onAssigned)
    {
        ArgumentNullException.ThrowIfNull(onAssigned);
        lock (_gate) _handlers = [.. _handlers, onAssigned];
        return new Subscription(this, onAssigned);
    }

    private sealed class Subscription(RedisElinAssignmentBus owner, Action<ElinAssignment> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate) owner._handlers = [.. owner._handlers.Where(h => h != handler)];
        }
    }
}
