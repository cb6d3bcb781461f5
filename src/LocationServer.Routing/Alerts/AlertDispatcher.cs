using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using LocationServer.Core.Matching;
using Microsoft.Extensions.Options;

namespace LocationServer.Routing.Alerts;

/// <summary>
/// Delivers alerts (routed calls, unknown-network requests) to the tenant's webhooks, e-mail addresses
/// (<c>mailto:</c> targets, through <see cref="EmailAlertSender"/>) and SMS numbers (<c>sms:</c> targets, through
/// <see cref="SmsAlertSender"/>) off the call and HELD paths. A target hears an alert when it wants the kind and its
/// scope covers the alert: the tenant always, a site when the alert's location lies in it, a location when the
/// alert is at it (scopes add up; see <see cref="AlertScope"/>). Each alert is recorded in the alert ledger so it can
/// be acknowledged: a routed call's with its call record, any other through the <see cref="IAlertLedger"/>.
/// Call alerts (911, 933, relay centre) and unknown-network alerts have separate queues and separate delivery slots,
/// so a flood of unknown-network alerts, or a slow desk receiving them, never delays a call alert.
/// <see cref="TryEnqueue"/> never waits: a full queue drops the alert (counted, and logged once per interval with
/// the count). Each webhook gets the alert JSON by POST, each e-mail target a message, with retries and exponential
/// backoff;
/// with a secret, the request carries <c>X-LocationServer-Timestamp</c> (Unix seconds) and
/// <c>X-LocationServer-Signature: sha256=HEX</c>, the HMAC-SHA256 over "{timestamp}.{body}". A slow or failing
/// target only occupies one of the concurrent delivery slots. A graceful stop delivers (and records) what is queued
/// within <see cref="AlertOptions.ShutdownGraceMilliseconds"/> (see <see cref="StopAsync"/>).
/// </summary>
internal sealed partial class AlertDispatcher : BackgroundService, IAlertSink
{
    public const string HttpClientName = "routing-alerts";
    public const string SignatureHeader = "X-LocationServer-Signature";
    public const string TimestampHeader = "X-LocationServer-Timestamp";
    public const string EventHeader = "X-LocationServer-Event";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly TimeSpan DropLogInterval = TimeSpan.FromSeconds(10);
    private readonly Lane _calls;
    private readonly Lane _unknownNetworks;
    private readonly IHttpClientFactory _http;
    private readonly EmailAlertSender _email;
    private readonly SmsAlertSender _sms;
    private readonly WiremapIndexHolder? _wiremap;
    private readonly IAlertLedger? _ledger;
    private readonly IAlertTargetSource _targets;
    private readonly IAlertDeliveryLog _deliveries;
    private readonly AlertOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertDispatcher> _logger;

    private readonly AlertFeed? _feed;
    private volatile bool _stopping;

    public AlertDispatcher(IHttpClientFactory http, IAlertTargetSource targets, IAlertDeliveryLog deliveries, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertDispatcher> logger, AlertFeed? feed = null, WiremapIndexHolder? wiremap = null, IAlertLedger? ledger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _targets = targets;
        _deliveries = deliveries;
        _options = options.Value;
        _email = new EmailAlertSender(_options.Smtp);
        _sms = new SmsAlertSender(_options.Sms, http);
        _wiremap = wiremap;
        _ledger = ledger;
        _time = time;
        _logger = logger;
        _feed = feed;
        _calls = new Lane(_options.QueueCapacity, _options.MaxConcurrentDeliveries);
        _unknownNetworks = new Lane(_options.UnknownNetworkQueueCapacity, _options.MaxConcurrentUnknownNetworkDeliveries);
    }

    /// <summary>Alerts dropped because their queue was full, since start: call alerts and unknown-network alerts.</summary>
    internal (long Calls, long UnknownNetworks) Dropped => (Interlocked.Read(ref _calls.DroppedTotal), Interlocked.Read(ref _unknownNetworks.DroppedTotal));

