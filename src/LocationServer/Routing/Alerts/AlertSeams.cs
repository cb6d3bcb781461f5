namespace LocationServer.Routing.Alerts;

/// <summary>A tenant's webhook for routing alerts.</summary>
/// <param name="Name">Target name, for the delivery log.</param>
/// <param name="Url">HTTP(S) URL the alert JSON is POSTed to.</param>
/// <param name="Secret">When set, each POST carries an HMAC-SHA256 signature keyed with it.</param>
/// <param name="Events">Events the target wants; null for all.</param>
internal sealed record AlertTarget(string Name, Uri Url, string? Secret = null, IReadOnlySet<AlertEvent>? Events = null)
{
    public bool Wants(AlertEvent alertEvent) => Events is null || Events.Contains(alertEvent);
}

/// <summary>Where the per-tenant alert targets come from (the tenant's configuration store).</summary>
internal interface IAlertTargetSource
{
    ValueTask<IReadOnlyList<AlertTarget>> GetTargetsAsync(string tenant, CancellationToken cancellationToken);
}

/// <summary>One delivery attempt of one alert to one target.</summary>
internal sealed record AlertDelivery(
    string AlertId,
    string Tenant,
    string Target,
    Uri Url,
    int Attempt,
    DateTimeOffset At,
    bool Succeeded,
    bool Final,
    int? HttpStatus,
    string? Error);

/// <summary>Durable log of alert deliveries, so an administrator can see which alert reached which desk.</summary>
internal interface IAlertDeliveryLog
{
    Task RecordAsync(AlertDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>Alert delivery options, bound from "Routing:Alerts".</summary>
internal sealed class AlertOptions
{
    public const string SectionName = "Routing:Alerts";

    /// <summary>Alerts waiting for delivery before new ones are dropped. Default 1024.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>Attempts per alert and target, the first included. Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the second attempt, in milliseconds; doubles per attempt. Default 1000.</summary>
    public int InitialBackoffMilliseconds { get; set; } = 1000;

    /// <summary>Longest wait between attempts, in milliseconds. Default 60000.</summary>
    public int MaxBackoffMilliseconds { get; set; } = 60_000;

    /// <summary>Timeout of one POST, in milliseconds. Default 10000.</summary>
    public int AttemptTimeoutMilliseconds { get; set; } = 10_000;

    /// <summary>Deliveries in flight at once, across targets. Default 8.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 8;

    public bool Validate() =>
        QueueCapacity is >= 1 and <= 1_000_000 && MaxAttempts is >= 1 and <= 20 && InitialBackoffMilliseconds >= 0 &&
        MaxBackoffMilliseconds >= InitialBackoffMilliseconds && AttemptTimeoutMilliseconds >= 1 && MaxConcurrentDeliveries >= 1;
}
