using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace LocationServer.Routing.Alerts;

/// <summary>
/// Sends one alert to a <c>mailto:</c> target through the configured mail server (MailKit): a plain-text and an
/// HTML part naming the caller, the calling and callback numbers, the dispatchable location (floor and room
/// included), the time, the route taken and, with <see cref="SmtpOptions.LinkBaseUrl"/>, a link to the call record.
/// One connection per attempt; the dispatcher retries, backs off and logs the delivery as for webhooks.
/// </summary>
internal sealed class EmailAlertSender(SmtpOptions options)
{
    /// <summary>The outcome of one attempt: sent, or why not and whether another attempt may succeed.</summary>
    internal readonly record struct Attempt(bool Sent, string? Error, bool Retry, int? ReplyCode);

    /// <summary>
    /// The recipient a <c>mailto:</c> URI names (RFC 6068, percent-encoded; header fields after <c>?</c> are
    /// ignored), or null when it names none, several, or something that is not a bare address. One address per
    /// target: a desk that several people watch is a distribution list, or one target each.
    /// </summary>
    public static MailboxAddress? Recipient(string? url)
    {
        if (url is null || !url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase)) return null;
        var to = url["mailto:".Length..];
        var query = to.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) to = to[..query];
        var address = Uri.UnescapeDataString(to).Trim();
        if (address.Contains(',', StringComparison.Ordinal)) return null;
        // Only bare addresses: a display name or route in a URI is more likely a mistake than an intent.
        if (!MailboxAddress.TryParse(address, out var mailbox) || !string.IsNullOrEmpty(mailbox.Name) || mailbox.Route.Count > 0) return null;
        var at = mailbox.Address.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at < mailbox.Address.Length - 1 ? mailbox : null;
    }

    public async Task<Attempt> SendAsync(AlertMessage alert, AlertTarget target, CancellationToken cancellationToken)
    {
        var recipient = Recipient(target.Url.OriginalString);
        if (recipient is null) return new Attempt(false, "the mailto: URI names no valid address", Retry: false, null);
        if (!options.Enabled) return new Attempt(false, "no mail server is configured (Routing:Alerts:Smtp:Host)", Retry: false, null);
        var message = Compose(alert, target, recipient);
        using var client = new SmtpClient();
        try
        {
            var security = options.Security switch
            {
                SmtpSecurity.None => SecureSocketOptions.None,
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                _ => SecureSocketOptions.Auto,
            };
            await client.ConnectAsync(options.Host!.Trim(), options.Port, security, cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(options.UserName))
                await client.AuthenticateAsync(options.UserName, options.Password ?? "", cancellationToken).ConfigureAwait(false);
            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            return new Attempt(true, null, false, null);
        }
        catch (SmtpCommandException ex)
        {
            // 5xx is permanent (unknown mailbox, refused sender); 4xx (greylisting, mailbox busy) may pass later.
            var code = (int)ex.StatusCode;
            return new Attempt(false, string.Create(CultureInfo.InvariantCulture, $"SMTP {code}: {ex.Message}"), Retry: code is < 500 or >= 600, code);
        }
        catch (AuthenticationException ex)
        {
            return new Attempt(false, "SMTP authentication failed: " + ex.Message, Retry: false, null);
        }
        catch (Exception ex) when (ex is SmtpProtocolException or ServiceNotConnectedException or SocketException or IOException or SslHandshakeException)
        {
            return new Attempt(false, ex.GetType().Name + ": " + ex.Message, Retry: true, null);
        }
    }

    /// <summary>The message for one alert and target (exposed for tests and previews).</summary>
    public MimeMessage Compose(AlertMessage alert, AlertTarget target, MailboxAddress recipient)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.From!));
        message.To.Add(recipient);
        message.Date = alert.At;
        // Stable per alert and target, so a retried attempt that did arrive is recognisable as the same message.
        message.MessageId = $"{alert.Id}.{Hash(target.DeliveryKey)}@locationserver.invalid";
        message.Headers.Add("X-LocationServer-Event", AlertEventNames.Wire(alert.Event));
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Priority = alert.Event is AlertEvent.EmergencyCall or AlertEvent.RelayCenterCall or AlertEvent.LocationChanged ? MessagePriority.Urgent : MessagePriority.Normal;
        var (subject, rows, link) = Describe(alert);
        message.Subject = subject;
        var body = new BodyBuilder { TextBody = Text(subject, rows, link), HtmlBody = Html(subject, rows, link) };
        message.Body = body.ToMessageBody();
        return message;
    }

    private static string Utc(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The call record in the admin API, when <c>LinkBaseUrl</c> is set.</summary>
    private string? CallLink(string tenant, string callRecordId) => string.IsNullOrWhiteSpace(options.LinkBaseUrl) ? null
        : $"{options.LinkBaseUrl.TrimEnd('/')}/admin/tenants/{Uri.EscapeDataString(tenant)}/calls/{Uri.EscapeDataString(callRecordId)}";

    private (string Subject, List<(string Label, string Value)> Rows, string? Link) Describe(AlertMessage alert)
    {
        var at = Utc(alert.At);
        var rows = new List<(string, string)>();
        switch (alert)
        {
            case RoutingAlert call:
                var what = call.Event switch
                {
                    AlertEvent.TestCall => "933 test call",
                    AlertEvent.RelayCenterCall => "911 call sent to the relay centre",
                    _ => "911 call",
                };
                var who = call.CallerName ?? call.CallingNumber ?? "unknown caller";
                var where = call.Address ?? "no dispatchable location";
                rows.Add(("Caller", call.CallerName ?? "(not known)"));
                rows.Add(("Calling number", call.CallingNumber ?? "(not sent)"));
                rows.Add(("Callback number", call.CallbackNumber ?? "(none)"));
                rows.Add(("Location", where));
                if (call.LocationId is not null) rows.Add(("Location id", call.LocationId));
                rows.Add(("Located by", call.Source.ToString()));
                rows.Add(("Time", at));
                rows.Add(("Routed to", $"{call.RouteName} ({call.RouteUri})"));
                rows.Add(("Call record", call.CallRecordId));
                return ($"{what}: {who} at {where}", rows, CallLink(call.Tenant, call.CallRecordId));
            case LocationChangedAlert moved:
                var mover = moved.CallerName ?? moved.CallingNumber ?? "the caller";
                var now = moved.Address ?? "no dispatchable location";
                rows.Add(("Caller", moved.CallerName ?? "(not known)"));
                rows.Add(("Calling number", moved.CallingNumber ?? "(not sent)"));
                rows.Add(("Location now", now));
                if (moved.LocationId is not null) rows.Add(("Location id now", moved.LocationId));
                rows.Add(("Location before", moved.PreviousAddress ?? "no dispatchable location"));
                if (moved.PreviousLocationId is not null) rows.Add(("Location id before", moved.PreviousLocationId));
                rows.Add(("Changed by", moved.Cause switch
                {
                    LocationChangeCause.UserEntered => "an address the user entered",
                    LocationChangeCause.Wiremap => "a wiremap change",
                    _ => "the device's own location request",
                }));
                if (moved.DeviceKey is not null) rows.Add(("Device", moved.DeviceKey));
                rows.Add(("Time", at));
                rows.Add(("911 call", Utc(moved.CallAt)));
                rows.Add(("Callback window ends", Utc(moved.WindowEnds)));
                rows.Add(("Call record", moved.CallRecordId));
                return ($"Location changed after a 911 call: {mover} now at {now}", rows, CallLink(moved.Tenant, moved.CallRecordId));
            case UnknownNetworkAlert unknown:
                rows.Add(("Device", unknown.DeviceKey));
                rows.Add(("Network", unknown.NetworkFingerprint));
                rows.Add(("Time", at));
                if (unknown.UnknownNetworkEventId is not null) rows.Add(("Event", unknown.UnknownNetworkEventId));
                return ("A device asked for its location from a network with no wiremap entry", rows, null);
            default:
                rows.Add(("Time", at));
                return ($"Alert {AlertEventNames.Wire(alert.Event)}", rows, null);
        }
    }

    private static string Text(string subject, List<(string Label, string Value)> rows, string? link)
    {
        var text = new StringBuilder(subject).Append("\r\n\r\n");
        foreach (var (label, value) in rows) text.Append(label).Append(": ").Append(value).Append("\r\n");
        if (link is not null) text.Append("\r\nCall record: ").Append(link).Append("\r\n");
        return text.ToString();
    }

    private static string Html(string subject, List<(string Label, string Value)> rows, string? link)
    {
        var html = new StringBuilder("<!DOCTYPE html><html><body><h2>").Append(WebUtility.HtmlEncode(subject)).Append("</h2><table>");
        foreach (var (label, value) in rows)
            html.Append("<tr><th align=\"left\">").Append(WebUtility.HtmlEncode(label)).Append("</th><td>").Append(WebUtility.HtmlEncode(value)).Append("</td></tr>");
        html.Append("</table>");
        if (link is not null) html.Append("<p><a href=\"").Append(WebUtility.HtmlEncode(link)).Append("\">Open the call record</a></p>");
        return html.Append("</body></html>").ToString();
    }

    private static string Hash(string value) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(value)).AsSpan(0, 6));
}
