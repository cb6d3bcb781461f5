using System.Threading.Channels;
using LocationServer.Data.Storage;

namespace LocationServer.Held;

/// <summary>
/// Records "unknown network location" events (a device asked from a network with no wiremap entry and no stored
/// address) off the request path, for wiremap gap reports.
/// </summary>
internal sealed partial class UnknownNetworkEvents(IServiceProvider services, TimeProvider time, ILogger<UnknownNetworkEvents> logger) : BackgroundService
{
    private readonly Channel<(string Tenant, string DeviceKey, string? Fingerprint, DateTimeOffset Time)> _channel =
        Channel.CreateBounded<(string, string, string?, DateTimeOffset)>(new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Enqueue(string tenant, string deviceKey, string? fingerprint) =>
        _channel.Writer.TryWrite((tenant, deviceKey, fingerprint, time.GetUtcNow()));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var (tenant, deviceKey, fingerprint, at) in _channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var store = services.GetRequiredService<WiremapStore>();
                await store.AddUnknownNetworkEventAsync(new UnknownNetworkEvent(tenant, deviceKey, fingerprint ?? "unknown", at.UtcDateTime), stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.RecordFailed(logger, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Could not record an unknown-network event")]
        public static partial void RecordFailed(ILogger logger, Exception exception);
    }
}