    public bool TryEnqueue(AlertMessage alert, string? json = null, bool recorded = false)
    {
        ArgumentNullException.ThrowIfNull(alert);
        // The live feed first and whatever the queues hold: a desk screen must see the call even when the webhooks lag.
        // Serialized once, for the feed, the ledger and every webhook alike; off the call path when neither the caller
        // nor a feed needs it.
        try
        {
            if (_feed is { HasAudience: true })
            {
                json ??= ToJson(alert);
                _feed.Publish(alert, json);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.FeedFailed(_logger, alert.Id, ex);
        }
        var lane = alert.Event == AlertEvent.UnknownNetwork ? _unknownNetworks : _calls;
        if (lane.Queue.Writer.TryWrite(new Queued(alert, json, recorded))) return true;
        if (_stopping)
        {
            // The queues are closed: the live feed had it, the webhooks will not.
            Log.RaisedWhileStopping(_logger, alert.Id, alert.Event);
            return false;
        }
        Interlocked.Increment(ref lane.DroppedTotal);
        Interlocked.Increment(ref lane.DroppedSinceLog);
        // A flood must not become a flood of log lines: one warning per interval and queue, with the count. The
        // first drop is always logged (no earlier warning to be within the interval of).
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref lane.LastDropLog);
        if ((last == 0 || _time.GetElapsedTime(last, now) >= DropLogInterval) && Interlocked.CompareExchange(ref lane.LastDropLog, now, last) == last)
            Log.Dropped(_logger, alert.Id, alert.Event, Interlocked.Exchange(ref lane.DroppedSinceLog, 0), lane.Capacity);
        return false;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(RunLaneAsync(_calls, stoppingToken), RunLaneAsync(_unknownNetworks, stoppingToken));

    /// <summary>
    /// A graceful stop: the queues take no new alerts; what they hold, and the deliveries under way (retries
    /// included), get up to <see cref="AlertOptions.ShutdownGraceMilliseconds"/>, within the host's own shutdown
    /// timeout, to finish. Past that the deliveries still running are cancelled, and the alerts never started are
    /// recorded in the ledger undelivered (counted in the log), so a desk still finds them to acknowledge. The
    /// call-record writer stops after this (it is registered first), so every ledger record made here is committed.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _calls.Queue.Writer.TryComplete();
        _unknownNetworks.Queue.Writer.TryComplete();
        if (ExecuteTask is { IsCompleted: false } running)
        {
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(TimeSpan.FromMilliseconds(_options.ShutdownGraceMilliseconds));
            try
            {
                await running.WaitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The grace is over: base.StopAsync cancels what is still running.
            }
        }
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunLaneAsync(Lane lane, CancellationToken stoppingToken)
    {
        await Task.Yield();
        using var slots = new SemaphoreSlim(lane.Slots);
        var inFlight = new HashSet<Task>();
        try
        {
            await foreach (var (alert, serialized, recorded) in lane.Queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                // The ledger and every webhook carry the same JSON; without it (a bug), e-mail and SMS still go out.
                var json = serialized ?? TryToJson(alert);
                // Made for the first webhook, if there is one.
                byte[]? body = null;
                // Recorded beside the deliveries, not before them: a slow store must not delay the first e-mail. A
                // call's alert is already on its way into the ledger with its call record.
                if (_ledger is not null && json is not null && !recorded)
                {
                    var recording = RecordAlertAsync(alert, json);
                    lock (inFlight) inFlight.Add(recording);
                    _ = recording.ContinueWith(t => { lock (inFlight) inFlight.Remove(t); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
                IReadOnlyList<AlertTarget> targets;
                try
                {
                    targets = await _targets.GetTargetsAsync(alert.Tenant, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.TargetsFailed(_logger, alert.Id, ex);
                    continue;
                }
                var (siteId, locationId) = Place(alert);
                var (fromSiteId, fromLocationId) = PreviousPlace(alert);
                foreach (var target in targets)
                {
                    // A caller who moved concerns the desks of the place left as much as those of the place reached.
                    if (!target.Wants(alert.Event) || !(target.Covers(siteId, locationId) || (fromLocationId is not null && target.Covers(fromSiteId, fromLocationId)))) continue;
                    // Each address of the target is a delivery of its own: its own attempts, retries and record.
                    foreach (var address in target.PerAddress())
                    {
                        if (address.Channel == AlertChannel.Webhook)
                        {
                            if (json is null) continue;
                            body ??= Encoding.UTF8.GetBytes(json);
                        }
                        await slots.WaitAsync(stoppingToken).ConfigureAwait(false);
                        var task = DeliverAsync(alert, address, body, stoppingToken);
                        lock (inFlight) inFlight.Add(task);
                        _ = task.ContinueWith(t =>
                        {
                            slots.Release();
                            lock (inFlight) inFlight.Remove(t);
                        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Cut short by the stop's grace: the alerts never started are at least recorded, so a desk can see them.
        var undelivered = 0;
        while (lane.Queue.Reader.TryRead(out var left))
        {
            undelivered++;
            if (_ledger is not null && !left.Recorded && (left.Json ?? TryToJson(left.Alert)) is { } json)
            {
                var recorded = RecordAlertAsync(left.Alert, json);
                lock (inFlight) inFlight.Add(recorded);
            }
        }
        if (undelivered > 0) Log.UndeliveredAtStop(_logger, undelivered, _options.ShutdownGraceMilliseconds);
        Task[] pending;
        lock (inFlight) pending = [.. inFlight];
        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    /// <summary>The site and dispatchable location an alert happened at, for scoped targets; nulls when it has none.</summary>
    internal (string? SiteId, string? LocationId) Place(AlertMessage alert)
    {
        var locationId = alert switch
        {
            RoutingAlert call => call.LocationId,
            LocationChangedAlert moved => moved.LocationId,
            _ => null,
        };
        return Site(alert.Tenant, locationId);
    }

    /// <summary>Where a caller who moved was before (<see cref="LocationChangedAlert"/>); nulls for other alerts.</summary>
    internal (string? SiteId, string? LocationId) PreviousPlace(AlertMessage alert) =>
        alert is LocationChangedAlert moved ? Site(alert.Tenant, moved.PreviousLocationId) : (null, null);

    private (string? SiteId, string? LocationId) Site(string tenant, string? locationId)
    {
        if (locationId is null) return (null, null);
        var location = _wiremap is not null && _wiremap.Current.TryGetTenant(tenant, out var index) ? index.FindLocation(locationId) : null;
        return (location?.SiteId, locationId);
    }

    /// <summary>The alert's webhook JSON: its runtime type, so each kind's own fields are written.</summary>
    internal static string ToJson(AlertMessage alert) => JsonSerializer.Serialize(alert, alert.GetType(), Json);

    /// <summary><see cref="ToJson"/>, or null (logged) when it fails: one alert's failure must not stop its queue.</summary>
    private string? TryToJson(AlertMessage alert)
    {
        try
        {
            return ToJson(alert);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.AlertNotRecorded(_logger, alert.Id, ex);
            return null;
        }
    }

    private async Task RecordAlertAsync(AlertMessage alert, string json)
    {
        try
        {
            await _ledger!.RecordAsync(alert, json, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.AlertNotRecorded(_logger, alert.Id, ex);
        }
    }

    /// <summary>Sends one alert to one target until it succeeds, fails permanently or runs out of attempts.</summary>
    internal Task<bool> DeliverAsync(AlertMessage alert, AlertTarget target, CancellationToken stoppingToken) =>
        DeliverAsync(alert, target, target.Channel == AlertChannel.Webhook ? Encoding.UTF8.GetBytes(ToJson(alert)) : null, stoppingToken);

    /// <summary><see cref="DeliverAsync(AlertMessage, AlertTarget, CancellationToken)"/> with the webhook body already made (null for other channels).</summary>
    private async Task<bool> DeliverAsync(AlertMessage alert, AlertTarget target, byte[]? body, CancellationToken stoppingToken)
    {
        for (var attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            AttemptResult result;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                timeout.CancelAfter(TimeSpan.FromMilliseconds(_options.AttemptTimeoutMilliseconds));
                try
                {
                    result = target.Channel switch
                    {
                        AlertChannel.Email => await EmailAsync(alert, target, timeout.Token).ConfigureAwait(false),
                        AlertChannel.Sms => await SmsAsync(alert, target, timeout.Token).ConfigureAwait(false),
                        _ => await PostAsync(alert, target, body!, timeout.Token).ConfigureAwait(false),
                    };
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return false;
                }
                catch (OperationCanceledException)
                {
                    result = new AttemptResult(false, null, "timeout", Retry: true);
                }
            }
            if (result.Succeeded)
            {
                await RecordAsync(new AlertDelivery(alert.Id, alert.Tenant, target.Name, target.Url, attempt, _time.GetUtcNow(), true, true, result.HttpStatus, null, target.Channel)).ConfigureAwait(false);
                Log.Delivered(_logger, alert.Id, target.Name, attempt);
                return true;
            }
            var final = !result.Retry || attempt == _options.MaxAttempts;
            await RecordAsync(new AlertDelivery(alert.Id, alert.Tenant, target.Name, target.Url, attempt, _time.GetUtcNow(), false, final, result.HttpStatus, result.Error, target.Channel)).ConfigureAwait(false);
            if (final)
            {
                Log.DeliveryFailed(_logger, alert.Id, target.Name, attempt, result.Error);
                return false;
            }
            try
            {
                await Task.Delay(Backoff(attempt), _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
        return false;
    }

    /// <summary>One attempt's outcome: delivered, or why not and whether another attempt may succeed.</summary>
    private readonly record struct AttemptResult(bool Succeeded, int? HttpStatus, string? Error, bool Retry);

    /// <summary>One POST of the alert JSON to a webhook.</summary>
    private async Task<AttemptResult> PostAsync(AlertMessage alert, AlertTarget target, byte[] body, CancellationToken cancellationToken)
    {
        try
        {
            using var request = BuildRequest(alert, target, body);
            using var response = await _http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return new AttemptResult(true, status, null, false);
            // Client errors other than timeout and throttling will not heal by retrying.
            var retry = status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            return new AttemptResult(false, status, "HTTP " + status.ToString(CultureInfo.InvariantCulture), retry);
        }
        catch (HttpRequestException ex) when (FindRefusal(ex) is not null)
        {
            // The target resolved to an internal address: retrying will not make it public.
            return new AttemptResult(false, null, "refused: the target resolves only to internal addresses", Retry: false);
        }
        catch (HttpRequestException ex)
        {
            return new AttemptResult(false, null, ex.HttpRequestError.ToString(), Retry: true);
        }
    }

    /// <summary>One e-mail of the alert through the configured mail server.</summary>
    private async Task<AttemptResult> EmailAsync(AlertMessage alert, AlertTarget target, CancellationToken cancellationToken)
    {
        var sent = await _email.SendAsync(alert, target, cancellationToken).ConfigureAwait(false);
        return new AttemptResult(sent.Sent, null, sent.Error, sent.Retry);
    }

    /// <summary>One text of the alert through the configured SMS gateway.</summary>
    private async Task<AttemptResult> SmsAsync(AlertMessage alert, AlertTarget target, CancellationToken cancellationToken)
    {
        var sent = await _sms.SendAsync(alert, target, cancellationToken).ConfigureAwait(false);
        return new AttemptResult(sent.Sent, sent.HttpStatus, sent.Error, sent.Retry);
    }

    private static WebhookAddressRefusedException? FindRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is WebhookAddressRefusedException refused) return refused;
        return null;
    }

    /// <summary>Wait after failed attempt <paramref name="attempt"/>: initial × 2^(attempt-1), capped.</summary>
    internal TimeSpan Backoff(int attempt)
    {
        var ms = _options.InitialBackoffMilliseconds * Math.Pow(2, attempt - 1);
        return TimeSpan.FromMilliseconds(Math.Min(ms, _options.MaxBackoffMilliseconds));
    }

    /// <summary>The signature value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    internal static string Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data));
    }

    private HttpRequestMessage BuildRequest(AlertMessage alert, AlertTarget target, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(EventHeader, AlertEventNames.Wire(alert.Event));
        request.Headers.TryAddWithoutValidation("Idempotency-Key", alert.Id + "/" + target.DeliveryKey);
        if (!string.IsNullOrEmpty(target.Secret))
        {
            var timestamp = _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            request.Headers.TryAddWithoutValidation(TimestampHeader, timestamp);
            request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(target.Secret, timestamp, body));
        }
        return request;
    }

    private async Task RecordAsync(AlertDelivery delivery)
    {
        try
        {
            await _deliveries.RecordAsync(delivery, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.DeliveryLogFailed(_logger, delivery.AlertId, ex);
        }
    }

    /// <summary>A queued alert, with its JSON when the feed already needed it, and whether its ledger record is taken care of.</summary>
    private readonly record struct Queued(AlertMessage Alert, string? Json, bool Recorded);

    /// <summary>One queue with its own delivery slots and drop counters.</summary>
    private sealed class Lane(int capacity, int slots)
    {
        public readonly Channel<Queued> Queue = Channel.CreateBounded<Queued>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        public readonly int Capacity = capacity;
        public readonly int Slots = slots;
        public long DroppedTotal;
        public long DroppedSinceLog;
        // TimeProvider timestamp of the last drop warning; 0 before the first.
        public long LastDropLog;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "Alert {AlertId} delivered to {Target} on attempt {Attempt}")]
        public static partial void Delivered(ILogger logger, string alertId, string target, int attempt);

        [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "Alert {AlertId} not delivered to {Target} after {Attempts} attempts: {Error}")]
        public static partial void DeliveryFailed(ILogger logger, string alertId, string target, int attempts, string? error);

        [LoggerMessage(EventId = 2305, Level = LogLevel.Warning, Message = "Alert {AlertId} ({Event}) was dropped: the alert queue is full ({Capacity}); {Dropped} alerts dropped since the last warning")]
        public static partial void Dropped(ILogger logger, string alertId, AlertEvent @event, long dropped, int capacity);

        [LoggerMessage(EventId = 2303, Level = LogLevel.Error, Message = "Alert targets for alert {AlertId} could not be read")]
        public static partial void TargetsFailed(ILogger logger, string alertId, Exception exception);

        [LoggerMessage(EventId = 2306, Level = LogLevel.Error, Message = "Alert {AlertId} could not be put on the live feed")]
        public static partial void FeedFailed(ILogger logger, string alertId, Exception exception);

        [LoggerMessage(EventId = 5201, Level = LogLevel.Error, Message = "Alert {AlertId} could not be recorded; it cannot be acknowledged until it is")]
        public static partial void AlertNotRecorded(ILogger logger, string alertId, Exception exception);

        [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Alert {AlertId} ({Event}) was raised while the service is stopping: it is on the live feed but not delivered")]
        public static partial void RaisedWhileStopping(ILogger logger, string alertId, AlertEvent @event);

        [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "Stopping: {Count} queued alerts were not delivered within the shutdown grace ({GraceMs} ms); they are recorded in the ledger")]
        public static partial void UndeliveredAtStop(ILogger logger, int count, int graceMs);

        [LoggerMessage(EventId = 2304, Level = LogLevel.Error, Message = "Delivery of alert {AlertId} could not be logged")]
        public static partial void DeliveryLogFailed(ILogger logger, string alertId, Exception exception);
    }
}
