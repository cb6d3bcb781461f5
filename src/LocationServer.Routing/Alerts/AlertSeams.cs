using System.Text.Json;

namespace LocationServer.Routing.Alerts;

/// <summary>
/// The names of <see cref="AlertEvent"/> kinds: written in kebab case (<c>unknown-network</c>), read in that form or
/// as the kind's name (<c>UnknownNetwork</c>), case-insensitively. Admin validation and the target store share this,
/// so a kind the admin API accepts is one a target is filtered by.
/// </summary>
internal static class AlertEventNames
{
    private static readonly AlertEvent[] Kinds = Enum.GetValues<AlertEvent>();

    /// <summary>The wire names by kind (the kinds are numbered from 0), made once: every alert's feed entry and webhook request names its kind.</summary>
    private static readonly string[] Names = [.. Kinds.Select(k => JsonNamingPolicy.KebabCaseLower.ConvertName(k.ToString()))];

    /// <summary>The wire name of <paramref name="alertEvent"/>, as in the JSON <c>event</c> field.</summary>
    public static string Wire(AlertEvent alertEvent) =>
        (uint)alertEvent < (uint)Names.Length ? Names[(int)alertEvent] : JsonNamingPolicy.KebabCaseLower.ConvertName(alertEvent.ToString());

    /// <summary>Parses a kind name; numbers and unknown names are rejected.</summary>
    public static bool TryParse(string? name, out AlertEvent alertEvent)
    {
        var trimmed = name.AsSpan().Trim();
        foreach (var kind in Kinds)
        {
            if (trimmed.Equals(kind.ToString(), StringComparison.OrdinalIgnoreCase) || trimmed.Equals(Wire(kind), StringComparison.OrdinalIgnoreCase))
            {
                alertEvent = kind;
                return true;
            }
        }
        alertEvent = default;
        return false;
    }

    /// <summary>All kinds by their wire names, for error messages and documentation.</summary>
    public static string All => string.Join(", ", Kinds.Select(Wire));
}

/// <summary>The channel an alert target is reached through, from its URL's scheme.</summary>
internal enum AlertChannel
{
    /// <summary>An http(s) URL: the alert JSON is POSTed, signed when the target has a secret.</summary>
    Webhook,
    /// <summary>A <c>mailto:</c> URI (RFC 6068): a message through the configured mail server.</summary>
    Email,
    /// <summary>An <c>sms:</c> URI (RFC 5724): a text through the configured SMS gateway.</summary>
    Sms,
}

/// <summary>
/// Where an alert target is attached. Scopes add up: an alert reaches every target of the tenant, of the call's site
/// and of the call's dispatchable location that wants its kind, so the central point named by Kari's Law always hears
/// and on-site responders hear about their own building or floor as well.
/// </summary>
internal enum AlertScope
{
    /// <summary>Every alert of the tenant.</summary>
    Tenant,
    /// <summary>Alerts whose location lies in the site.</summary>
    Site,
    /// <summary>Alerts at the dispatchable location.</summary>
    Location,
}

/// <summary>A tenant's target for alerts: a webhook, an e-mail address or an SMS number, at a scope.</summary>
/// <param name="Name">Target name, for the delivery log.</param>
/// <param name="Url">HTTP(S) URL the alert JSON is POSTed to, a <c>mailto:</c> URI (RFC 6068) the alert is e-mailed to, or an <c>sms:</c> URI (RFC 5724) it is texted to.</param>
/// <param name="Secret">When set, each POST carries an HMAC-SHA256 signature keyed with it.</param>
/// <param name="Events">Events the target wants; null for all.</param>
/// <param name="Scope">Where the target is attached; tenant scope by default.</param>
/// <param name="ScopeId">The site or location id for site and location scope.</param>
/// <param name="Addresses">
/// Every address of the target when it has several (<paramref name="Url"/> first, all of one channel): each alert is
/// delivered to each, with a delivery record per address. Null for a target with one address.
/// </param>
internal sealed record AlertTarget(string Name, Uri Url, string? Secret = null, IReadOnlySet<AlertEvent>? Events = null, AlertScope Scope = AlertScope.Tenant, string? ScopeId = null, IReadOnlyList<Uri>? Addresses = null)
{
    /// <summary>Which of the target's addresses <see cref="Url"/> is (0: the first, or the only one).</summary>
    public int AddressIndex { get; init; }

