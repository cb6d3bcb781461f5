using System.Security.Cryptography;
using System.Text;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using LocationServer.Data.Wiremap;
using LocationServer.Errors;
using LocationServer.Locating.Wiremap;

namespace LocationServer.Admin;

/// <summary>
/// Emergency policies of a tenant, its sites and its networks (docs/policies.md). They are part of the tenant's
/// wiremap, so every write replaces the wiremap with a version check (retried when another change commits first) and
/// is live on every replica as the index is swapped. A policy's ETag is a digest of its settings, so a change to
/// another policy or another tenant never fails an If-Match. Site managers may write only site-scoped policies
/// whose sites are all theirs.
/// </summary>
internal static partial class PolicyAdmin
{
    private const int MaxAttempts = 5;

    public static RouteGroupBuilder MapEmergencyPolicies(this RouteGroupBuilder admin)
    {
        admin.MapGet("/policy-presets", () => TypedResults.Ok(new PolicyPresetListResponse([.. PolicyPresets.All.Select(p =>
                new PolicyPresetResponse(p.Key, [.. p.Value.Select(DialStringBody.From)]))], [.. PolicyPresets.Default.Select(DialStringBody.From)])))
            .WithAdminAccess(AdminAccess.AnyCaller).WithTags("Emergency policies")
            .WithSummary("List the country presets of dial strings (us, eu, uk, au) and the built-in default used where no policy sets any.")
            .Produces<PolicyPresetListResponse>();

        var policies = admin.MapGroup("/tenants/{tenant}/policies").WithTags("Emergency policies");

        policies.MapGet("", (string tenant, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            Guarded(async () =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                var wiremap = await store.GetTenantAsync(index.Tenant.Id, ct).ConfigureAwait(false);
                if (wiremap is null) return Problems.UnknownTenant(tenant);
                return TypedResults.Ok(new PolicyListResponse([.. wiremap.Policies.Select(PolicyResponse.From)]));
            }))
            .WithAdminAccess(AdminAccess.SiteRead)
            .WithSummary("List the tenant's emergency policies (tenant, site and network scoped), in stored order.")
            .Produces<PolicyListResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        policies.MapGet("/{id}", (string tenant, string id, HttpResponse response, WiremapIndexHolder holder, WiremapStore store, CancellationToken ct) =>
            Guarded(async () =>
            {
                if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
                var wiremap = await store.GetTenantAsync(index.Tenant.Id, ct).ConfigureAwait(false);
                if (wiremap?.Policies.FirstOrDefault(p => p.Id == id) is not { } policy) return Problems.NotFound($"No policy '{Short(id)}' in tenant '{index.Tenant.Id}'.");
                response.Headers.ETag = ETag(policy);
                return TypedResults.Ok(PolicyResponse.From(policy));
            }))
            .WithAdminAccess(AdminAccess.SiteRead)
            .WithSummary("Read an emergency policy; the ETag header is for If-Match.")
            .Produces<PolicyResponse>().ProducesProblem(StatusCodes.Status404NotFound);

        policies.MapPut("/{id}", async (string tenant, string id, HttpContext context, WiremapIndexHolder holder, WiremapStore store, IServiceProvider services, ILogger<PolicyRequest> logger, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            var (body, problem) = await AdminJson.ReadAsync<PolicyRequest>(context.Request).ConfigureAwait(false);
            if (problem is not null) return problem;
            var (policy, errors) = body!.ToPolicy(id);
            // GET /policies/effective is the settings-in-force view, so no policy may take that id.
            if (id == "effective") errors.Insert(0, "/id: 'effective' is reserved; choose another policy id");
            if (errors.Count > 0) return Problems.Invalid(errors);
            return await WriteAsync(index.Tenant.Id, id, policy, context, store, services, logger, ct).ConfigureAwait(false);
        }).WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("policy.put")
            .WithSummary("Create or replace an emergency policy (If-Match: its ETag; If-None-Match: * to only create). Site managers: site-scoped policies of their own sites only.")
            .Accepts<PolicyRequest>("application/json").Produces<PolicyResponse>().Produces<PolicyResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        policies.MapDelete("/{id}", async (string tenant, string id, HttpContext context, WiremapIndexHolder holder, WiremapStore store, IServiceProvider services, ILogger<PolicyRequest> logger, CancellationToken ct) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            return await WriteAsync(index.Tenant.Id, id, null, context, store, services, logger, ct).ConfigureAwait(false);
        }).WithAdminAccess(AdminAccess.SiteWrite).WithAuditKind("policy.delete")
            .WithSummary("Delete an emergency policy (If-Match: its ETag, optional); its scope then inherits from the wider one.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        policies.MapGet("/effective", (string tenant, string? site, string? ip, WiremapIndexHolder holder) =>
        {
            if (!holder.Current.TryGetTenant(tenant, out var index)) return Problems.UnknownTenant(tenant);
            System.Net.IPAddress? address = null;
            if (ip is not null && !System.Net.IPAddress.TryParse(ip, out address)) return Problems.Invalid($"ip: '{Short(ip)}' is not an IP address");
            if (site is not null && index.FindLocation(site) is not { IsSiteLevel: true }) return Problems.Invalid($"site: no site '{Short(site)}' in tenant '{index.Tenant.Id}'");
            return TypedResults.Ok(EffectivePolicyResponse.From(index.Policies.Resolve(site, address)));
        }).WithAdminAccess(AdminAccess.SiteRead)
            .WithSummary("Show the settings in force for a site and/or a caller's IP address, each with the policy and scope it came from (what RouteCall and HELD use).")
            .Produces<EffectivePolicyResponse>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return admin;
    }

    /// <summary>Puts (<paramref name="policy"/> set) or deletes the policy through a checked wiremap replacement.</summary>
    private static async Task<IResult> WriteAsync(string tenantId, string id, EmergencyPolicy? policy, HttpContext context, WiremapStore store, IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        var caller = AdminCaller.From(context.User)!;
        var request = context.Request;
        var ifMatch = request.Headers.IfMatch.ToString().Trim();
        var createOnly = request.Headers.IfNoneMatch.ToString().Trim() == "*";
        AdminAudit.RecordObject(context, tenantId, id);
        for (var attempt = 1; ; attempt++)
        {
            long version;
            TenantWiremap? current;
            try
            {
                version = await store.GetVersionAsync(ct).ConfigureAwait(false);
                current = await store.GetTenantAsync(tenantId, ct).ConfigureAwait(false);
            }
            catch (StorageUnavailableException ex)
            {
                return Problems.Unavailable([ex.Message]);
            }
            if (current is null) return Problems.UnknownTenant(tenantId);
            var list = current.Policies.ToList();
            var at = list.FindIndex(p => p.Id == id);
            var existing = at >= 0 ? list[at] : null;
            if (existing is null && policy is null) return Problems.NotFound($"No policy '{Short(id)}' in tenant '{tenantId}'.");
            if (existing is not null && !MayWrite(caller, tenantId, existing))
                return Forbidden(caller, $"policy '{Short(id)}' is {Describe(existing)}");
            if (policy is not null && !MayWrite(caller, tenantId, policy))
                return Forbidden(caller, $"the policy would be {Describe(policy)}");
            if (createOnly && existing is not null) return PreconditionFailed(context.Response, existing, "exists already (If-None-Match: *)");
            if (ifMatch.Length > 0 && ifMatch != "*" && (existing is null || !ifMatch.Split(',').Select(t => t.Trim()).Contains(ETag(existing), StringComparer.Ordinal)))
                return PreconditionFailed(context.Response, existing, existing is null ? "does not exist (If-Match)" : "changed since it was read (If-Match)");
            if (ifMatch == "*" && existing is null) return PreconditionFailed(context.Response, null, "does not exist (If-Match: *)");

            if (policy is null) list.RemoveAt(at);
            else if (at >= 0) list[at] = policy;
            else list.Add(policy);
            if (policy is not null)
            {
                // Validated with the written policy last, so a clash with another policy is reported at this one's fields.
                var errors = PolicyValidator.Validate([.. list.Where(p => p.Id != id), policy], current.Sites.Select(s => s.Id).ToHashSet(StringComparer.Ordinal));
                var own = $"/policies/{list.Count - 1}";
                if (errors.Count > 0)
                    return Problems.Invalid(errors.Select(e => e.Path == own || e.Path.StartsWith(own + "/", StringComparison.Ordinal)
                        ? $"{(e.Path.Length == own.Length ? "/" : e.Path[own.Length..])}: {e.Message}"
                        : e.ToString()));
            }
            if (existing is not null) AdminAudit.RecordBefore(context, PolicyResponse.From(existing));
            try
            {
                await store.ReplaceTenantAsync(current with { Policies = list }, version, ct).ConfigureAwait(false);
            }
            catch (WiremapVersionConflictException) when (attempt < MaxAttempts)
            {
                Log.Recomputed(logger, tenantId, attempt);
                continue;
            }
            catch (WiremapVersionConflictException ex)
            {
                return Problems.Unavailable([$"The wiremap kept changing ({MaxAttempts} attempts); nothing was changed: {ex.Message}"]);
            }
            catch (StoreValidationException ex)
            {
                return Problems.Invalid(ex.Errors.Select(e => e.ToString()));
            }
            catch (StorageUnavailableException ex)
            {
                return Problems.Unavailable([ex.Message]);
            }
            Log.PolicyWritten(logger, tenantId, id, policy is null ? "deleted" : existing is null ? "created" : "replaced");
            try
            {
                if (services.GetService<WiremapLoader>() is { } loader) await loader.ReloadIfChangedAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Committed; the loader's next poll or the change announcement brings it in.
                Log.ReloadFailed(logger, tenantId, ex);
            }
            if (policy is null) return TypedResults.NoContent();
            var result = PolicyResponse.From(policy);
            AdminAudit.RecordAfter(context, result);
            context.Response.Headers.ETag = ETag(policy);
            return existing is null
                ? TypedResults.Created($"/admin/tenants/{tenantId}/policies/{Uri.EscapeDataString(id)}", result)
                : TypedResults.Ok(result);
        }
    }

    /// <summary>Tenant and network policies are the tenant's; a site policy is a site manager's when all its sites are theirs.</summary>
    private static bool MayWrite(AdminCaller caller, string tenantId, EmergencyPolicy policy) =>
        policy.Scope == PolicyScope.Site && policy.SiteIds is { Count: > 0 } sites
            ? sites.All(s => caller.MaySite(tenantId, s))
            : caller.MaySite(tenantId, null);

    private static string Describe(EmergencyPolicy policy) => policy.Scope switch
    {
        PolicyScope.Site => $"scoped to sites {string.Join(", ", policy.SiteIds ?? [])}",
        PolicyScope.Network => "network-scoped",
        _ => "tenant-scoped",
    };

    private static IResult Forbidden(AdminCaller caller, string why) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden.", detail: $"{caller.Describe()} may not write this policy: {why}.");

    private static IResult PreconditionFailed(HttpResponse response, EmergencyPolicy? current, string why)
    {
        if (current is not null) response.Headers.ETag = ETag(current);
        return Results.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: $"The policy {why}; nothing was changed.",
            detail: current is null ? "There is no such policy." : $"Its current ETag is {ETag(current)}: read it again and retry.");
    }

    /// <summary>A strong entity tag over the policy's settings (RFC 9110 §8.8.3).</summary>
    public static string ETag(EmergencyPolicy policy) =>
        "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(WiremapJson.WritePolicyToString(policy))).AsSpan(0, 12)) + "\"";

    private static async Task<IResult> Guarded(Func<Task<IResult>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (StorageUnavailableException ex)
        {
            return Problems.Unavailable([ex.Message]);
        }
    }

    private static string Short(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private static partial class Log
    {
        [LoggerMessage(EventId = 5110, Level = LogLevel.Information, Message = "Emergency policy {PolicyId} of tenant {Tenant} {Change}")]
        public static partial void PolicyWritten(ILogger logger, string tenant, string policyId, string change);

        [LoggerMessage(EventId = 5111, Level = LogLevel.Debug, Message = "Policy write for tenant {Tenant}: the wiremap changed meanwhile, recomputed (attempt {Attempt})")]
        public static partial void Recomputed(ILogger logger, string tenant, int attempt);

        [LoggerMessage(EventId = 5112, Level = LogLevel.Warning, Message = "The policy change of tenant {Tenant} is committed but this node could not reload the wiremap yet; the next poll will")]
        public static partial void ReloadFailed(ILogger logger, string tenant, Exception exception);
    }
}

