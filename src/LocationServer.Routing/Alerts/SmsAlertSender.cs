using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace LocationServer.Routing.Alerts;

/// <summary>
/// The HTTP gateway SMS alerts are sent through, bound from "Routing:Alerts:Sms". Unset: <c>sms:</c> targets are
/// refused. The gateway receives one POST per alert and number, with the JSON of <see cref="SmsGatewayRequest"/>.
/// </summary>
internal sealed partial class SmsOptions
{
    /// <summary>Gateway URL (http or https) the JSON is POSTed to. Unset: no SMS targets.</summary>
    public string? Url { get; set; }

    /// <summary>Header that carries <see cref="Secret"/>. Default <c>Authorization</c>.</summary>
    public string AuthHeader { get; set; } = "Authorization";

    /// <summary>
    /// The header's value, e.g. <c>Bearer 0123…</c> or an API key; unset: no header is sent. Never logged or returned.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>Sender: an E.164 number (<c>+15125550000</c>) or an alphanumeric sender id of up to 11 characters. Required with <see cref="Url"/>.</summary>
    public string? From { get; set; }

    /// <summary>Segments a text may take (1 or 2): 160/306 GSM-7 characters or 70/134 UCS-2 ones. Default 2.</summary>
    public int MaxSegments { get; set; } = 2;

    /// <summary>Whether SMS can be sent at all.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public IEnumerable<string> Problems()
    {
        if (!Enabled)
        {
            if (!string.IsNullOrWhiteSpace(From) || !string.IsNullOrWhiteSpace(Secret))
                yield return "Routing:Alerts:Sms:Url must be set when Routing:Alerts:Sms:From or Secret is.";
            yield break;
        }
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(url.UserInfo))
            yield return $"Routing:Alerts:Sms:Url must be an absolute http(s) URL without credentials; it is '{Url}'.";
        if (string.IsNullOrWhiteSpace(From) || !(SmsAlertSender.IsNumber(From) || AlphanumericSender().IsMatch(From)))
            yield return "Routing:Alerts:Sms:From must be an E.164 number (+15125550000) or an alphanumeric sender id of 1-11 letters, digits or spaces.";
        if (string.IsNullOrWhiteSpace(AuthHeader) || !HeaderName().IsMatch(AuthHeader))
            yield return $"Routing:Alerts:Sms:AuthHeader must be an HTTP header name; it is '{AuthHeader}'.";
        if (MaxSegments is < 1 or > 2) yield return $"Routing:Alerts:Sms:MaxSegments must be 1 or 2; it is {MaxSegments}.";
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9 ]{0,10}$")]
    private static partial Regex AlphanumericSender();

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
    private static partial Regex HeaderName();
}

/// <summary>
/// The JSON an SMS gateway receives (one POST per alert and number). Fields are camelCase; absent ones are left out.
/// </summary>
/// <param name="To">Recipient, E.164.</param>
/// <param name="From">Sender (<see cref="SmsOptions.From"/>).</param>
/// <param name="Text">The message, at most <see cref="SmsOptions.MaxSegments"/> segments long.</param>
/// <param name="AlertId">The alert's id, as in the webhook JSON and the live feed.</param>
/// <param name="Event">The alert kind (<c>emergency-call</c>, …).</param>
/// <param name="Tenant">The tenant.</param>
/// <param name="CallRecordId">The call record, for call alerts.</param>
/// <param name="Encoding"><c>gsm-7</c> or <c>ucs-2</c>: the alphabet the text needs.</param>
/// <param name="Segments">Segments the text takes in that alphabet.</param>
internal sealed record SmsGatewayRequest(
    string To,
    string From,
    string Text,
    string AlertId,
    string Event,
    string Tenant,
    string? CallRecordId,
    string Encoding,
    int Segments);

/// <summary>
/// Sends one alert to an <c>sms:</c> target through the configured HTTP gateway: a short text naming the caller, the
/// callback number, the dispatchable location with floor and room, and the time, cut to fit
/// <see cref="SmsOptions.MaxSegments"/> (the address is shortened first). The dispatcher retries, backs off and logs
/// the delivery as for webhooks.
/// </summary>
internal sealed partial class SmsAlertSender(SmsOptions options, IHttpClientFactory http)
{
    public const string HttpClientName = "routing-alerts-sms";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The outcome of one attempt: sent, or why not and whether another attempt may succeed.</summary>
    internal readonly record struct Attempt(bool Sent, int? HttpStatus, string? Error, bool Retry);

    /// <summary>Whether <paramref name="number"/> is an E.164 number: '+', then 7 to 15 digits, the first not 0.</summary>
    public static bool IsNumber(string? number) => number is not null && E164().IsMatch(number);

    /// <summary>The number an <c>sms:</c> URI names (RFC 5724; one number, no body), or null.</summary>
    public static string? Recipient(string? url)
    {
        if (url is null || !url.StartsWith("sms:", StringComparison.OrdinalIgnoreCase)) return null;
        var number = Uri.UnescapeDataString(url["sms:".Length..]).Trim();
        return IsNumber(number) ? number : null;
    }