    /// <summary>
    /// The target's name in idempotency keys and message ids: its name for the first address (as before targets had
    /// several), <c>{name}/{index}</c> for the others, so each recipient's delivery is distinct.
    /// </summary>
    public string DeliveryKey => AddressIndex == 0 ? Name : $"{Name}/{AddressIndex}";

    /// <summary>One target per address, each with its <see cref="AddressIndex"/>; the target itself when it has one.</summary>
    public IEnumerable<AlertTarget> PerAddress()
    {
        if (Addresses is not { Count: > 1 } all)
        {
            yield return this;
            yield break;
        }
        for (var i = 0; i < all.Count; i++) yield return this with { Url = all[i], Addresses = null, AddressIndex = i };
    }

    public bool Wants(AlertEvent alertEvent) => Events is null || Events.Contains(alertEvent);

    /// <summary>Whether the target is attached where the alert happened: its tenant, its site or its location.</summary>
    public bool Covers(string? siteId, string? locationId) => Scope switch
    {
        AlertScope.Tenant => true,
        AlertScope.Site => siteId is not null && string.Equals(ScopeId, siteId, StringComparison.OrdinalIgnoreCase),
        AlertScope.Location => locationId is not null && string.Equals(ScopeId, locationId, StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>Whether the target is an e-mail address (<c>mailto:</c>) rather than a webhook.</summary>
    public bool IsEmail => Url.Scheme == Uri.UriSchemeMailto;

    /// <summary>The channel, from the URL's scheme.</summary>
    public AlertChannel Channel => Url.Scheme switch
    {
        "mailto" => AlertChannel.Email,
        "sms" => AlertChannel.Sms,
        _ => AlertChannel.Webhook,
    };
}

/// <summary>The wire names of alert scopes and channels (<c>tenant</c>, <c>site</c>, <c>location</c>; <c>webhook</c>, <c>email</c>, <c>sms</c>).</summary>
internal static class AlertScopeNames
{
    public static string Wire(AlertScope scope) => scope.ToString().ToLowerInvariant();

    public static string Wire(AlertChannel channel) => channel.ToString().ToLowerInvariant();

    /// <summary>Parses a scope name (case-insensitive); numbers and unknown names are rejected.</summary>
    public static bool TryParse(string? name, out AlertScope scope)
    {
        foreach (var kind in Enum.GetValues<AlertScope>())
        {
            if (string.Equals(name?.Trim(), Wire(kind), StringComparison.OrdinalIgnoreCase))
            {
                scope = kind;
                return true;
            }
        }
        scope = default;
        return false;
    }
}

/// <summary>Where raised alerts and their acknowledgements are kept, so a desk can acknowledge one and see who took it.</summary>
internal interface IAlertLedger
{
    /// <summary>Records <paramref name="alert"/> as raised; <paramref name="json"/> is its webhook JSON.</summary>
    Task RecordAsync(AlertMessage alert, string json, CancellationToken cancellationToken);
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
    string? Error,
    AlertChannel Channel = AlertChannel.Webhook);

/// <summary>Durable log of alert deliveries, so an administrator can see which alert reached which desk.</summary>
internal interface IAlertDeliveryLog
{
    Task RecordAsync(AlertDelivery delivery, CancellationToken cancellationToken);
}

/// <summary>Alert delivery options, bound from "Routing:Alerts".</summary>
internal sealed class AlertOptions
{
    public const string SectionName = "Routing:Alerts";

    /// <summary>
    /// Whether webhook targets may be internal: loopback, <c>localhost</c>, link-local, private, multicast or
    /// unspecified addresses (see <see cref="WebhookTargetPolicy"/>). Checked when a target is added and again at
    /// every connection. For test rigs and single-host demos only. Default false.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>Call alerts (911, 933, relay centre) waiting for delivery before new ones are dropped. Default 1024.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>
    /// Unknown-network alerts waiting for delivery before new ones are dropped; a queue of their own, so they never
    /// delay a call alert. Default 256.
    /// </summary>
    public int UnknownNetworkQueueCapacity { get; set; } = 256;

    /// <summary>Attempts per alert and target, the first included. Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the second attempt, in milliseconds; doubles per attempt. Default 1000.</summary>
    public int InitialBackoffMilliseconds { get; set; } = 1000;

    /// <summary>Longest wait between attempts, in milliseconds. Default 60000.</summary>
    public int MaxBackoffMilliseconds { get; set; } = 60_000;

    /// <summary>Timeout of one POST, in milliseconds. Default 10000.</summary>
    public int AttemptTimeoutMilliseconds { get; set; } = 10_000;

    /// <summary>Call-alert deliveries in flight at once, across targets. Default 8.</summary>
    public int MaxConcurrentDeliveries { get; set; } = 8;

    /// <summary>
    /// Unknown-network alert deliveries in flight at once, across targets; slots of their own, not taken from
    /// <see cref="MaxConcurrentDeliveries"/>. Default 2.
    /// </summary>
    public int MaxConcurrentUnknownNetworkDeliveries { get; set; } = 2;

    /// <summary>
    /// Shortest time between two unknown-network alerts for the same tenant and network (whichever devices ask), in
    /// minutes (1-10080); requests in between are still counted, only not alerted. Counted per replica. Default 60.
    /// </summary>
    public int UnknownNetworkIntervalMinutes { get; set; } = 60;

    /// <summary>
    /// How long a graceful stop keeps delivering the alerts already queued (retries included), in milliseconds
    /// (0-60000), within the host's shutdown timeout; those not started by then are recorded in the ledger
    /// undelivered. Default 5000.
    /// </summary>
    public int ShutdownGraceMilliseconds { get; set; } = 5000;

    /// <summary>The mail server <c>mailto:</c> targets are sent through ("Routing:Alerts:Smtp").</summary>
    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>The HTTP gateway <c>sms:</c> targets are texted through ("Routing:Alerts:Sms").</summary>
    public SmsOptions Sms { get; set; } = new();

    public bool Validate() => !Problems().Any();

    /// <summary>Each bad setting, named, with what it must be; empty when the options are usable.</summary>
    public IEnumerable<string> Problems()
    {
        if (QueueCapacity is < 1 or > 1_000_000) yield return $"Routing:Alerts:QueueCapacity must lie between 1 and 1000000; it is {QueueCapacity}.";
        if (UnknownNetworkQueueCapacity is < 1 or > 1_000_000) yield return $"Routing:Alerts:UnknownNetworkQueueCapacity must lie between 1 and 1000000; it is {UnknownNetworkQueueCapacity}.";
        if (ShutdownGraceMilliseconds is < 0 or > 60_000) yield return $"Routing:Alerts:ShutdownGraceMilliseconds must lie between 0 and 60000; it is {ShutdownGraceMilliseconds}.";
        if (MaxAttempts is < 1 or > 20) yield return $"Routing:Alerts:MaxAttempts must lie between 1 and 20; it is {MaxAttempts}.";
        if (InitialBackoffMilliseconds < 0) yield return $"Routing:Alerts:InitialBackoffMilliseconds must not be negative; it is {InitialBackoffMilliseconds}.";
        if (MaxBackoffMilliseconds < InitialBackoffMilliseconds) yield return $"Routing:Alerts:MaxBackoffMilliseconds ({MaxBackoffMilliseconds}) must be at least Routing:Alerts:InitialBackoffMilliseconds ({InitialBackoffMilliseconds}).";
        if (AttemptTimeoutMilliseconds < 1) yield return $"Routing:Alerts:AttemptTimeoutMilliseconds must be at least 1; it is {AttemptTimeoutMilliseconds}.";
        if (MaxConcurrentDeliveries < 1) yield return $"Routing:Alerts:MaxConcurrentDeliveries must be at least 1; it is {MaxConcurrentDeliveries}.";
        if (MaxConcurrentUnknownNetworkDeliveries < 1) yield return $"Routing:Alerts:MaxConcurrentUnknownNetworkDeliveries must be at least 1; it is {MaxConcurrentUnknownNetworkDeliveries}.";
        if (UnknownNetworkIntervalMinutes is < 1 or > 10_080) yield return $"Routing:Alerts:UnknownNetworkIntervalMinutes must lie between 1 and 10080; it is {UnknownNetworkIntervalMinutes}.";
        foreach (var problem in Smtp.Problems()) yield return problem;
        foreach (var problem in Sms.Problems()) yield return problem;
    }
}

/// <summary>How TLS is used on the connection to the mail server.</summary>
internal enum SmtpSecurity
{
    /// <summary>STARTTLS when the server offers it, else plain (port 465: TLS from the start).</summary>
    Auto,
    /// <summary>Plain text only (a relay on the same host or network).</summary>
    None,
    /// <summary>STARTTLS, required: the delivery fails when the server does not offer it.</summary>
    StartTls,
    /// <summary>TLS from the first byte (SMTPS, usually port 465).</summary>
    Tls,
}

/// <summary>The mail server alert e-mails are sent through, bound from "Routing:Alerts:Smtp". Unset: no e-mail targets.</summary>
internal sealed class SmtpOptions
{
    /// <summary>Mail server host name or address. Unset: <c>mailto:</c> targets are refused.</summary>
    public string? Host { get; set; }

    /// <summary>Mail server port. Default 25.</summary>
    public int Port { get; set; } = 25;

    /// <summary>TLS on the connection: Auto (default), None, StartTls or Tls.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    /// <summary>User name for SMTP authentication; unset: no authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>Password for SMTP authentication.</summary>
    public string? Password { get; set; }

    /// <summary>Sender mailbox, e.g. <c>"E911 alerts &lt;e911@example.com&gt;"</c>. Required with <see cref="Host"/>.</summary>
    public string? From { get; set; }

    /// <summary>
    /// Base URL of the administration API as people reach it (e.g. <c>https://lis.example.com</c>); when set, each
    /// call alert links to its call record there.
    /// </summary>
    public string? LinkBaseUrl { get; set; }

    /// <summary>Whether e-mail can be sent at all.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Host);

    public IEnumerable<string> Problems()
    {
        if (!Enabled)
        {
            if (!string.IsNullOrWhiteSpace(From) || !string.IsNullOrWhiteSpace(UserName))
                yield return "Routing:Alerts:Smtp:Host must be set when Routing:Alerts:Smtp:From or UserName is.";
            yield break;
        }
        if (Uri.CheckHostName(Host!.Trim()) == UriHostNameType.Unknown) yield return $"Routing:Alerts:Smtp:Host must be a host name or address; it is '{Host}'.";
        if (Port is < 1 or > 65_535) yield return $"Routing:Alerts:Smtp:Port must lie between 1 and 65535; it is {Port}.";
        if (!Enum.IsDefined(Security)) yield return $"Routing:Alerts:Smtp:Security must be Auto, None, StartTls or Tls; it is {Security}.";
        if (!MimeKit.MailboxAddress.TryParse(From ?? "", out _)) yield return "Routing:Alerts:Smtp:From must be a mailbox (e911@example.com or \"Name <e911@example.com>\").";
        if (!string.IsNullOrEmpty(UserName) && string.IsNullOrEmpty(Password)) yield return "Routing:Alerts:Smtp:Password must be set when Routing:Alerts:Smtp:UserName is.";
        if (!string.IsNullOrWhiteSpace(LinkBaseUrl) && (!Uri.TryCreate(LinkBaseUrl, UriKind.Absolute, out var link) || link.Scheme is not ("https" or "http")))
            yield return $"Routing:Alerts:Smtp:LinkBaseUrl must be an absolute http(s) URL; it is '{LinkBaseUrl}'.";
    }
}