/// <summary>A dial string and its service ("emergency" or "test").</summary>
internal sealed record DialStringBody(string? Digits, string? Service)
{
    public static DialStringBody From(DialString d) => new(d.Digits, PolicyNames.Of(d.Service));
}

/// <summary>The security desk to conference into emergency calls: a SIP URI and "oneWay" (default) or "twoWay".</summary>
internal sealed record ConferenceBody(string? Uri, string? Mode);

/// <summary>
/// An emergency policy as written through the admin API (docs/policies.md). Every setting is optional: leave it out
/// to inherit it from the wider scope. Enums are their JSON names: scope tenant/site/network, mode
/// enabled/testOnly/disabled, manualEntry notAllowed/optional/required.
/// </summary>
internal sealed record PolicyRequest(
    string? Name,
    string? Scope,
    IReadOnlyList<string>? SiteIds,
    IReadOnlyList<string>? Networks,
    string? Preset,
    IReadOnlyList<DialStringBody>? DialStrings,
    string? Mode,
    string? RelayCenterUri,
    string? TestServiceUri,
    string? CarrierRouteUri,
    string? ManualEntry,
    string? Disclaimer,
    int? CallbackWindowMinutes,
    ConferenceBody? Conference)
{
    /// <summary>The policy with id <paramref name="id"/>, or the field errors ("/scope: ...") that prevent it (values are validated in full later).</summary>
    public (EmergencyPolicy Policy, List<string> Errors) ToPolicy(string id)
    {
        var errors = new List<string>();
        T? Parse<T>(string? text, string path)
            where T : struct, Enum
        {
            if (text is null) return null;
            if (PolicyNames.TryParse<T>(text, out var value)) return value;
            errors.Add($"{path}: '{text}' is not one of {string.Join(", ", PolicyNames.NamesOf<T>())}");
            return null;
        }
        var scope = Parse<PolicyScope>(Scope, "/scope");
        if (Scope is null) errors.Add("/scope: is required (tenant, site or network)");
        var dials = DialStrings?.Select((d, i) => d is null ? null! : new DialString(d.Digits ?? "",
            d.Service is null ? Fail(i) : Parse<DialService>(d.Service, $"/dialStrings/{i}/service") ?? DialService.Emergency)).ToList();
        if (dials is not null && dials.Any(d => d is null)) errors.Add("/dialStrings: an entry is null");
        var conference = Conference is null ? null
            : new ConferenceHint(Conference.Uri ?? "", Parse<ConferenceMode>(Conference.Mode, "/conference/mode") ?? Core.Wiremap.ConferenceMode.OneWay);
        if (Conference is { Uri: null }) errors.Add("/conference/uri: is required");
        var policy = new EmergencyPolicy(id, Name ?? "", scope ?? PolicyScope.Tenant)
        {
            SiteIds = SiteIds,
            Networks = Networks,
            Preset = Preset,
            DialStrings = dials,
            Mode = Parse<PolicyMode>(Mode, "/mode"),
            RelayCenterUri = RelayCenterUri,
            TestServiceUri = TestServiceUri,
            CarrierRouteUri = CarrierRouteUri,
            ManualEntry = Parse<ManualEntryPolicy>(ManualEntry, "/manualEntry"),
            Disclaimer = Disclaimer,
            CallbackWindowMinutes = CallbackWindowMinutes,
            Conference = conference,
        };
        return (policy, errors);

        DialService Fail(int i)
        {
            errors.Add($"/dialStrings/{i}/service: is required (emergency or test)");
            return DialService.Emergency;
        }
    }
}

