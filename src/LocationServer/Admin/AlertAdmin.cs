using System.Text.Json;
using LocationServer.Core.Matching;
using LocationServer.Data.Storage;
using LocationServer.Errors;
using LocationServer.Routing;
using LocationServer.Routing.Alerts;
using Microsoft.Extensions.Options;
using StoredAlertTarget = LocationServer.Data.Storage.AlertTarget;

namespace LocationServer.Admin;

/// <summary>
/// Alert targets (webhooks, e-mail addresses, SMS numbers, each at the tenant, a site or a dispatchable location),
/// the alerts raised with their deliveries, and their acknowledgement by the security desk (docs/notifications.md).
/// </summary>
internal static class AlertAdmin
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static RouteGroupBuilder MapAlertAdmin(this RouteGroupBuilder admin)
    {
        admin.MapGet("/tenants/{tenant}/alert-targets", async (string tenant, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                var targets = await store.ListAlertTargetsAsync(index.Tenant.Id, ct).ConfigureAwait(false);
                return TypedResults.Ok(targets.Select(View).ToList());
            })
            .WithSummary("List the tenant's alert targets with their channel, scope and kinds (secrets are never returned).")
            .Produces<List<AlertTargetView>>().ProducesProblem(StatusCodes.Status404NotFound);

        // The body (AlertTargetRequest) is read inside the handler, after authorization: declaring it with Accepts
        // would let routing answer 415 to an anonymous caller before the 401.
        admin.MapPost("/tenants/{tenant}/alert-targets", AddTargetAsync)
            .WithJsonRequestSchema<AlertTargetRequest>()
            .WithAuditKind("alert-target.add")
            .WithSummary("Add a webhook (http/https URL), e-mail (mailto: URI) or SMS (sms: URI) target at the tenant, a site or a location, for the alert kinds given (none = all).")
            .Produces<AlertTargetView>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapDelete("/tenants/{tenant}/alert-targets/{id:guid}", async (string tenant, Guid id, HttpContext context, WiremapIndexHolder holder, WiremapStore store, StoreRoutingSeams routing, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                AdminAudit.RecordObject(context, index.Tenant.Id, id.ToString());
                var owned = (await store.ListAlertTargetsAsync(index.Tenant.Id, ct).ConfigureAwait(false)).Any(t => t.Id == id);
                if (!owned || !await store.DeleteAlertTargetAsync(id, ct).ConfigureAwait(false)) return Problems.NotFound($"No alert target {id} in tenant '{tenant}'.");
                routing.InvalidateAlertTargets(index.Tenant.Id);
                return Results.NoContent();
            })
            .WithAuditKind("alert-target.remove")
            .WithSummary("Remove an alert target and its delivery log.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapGet("/tenants/{tenant}/alerts", async (string tenant, bool? open, int? limit, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                if (limit is < 1 or > MaxLimit) return Problems.Invalid($"limit: must lie between 1 and {MaxLimit}");
                var alerts = await store.ListAlertsAsync(index.Tenant.Id, open ?? false, limit ?? DefaultLimit, ct).ConfigureAwait(false);
                return TypedResults.Ok(alerts.Select(a => View(a, null)).ToList());
            })
            .WithAdminAccess(AdminAccess.SecurityRead)
            .WithSummary("The tenant's alerts, newest first, with who acknowledged each and when (open=true: only those not yet acknowledged).")
            .Produces<List<AlertView>>().ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapGet("/tenants/{tenant}/alerts/{id}", async (string tenant, string id, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                var alert = await store.GetAlertAsync(index.Tenant.Id, id, ct).ConfigureAwait(false);
                if (alert is null) return Problems.NotFound($"No alert {id} in tenant '{tenant}'.");
                var deliveries = await store.ListDeliveriesOfAlertAsync(index.Tenant.Id, id, ct).ConfigureAwait(false);
                return TypedResults.Ok(View(alert, deliveries));
            })
            .WithAdminAccess(AdminAccess.SecurityRead)
            .WithSummary("One alert: what was raised, its acknowledgement, and every delivery attempt per target and channel.")
            .Produces<AlertView>().ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPost("/tenants/{tenant}/alerts/{id}/acknowledge", async (string tenant, string id, HttpContext context, WiremapIndexHolder holder, WiremapStore store, AlertFeed feed, TimeProvider time, CancellationToken ct) =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                AdminAudit.RecordObject(context, index.Tenant.Id, id);
                var by = AdminCaller.From(context.User)?.Actor ?? "unknown";
                var taken = await store.AcknowledgeAlertAsync(index.Tenant.Id, id, by, time.GetUtcNow().UtcDateTime, ct).ConfigureAwait(false);
                if (taken is not { } result)
                    return Problems.NotFound($"No alert {id} in tenant '{tenant}' (an alert is recorded within moments of being raised; try again if it has just appeared).");
                var acknowledgement = new AlertAcknowledgement(result.Alert.Id, result.Alert.AcknowledgedBy!, Utc(result.Alert.AcknowledgedUtc!.Value), result.First);
                // Only the acknowledgement that took the alert is announced; later ones change nothing.
                if (result.First) feed.PublishAcknowledgement(index.Tenant.Id, id, JsonSerializer.Serialize(acknowledgement with { First = true }, AlertDispatcher.Json));
                return TypedResults.Ok(acknowledgement);
            })
            .WithAdminAccess(AdminAccess.AlertAcknowledge).WithAuditKind("alert.acknowledge")
            .WithSummary("Acknowledge an alert: the first acknowledgement is kept (who and when) and pushed on the live feed; later ones are answered with it.")
            .Produces<AlertAcknowledgement>().ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    /// <summary>
    /// Describes a JSON request body of <typeparamref name="T"/> in the OpenAPI document only. Unlike <c>Accepts</c> it
    /// adds no content-type constraint to routing, so a body read after authorization still answers an anonymous
    /// caller 401 rather than 415.
    /// </summary>
    private static RouteHandlerBuilder WithJsonRequestSchema<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct).ConfigureAwait(false);
            operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });

    private static async Task<IResult> AddTargetAsync(string tenant, HttpContext context, WiremapStore store, WiremapIndexHolder holder, StoreRoutingSeams routing, IOptions<AlertOptions> alerts, CancellationToken ct)
    {
        if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
        var (body, problem) = await AdminJson.ReadAsync<AlertTargetRequest>(context.Request).ConfigureAwait(false);
        if (problem is not null) return problem;
        var errors = new List<string>();
        // The addresses: url (the first), then addresses; url may be left out when addresses are given, or repeat
        // addresses[0]. Every address is checked by its channel's rules and named by its own path.
        var given = new List<(string Path, string? Address)>();
        if (body!.Url is not null || body.Addresses is not { Count: > 0 }) given.Add(("/url", body.Url));
        foreach (var (address, i) in (body.Addresses ?? []).Select((a, i) => (a, i)))
        {
            if (i == 0 && body.Url is not null && string.Equals(address, body.Url, StringComparison.Ordinal)) continue;
            given.Add(($"/addresses/{i}", address));
        }
        if (given.Count > MaxAddresses) errors.Add($"/addresses: a target holds at most {MaxAddresses} addresses; it has {given.Count}");
        var channel = Channel(given[0].Address);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, address) in given)
        {
            if (Channel(address) != channel)
                errors.Add($"{path}: every address of a target is of one channel ({AlertScopeNames.Wire(channel)}, as {given[0].Path}); add a target per channel");
            else if (CheckAddress(address, alerts.Value) is { } refused)
                errors.Add($"{path}: {refused}");
            else if (!seen.Add(address!.Trim()))
                errors.Add($"{path}: '{address}' is already an address of this target");
        }
        if (!string.IsNullOrEmpty(body.Secret) && channel == AlertChannel.Email) errors.Add("/secret: e-mail targets are not signed; leave secret out");
        if (!string.IsNullOrEmpty(body.Secret) && channel == AlertChannel.Sms) errors.Add("/secret: SMS targets are not signed (the gateway's credentials are Routing:Alerts:Sms:Secret); leave secret out");
        var url = given[0].Address?.Trim();
        var kinds = new List<string>();
        foreach (var (kind, i) in (body.Kinds ?? []).Select((k, i) => (k, i)))
        {
            if (AlertEventNames.TryParse(kind, out var known)) kinds.Add(known.ToString());
            else errors.Add($"/kinds/{i}: unknown alert kind '{kind}' (known: {AlertEventNames.All})");
        }
        var scope = AlertScope.Tenant;
        if (body.Scope is not null && !AlertScopeNames.TryParse(body.Scope, out scope))
            errors.Add($"/scope: must be tenant, site or location; it is '{body.Scope}'");
        string? scopeId = null;
        switch (scope)
        {
            case AlertScope.Tenant when !string.IsNullOrEmpty(body.ScopeId):
                errors.Add("/scopeId: a tenant-scope target names no site or location; leave scopeId out");
                break;
            case AlertScope.Site or AlertScope.Location when string.IsNullOrWhiteSpace(body.ScopeId):
                errors.Add($"/scopeId: required with scope '{AlertScopeNames.Wire(scope)}': the {AlertScopeNames.Wire(scope)} id as in the wiremap");
                break;
            case AlertScope.Site:
                if (index.FindLocation(body.ScopeId!) is { IsSiteLevel: true } site) scopeId = site.Id;
                else errors.Add($"/scopeId: tenant '{index.Tenant.Id}' has no site '{body.ScopeId}'");
                break;
            case AlertScope.Location:
                if (index.FindLocation(body.ScopeId!) is { IsSiteLevel: false } location) scopeId = location.Id;
                else errors.Add($"/scopeId: tenant '{index.Tenant.Id}' has no dispatchable location '{body.ScopeId}'");
                break;
        }
        if (errors.Count > 0) return Problems.Invalid(errors);
        try
        {
            IReadOnlyList<string>? addresses = given.Count > 1 ? [.. given.Select(g => g.Address!.Trim())] : null;
            var saved = await store.SaveAlertTargetAsync(new StoredAlertTarget(Guid.Empty, index.Tenant.Id, url ?? "", [.. kinds.Distinct()], body.Secret, AlertScopeNames.Wire(scope), scopeId, addresses), ct).ConfigureAwait(false);
            routing.InvalidateAlertTargets(index.Tenant.Id);
            AdminAudit.RecordObject(context, index.Tenant.Id, saved.Id.ToString());
            var view = View(saved);
            AdminAudit.RecordAfter(context, view);
            return TypedResults.Ok(view);
        }
        catch (StoreValidationException ex)
        {
            return Problems.Invalid(ex.Errors.Select(e => e.ToString()));
        }
        catch (StorageUnavailableException ex)
        {
            return Problems.Unavailable([ex.Message]);
        }
    }

    /// <summary>Most addresses one target holds; more people: a distribution list, or another target.</summary>
    internal const int MaxAddresses = 20;

    private static AlertChannel Channel(string? url) =>
        url?.TrimStart().StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) == true ? AlertChannel.Email
        : url?.TrimStart().StartsWith("sms:", StringComparison.OrdinalIgnoreCase) == true ? AlertChannel.Sms
        : AlertChannel.Webhook;

    /// <summary>Why one address cannot be a target's, by its channel's rules; null when it can.</summary>
    private static string? CheckAddress(string? address, AlertOptions alerts)
    {
        address = address?.Trim();
        switch (Channel(address))
        {
            case AlertChannel.Email:
                if (EmailAlertSender.Recipient(address) is null) return "a mailto: URI must name one e-mail address (mailto:desk@example.com); list several in addresses";
                return alerts.Smtp.Enabled ? null : "e-mail targets need a mail server: set Routing:Alerts:Smtp:Host and Routing:Alerts:Smtp:From";
            case AlertChannel.Sms:
                if (SmsAlertSender.Recipient(address) is null) return "an sms: URI must name one E.164 number (sms:+15125550199); list several in addresses";
                return alerts.Sms.Enabled ? null : "SMS targets need a gateway: set Routing:Alerts:Sms:Url and Routing:Alerts:Sms:From";
            default:
                return WebhookTargetPolicy.Check(address, alerts.AllowPrivateTargets);
        }
    }

    private static AlertTargetView View(StoredAlertTarget t) =>
        new(t.Id, t.Url, AlertScopeNames.Wire(Channel(t.Url)), t.Scope, t.ScopeId, t.Kinds, t.Secret is not null, t.AllAddresses);

    private static AlertView View(StoredAlert a, IReadOnlyList<Data.Storage.AlertDelivery>? deliveries)
    {
        using var summary = JsonDocument.Parse(a.SummaryJson);
        return new AlertView(a.Id, a.Kind, Utc(a.TimeUtc), summary.RootElement.Clone(), a.AcknowledgedBy,
            a.AcknowledgedUtc is { } at ? Utc(at) : null,
            deliveries?.Select(DeliveryView).ToList());
    }

    private static AlertDeliveryAttemptView DeliveryView(Data.Storage.AlertDelivery d)
    {
        string? channel = null, url = null;
        int? httpStatus = null;
        try
        {
            using var payload = JsonDocument.Parse(d.PayloadJson);
            var root = payload.RootElement;
            if (root.TryGetProperty("channel", out var c) && c.ValueKind == JsonValueKind.String) channel = c.GetString();
            if (root.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String) url = u.GetString();
            if (root.TryGetProperty("httpStatus", out var h) && h.ValueKind == JsonValueKind.Number) httpStatus = h.GetInt32();
        }
        catch (JsonException)
        {
        }
        // Deliveries logged before channels were recorded were webhooks or e-mail: tell them apart by the URL.
        channel ??= url?.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) == true ? "email" : "webhook";
        return new AlertDeliveryAttemptView(d.TargetId, channel, url, d.Attempts, d.Status.ToString().ToLowerInvariant(), httpStatus, d.LastError, Utc(d.CreatedUtc));
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