    public async Task<Attempt> SendAsync(AlertMessage alert, AlertTarget target, CancellationToken cancellationToken)
    {
        var to = Recipient(target.Url.OriginalString);
        if (to is null) return new Attempt(false, null, "the sms: URI names no E.164 number", Retry: false);
        if (!options.Enabled) return new Attempt(false, null, "no SMS gateway is configured (Routing:Alerts:Sms:Url)", Retry: false);
        var request = Compose(alert, to);
        using var message = new HttpRequestMessage(HttpMethod.Post, options.Url)
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(request, Json)),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        message.Headers.TryAddWithoutValidation("Idempotency-Key", alert.Id + "/" + target.DeliveryKey);
        if (!string.IsNullOrEmpty(options.Secret)) message.Headers.TryAddWithoutValidation(options.AuthHeader, options.Secret);
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return new Attempt(true, status, null, false);
            var retry = status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            return new Attempt(false, status, "HTTP " + status.ToString(CultureInfo.InvariantCulture), retry);
        }
        catch (HttpRequestException ex)
        {
            return new Attempt(false, null, ex.HttpRequestError.ToString(), Retry: true);
        }
    }

    /// <summary>The gateway request for one alert and number (exposed for tests and previews).</summary>
    public SmsGatewayRequest Compose(AlertMessage alert, string to)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var text = Text(alert, options.MaxSegments);
        var gsm = IsGsm7(text);
        return new SmsGatewayRequest(to, options.From ?? "", text, alert.Id, AlertEventNames.Wire(alert.Event), alert.Tenant,
            (alert as RoutingAlert)?.CallRecordId ?? (alert as LocationChangedAlert)?.CallRecordId, gsm ? "gsm-7" : "ucs-2", Segments(text));
    }

    /// <summary>
    /// The text of <paramref name="alert"/> within <paramref name="maxSegments"/> segments: what happened, the time
    /// (UTC), who called, the callback number, then the location, shortened with "..." when it does not fit.
    /// </summary>
    public static string Text(AlertMessage alert, int maxSegments)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var at = alert.At.ToUniversalTime().ToString("HH:mm:ss 'UTC' yyyy-MM-dd", CultureInfo.InvariantCulture);
        string head;
        string place;
        switch (alert)
        {
            case RoutingAlert call:
                var what = call.Event switch
                {
                    AlertEvent.TestCall => "933 TEST CALL",
                    AlertEvent.RelayCenterCall => "911 CALL (relay centre)",
                    _ => "911 CALL",
                };
                var caller = call.CallerName is null ? call.CallingNumber ?? "unknown caller" : $"{call.CallerName} {call.CallingNumber}".TrimEnd();
                head = $"{what} {at}: {caller}, callback {call.CallbackNumber ?? "none"}, at ";
                place = call.Address ?? "no dispatchable location";
                break;
            case LocationChangedAlert moved:
                var who = moved.CallerName is null ? moved.CallingNumber ?? "caller" : $"{moved.CallerName} {moved.CallingNumber}".TrimEnd();
                var callAt = moved.CallAt.ToUniversalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
                head = $"LOCATION CHANGED {at}: {who} (911 call {callAt}) now at ";
                place = $"{moved.Address ?? "no dispatchable location"}; was {moved.PreviousAddress ?? "no dispatchable location"}";
                break;
            case UnknownNetworkAlert unknown:
                head = $"UNKNOWN NETWORK {at}: {unknown.DeviceKey} asked for its location from ";
                place = unknown.NetworkFingerprint;
                break;
            default:
                head = $"ALERT {AlertEventNames.Wire(alert.Event)} {at}";
                place = "";
                break;
        }
        return Fit(head, place, maxSegments);
    }

    /// <summary><paramref name="head"/> + <paramref name="tail"/>, the tail shortened (then the whole cut) to fit.</summary>
    internal static string Fit(string head, string tail, int maxSegments)
    {
        var text = head + tail;
        if (Segments(text) <= maxSegments) return text;
        // Shorten the tail a character at a time from its end; the head says what and who, which matter most.
        for (var keep = tail.Length - 1; keep >= 0; keep--)
        {
            text = head + tail[..keep].TrimEnd(' ', ',') + "...";
            if (Segments(text) <= maxSegments) return text;
        }
        for (var keep = head.Length - 1; keep > 0; keep--)
        {
            text = head[..keep] + "...";
            if (Segments(text) <= maxSegments) return text;
        }
        return "...";
    }

    /// <summary>
    /// Segments <paramref name="text"/> takes (3GPP TS 23.038 / 23.040): GSM-7 160 characters in one, 153 per part
    /// when concatenated, the extension characters counting twice; otherwise UCS-2, 70 in one, 67 per part.
    /// </summary>
    public static int Segments(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsGsm7(text))
        {
            var septets = 0;
            foreach (var c in text) septets += GsmExtension.Contains(c) ? 2 : 1;
            return septets <= 160 ? 1 : (septets + 152) / 153;
        }
        return text.Length <= 70 ? 1 : (text.Length + 66) / 67;
    }

    /// <summary>Whether every character is in the GSM 03.38 default alphabet or its extension table.</summary>
    public static bool IsGsm7(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var c in text)
            if (!GsmBasic.Contains(c) && !GsmExtension.Contains(c)) return false;
        return true;
    }

    private const string GsmBasic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string GsmExtension = "^{}\\[~]|€\f";

    [GeneratedRegex("^\\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}