/// <summary>An emergency policy as stored: the request's fields plus its id (unset settings are absent).</summary>
internal sealed record PolicyResponse(
    string Id,
    string Name,
    string Scope,
    IReadOnlyList<string>? SiteIds,
    IReadOnlyList<string>? Networks,
    string? Preset,
    IReadOnlyList<DialStringBody>? DialStrings,
    string? Mode,
    string? RelayCenterUri,
    string? TestServiceUri,
    string? CarrierRouteUri,
    string? ManualEntry,
    string? Disclaimer,
    int? CallbackWindowMinutes,
    ConferenceBody? Conference)
{
    public static PolicyResponse From(EmergencyPolicy p) => new(
        p.Id, p.Name, PolicyNames.Of(p.Scope), p.SiteIds, p.Networks, p.Preset, p.DialStrings?.Select(DialStringBody.From).ToList(),
        p.Mode is { } mode ? PolicyNames.Of(mode) : null, p.RelayCenterUri, p.TestServiceUri, p.CarrierRouteUri,
        p.ManualEntry is { } manual ? PolicyNames.Of(manual) : null, p.Disclaimer, p.CallbackWindowMinutes,
        p.Conference is { } c ? new ConferenceBody(c.Uri, PolicyNames.Of(c.Mode)) : null);
}