/// <summary>An alert target to add.</summary>
/// <param name="Url">An http(s) webhook URL, a <c>mailto:</c> URI with one address, or an <c>sms:</c> URI with one E.164 number: the target's (first) address.</param>
/// <param name="Kinds">Alert kinds it wants (<c>emergency-call</c>, <c>test-call</c>, <c>relay-center-call</c>, <c>unknown-network</c>, <c>location-changed</c>); none = all.</param>
/// <param name="Secret">Webhooks only: the HMAC-SHA256 signing secret.</param>
/// <param name="Scope"><c>tenant</c> (default), <c>site</c> or <c>location</c>.</param>
/// <param name="ScopeId">The site or dispatchable location id, with site and location scope.</param>
/// <param name="Addresses">Several addresses of one channel (after <c>url</c>, or instead of it), each reached and recorded on its own; at most 20.</param>
internal sealed record AlertTargetRequest(string? Url, IReadOnlyList<string>? Kinds, string? Secret, string? Scope = null, string? ScopeId = null, IReadOnlyList<string>? Addresses = null);

/// <summary>An alert target as stored (the secret is only said to exist); <c>url</c> is the first of its <c>addresses</c>.</summary>
internal sealed record AlertTargetView(Guid Id, string Url, string Channel, string Scope, string? ScopeId, IReadOnlyList<string> Kinds, bool Signed, IReadOnlyList<string> Addresses);

/// <summary>An alert: its kind, time, the JSON as sent to webhooks, its acknowledgement and (one alert) its deliveries.</summary>
internal sealed record AlertView(string Id, string Event, DateTimeOffset At, JsonElement Alert, string? AcknowledgedBy, DateTimeOffset? AcknowledgedAt,
    IReadOnlyList<AlertDeliveryAttemptView>? Deliveries);

/// <summary>One delivery attempt of an alert to one target through one channel.</summary>
internal sealed record AlertDeliveryAttemptView(Guid TargetId, string Channel, string? Url, int Attempt, string Status, int? HttpStatus, string? Error, DateTimeOffset At);

/// <summary>An alert's acknowledgement: who took it and when; <c>first</c> is true only for the call that took it.</summary>
internal sealed record AlertAcknowledgement(string AlertId, string AcknowledgedBy, DateTimeOffset AcknowledgedAt, bool First);