/// <summary>The tenant's policies.</summary>
internal sealed record PolicyListResponse(IReadOnlyList<PolicyResponse> Policies);

/// <summary>A country preset and its dial strings.</summary>
internal sealed record PolicyPresetResponse(string Name, IReadOnlyList<DialStringBody> DialStrings);

/// <summary>The presets, and the dial strings in force where no policy sets any.</summary>
internal sealed record PolicyPresetListResponse(IReadOnlyList<PolicyPresetResponse> Presets, IReadOnlyList<DialStringBody> Default);

/// <summary>One setting in force: its value and where it came from ("policy 'x' (site hq)", or "global configuration").</summary>
internal sealed record EffectiveSetting<T>(T Value, string? PolicyId, string From);

/// <summary>The settings in force for a place; relay centre, test service and callback window null mean the global configuration.</summary>
internal sealed record EffectivePolicyResponse(
    EffectiveSetting<IReadOnlyList<DialStringBody>> DialStrings,
    EffectiveSetting<string> Mode,
    EffectiveSetting<string?> RelayCenterUri,
    EffectiveSetting<string?> TestServiceUri,
    EffectiveSetting<string?> CarrierRouteUri,
    EffectiveSetting<string> ManualEntry,
    EffectiveSetting<string?> Disclaimer,
    EffectiveSetting<int?> CallbackWindowMinutes,
    EffectiveSetting<ConferenceBody?> Conference)
{
    public static EffectivePolicyResponse From(EffectivePolicy e) => new(
        Of(e.DialPlan, plan => (IReadOnlyList<DialStringBody>)[.. plan.Select(p => new DialStringBody(p.Key, PolicyNames.Of(p.Value))).OrderBy(d => d.Digits, StringComparer.Ordinal)]),
        Of(e.Mode, PolicyNames.Of),
        Of(e.RelayCenterUri, v => v),
        Of(e.TestServiceUri, v => v),
        Of(e.CarrierRouteUri, v => v),
        Of(e.ManualEntry, PolicyNames.Of),
        Of(e.Disclaimer, v => v),
        Of(e.CallbackWindowMinutes, v => v),
        Of(e.Conference, c => c is null ? null : new ConferenceBody(c.Uri, PolicyNames.Of(c.Mode))));

    private static EffectiveSetting<TOut> Of<TIn, TOut>(PolicySetting<TIn> setting, Func<TIn, TOut> map) =>
        new(map(setting.Value), setting.Source?.Policy.Id, Routing.CallRouter.PolicyText(setting.Source));
}
