using System.Diagnostics;
using System.Net;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using LocationServer.Held;
using LocationServer.Held.Pidf;
using LocationServer.Locating.Held;
using LocationServer.Locating.Telemetry;
using LocationServer.Locating.Tokens;
using Microsoft.Extensions.Options;

namespace LocationServer.HeldHttp;

/// <summary>What the HTTP layer sends back: a HELD document, or an HTTP-level refusal.</summary>
internal readonly record struct HeldAnswer(HeldError? Error, LocationResponse? Response, int HttpStatus = 200, string? Challenge = null)
{
    public static HeldAnswer Fail(HeldErrorCode code, string message) => new(new HeldError(code, message), null);
}

/// <summary>
/// Answers HELD location requests (RFC 5985) from the in-memory wiremap index: resolves the tenant, decides whether
/// the request is the device asking for itself or a third party (RFC 6155 §4), matches the evidence, falls back to
/// the nomadic address stored for the device's network, and builds the response with the location types asked for.
/// </summary>
internal sealed partial class HeldService(
    WiremapIndexHolder indexHolder,
    LocationTokenService tokens,
    DeviceReportQueue reports,
    DeviceClaims claims,
    NomadicAddressService nomadic,
    HeldSourceLimiter limiter,
    Routing.Alerts.EmergencyCallWatch callWatch,
    IOptions<HeldOptions> options,
    TimeProvider time,
    LocationServerTelemetry telemetry,
    ILogger<HeldService> logger)
{
    private const string IdNamespace = "urn:ietf:params:xml:ns:geopriv:held:id";
    private readonly HeldOptions _options = options.Value;

    public async Task<HeldAnswer> LocateAsync(HttpContext context, HeldRequest request, string? routeTenant, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var answer = await LocateCoreAsync(context, request, routeTenant, cancellationToken).ConfigureAwait(false);
        var outcome = answer.HttpStatus != 200 ? "http" + answer.HttpStatus : answer.Error is { } e ? e.Code.ToString() : "located";
        telemetry.HeldDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("outcome", outcome));
        Activity.Current?.SetTag("held.outcome", outcome);
        return answer;
    }

    private async Task<HeldAnswer> LocateCoreAsync(HttpContext context, HeldRequest request, string? routeTenant, CancellationToken cancellationToken)
    {
        var index = indexHolder.Current;
        if (!TryResolveTenant(index, routeTenant, request.CompanyUuid, out var tenant))
        {
            Count("unknownTenant", MatchRule.None);
            return HeldAnswer.Fail(HeldErrorCode.RequestError, "Unknown tenant: check the LIS URL (…/held/{tenant}) or the company UUID.");
        }

        var source = context.Connection.RemoteIpAddress;
        if (source is { IsIPv4MappedToIPv6: true }) source = source.MapToIPv4();
        var device = request.Device;
        // Devices never present credentials for their own location (RFC 5985 §8); a request that names a device and
        // does is a requester asking about that device, even when it names only a MAC (RFC 6155 §4.2).
        var thirdParty = device is not null && (!IsSelfIdentification(device, source) || context.Request.Headers.Authorization.Count > 0);
        if (thirdParty)
        {
            switch (RequesterAuthenticator.Authenticate(context, tenant, out var requester))
            {
                case RequesterAuthResult.Unauthenticated:
                case RequesterAuthResult.BadCredentials:
                    Count("unauthenticated", MatchRule.None);
                    return new HeldAnswer(null, null, StatusCodes.Status401Unauthorized, RequesterAuthenticator.Challenge(tenant.Tenant.Id));
            }
            Activity.Current?.SetTag("held.requester", requester?.Name);
            return await LocateThirdPartyAsync(context, request, tenant, device!, requester, cancellationToken).ConfigureAwait(false);
        }

        // A claimed MAC counts only when it is bound to the address the request comes from (RFC 5985 §9).
        var mac = device?.Mac;
        if (mac is { } claimed && (source is null || !await claims.VerifyAsync(tenant.Tenant.Id, claimed, source, cancellationToken).ConfigureAwait(false)))
        {
            mac = null;
            Activity.Current?.SetTag("held.mac_claim", "ignored");
            telemetry.IgnoredMacClaims.Add(1);
        }
        var evidence = BuildEvidence(request, source, mac);
        var deviceKey = NetworkFingerprint.DeviceKey(evidence);
        var match = tenant.Match(evidence);
        reports.Enqueue(tenant.Tenant.Id, deviceKey, evidence);
        if (match.OffPremises)
        {
            Count("notLocatable", match.Rule);
            return HeldAnswer.Fail(HeldErrorCode.NotLocatable, "This network (VPN or remote access) cannot be located by this server; provide your address in your client.");
        }
        LocationAnswer? located = match.Found ? LocationAnswer.FromMatch(match) : null;
        // The emergency policy of the device's network (its source address) over that of the matched site.
        var policy = tenant.Policies.Resolve(match.Location?.SiteId, source);
        var hint = ManualEntryHintFor(policy);
        var manualAllowed = policy.ManualEntry.Value != ManualEntryPolicy.NotAllowed;
        if (located is null)
        {
            var fingerprint = NetworkFingerprint.From(evidence);
            if (request.UserProvidedLocation is not null && !manualAllowed)
            {
                Count("manualEntryRefused", MatchRule.Nomadic);
                Log.ManualEntryRefused(logger, tenant.Tenant.Id, policy.ManualEntry.Source?.Policy.Id ?? "");
                return new HeldAnswer(new HeldError(HeldErrorCode.RequestError,
                    $"User-entered addresses are not allowed here ({PolicyText(policy.ManualEntry.Source)}); ask your administrator.")
                { ManualEntry = hint }, null);
            }
            if (request.UserProvidedLocation is { } submitted)
            {
                var errors = CivicAddressValidator.Validate(submitted, "/userProvidedLocation");
                if (errors.Count > 0)
                {
                    Count("invalidAddress", MatchRule.Nomadic);
                    return HeldAnswer.Fail(HeldErrorCode.RequestError, "Address rejected: " + string.Join("; ", errors.Select(x => $"{x.Path}: {x.Message}")));
                }
                if (fingerprint is null)
                    return HeldAnswer.Fail(HeldErrorCode.RequestError, "Cannot tell which network this address is for.");
                if (limiter.CheckUserAddress(source) is { } limited) return limited;
                // The authority's GIS data: an address it covers but cannot find is refused with what is wrong, so
                // the client can ask the user again; one it does not cover is stored unchecked.
                var check = nomadic.Check(submitted);
                if (check.Validity == Core.Gis.AddressValidity.Invalid)
                {
                    Count("invalidAddress", MatchRule.Nomadic);
                    return HeldAnswer.Fail(HeldErrorCode.RequestError, "Address rejected: " + check.Message);
                }
                located = await nomadic.SaveAsync(tenant.Tenant.Id, deviceKey, fingerprint, submitted, check, cancellationToken).ConfigureAwait(false);
            }
            else if (fingerprint is not null && manualAllowed)
            {
                // Under notAllowed an address entered earlier is not used either: the policy says these are not trusted here.
                located = await nomadic.FindAsync(tenant.Tenant.Id, deviceKey, fingerprint, cancellationToken).ConfigureAwait(false);
            }
            if (located is null)
            {
                if (limiter.CheckUnknownNetwork(source) is { } limited) return limited;
                nomadic.ReportUnknownNetwork(tenant.Tenant.Id, deviceKey, fingerprint);
                Count("locationUnknown", MatchRule.None);
                return new HeldAnswer(new HeldError(HeldErrorCode.LocationUnknown, manualAllowed
                    ? "No location is known for this network; a soft client may submit the address of where it is."
                    : "No location is known for this network, and user-entered addresses are not allowed here.")
                { ManualEntry = hint }, null);
            }
        }
        // A caller of a 911 call seen elsewhere while its callback window is open alerts the security desk; for every
        // other device this is one volatile read (and a dictionary probe while any window is open).
        callWatch.Observe(tenant.Tenant.Id, deviceKey, located.Location, located.Rule);
        var answer = Answer(context, request, tenant, located, deviceKey, evidence, echo: device, requester: null);
        // A soft client learns the policy with every answer to its own request when a policy sets it.
        if (answer.Response is { } response && (policy.ManualEntry.Source is not null || policy.Disclaimer.Source is not null || located.Rule == MatchRule.Nomadic))
            answer = answer with { Response = response with { ManualEntry = hint } };
        return answer;
    }

    /// <summary>The manual-entry policy and disclaimer in force, as the HELD extension carries them.</summary>
    private static ManualEntryHint ManualEntryHintFor(EffectivePolicy policy) =>
        new(PolicyNames.Of(policy.ManualEntry.Value), policy.ManualEntry.Source?.Policy.Id, policy.Disclaimer.Value);

    private static string PolicyText(PolicySource? source) =>
        source is null ? "global configuration" : $"policy '{source.Policy.Id}' ({source.Scope})";

    /// <summary>
    /// A third-party (identity) request from an authorised requester (RFC 6155 §4.2). It answers for the identifiers
    /// it names and reads stored state without ever writing it: no device report, no MAC binding, no nomadic address.
    /// The evidence is, in order: measurements the requester supplies, used as a device's own would be (RFC 7105
    /// §6.4); else the device's last report when it corroborates every identifier named (same MAC, sent from the named
    /// address); else the named identifiers alone, matched against the wiremap.
    /// </summary>
    private async Task<HeldAnswer> LocateThirdPartyAsync(HttpContext context, HeldRequest request, TenantIndex tenant, DeviceIdentity device, Requester? requester, CancellationToken cancellationToken)
    {
        if (request.UserProvidedLocation is not null)
        {
            // A nomadic address is stored state keyed by the device and its network; only the device may set it.
            Count("thirdPartyAddress", MatchRule.None);
            return HeldAnswer.Fail(HeldErrorCode.RequestError,
                "userProvidedLocation is accepted only from the device itself, never in a third-party request (RFC 6155 §4).");
        }
        if (!string.IsNullOrWhiteSpace(device.Uri))
        {
            if (!tenant.TryGetDid(device.Uri, out var did))
            {
                Count("unknownDid", MatchRule.None);
                return HeldAnswer.Fail(HeldErrorCode.LocationUnknown, "No location is known for this number.");
            }
            var answer = new LocationAnswer(did.Location, MatchRule.None, EvidenceField.None, "Manual", "lis", "DID " + did.Number);
            return Answer(context, request, tenant, answer, "did:" + did.Number, new Evidence(), echo: device, requester);
        }
        if (device.Ip is null && device.Mac is null)
        {
            Count("badIdentifier", MatchRule.None);
            return new HeldAnswer(new HeldError(HeldErrorCode.BadIdentifier,
                "This server locates other devices by ip, mac or uri (sip:/tel: number).",
                [new("ip", IdNamespace), new("mac", IdNamespace), new("uri", IdNamespace)]), null);
        }
        var ip = device.Ip is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : device.Ip;
        var deviceKey = NetworkFingerprint.DeviceKey(new Evidence { SourceAddress = ip, DeviceMac = device.Mac });
        var supplied = HasEvidenceMeasurements(request);
        Evidence evidence;
        if (supplied)
        {
            evidence = BuildEvidence(request, ip, device.Mac);
        }
        else
        {
            var last = await reports.GetAsync(tenant.Tenant.Id, deviceKey, cancellationToken).ConfigureAwait(false);
            if (last is not null && !Corroborates(last, ip, device.Mac))
            {
                // The device last spoke from elsewhere (or as another MAC): its report says nothing about the
                // identifiers named, so an adopted address never inherits it.
                Activity.Current?.SetTag("held.report", "contradicts");
                Log.ReportNotUsed(logger, tenant.Tenant.Id);
                last = null;
            }
            evidence = last ?? new Evidence { SourceAddress = ip, DeviceMac = device.Mac };
        }
        var match = tenant.Match(evidence);
        if (match.OffPremises)
        {
            Count("notLocatable", match.Rule);
            return HeldAnswer.Fail(HeldErrorCode.NotLocatable, "The device is on a network this server cannot locate.");
        }
        LocationAnswer? located = match.Found ? LocationAnswer.FromMatch(match) : null;
        if (located is not null && supplied && IsMeasurement(match.Evidence))
        {
            // RFC 7105 §4.4: data from a third party is labelled "other"; the requester vouched for it, not the device.
            located = located with { Source = "lis other" };
        }
        if (located is null && NetworkFingerprint.From(evidence) is { } fingerprint)
            located = await nomadic.FindAsync(tenant.Tenant.Id, deviceKey, fingerprint, cancellationToken).ConfigureAwait(false);
        if (located is null)
        {
            Count("locationUnknown", MatchRule.None);
            return HeldAnswer.Fail(HeldErrorCode.LocationUnknown, "No location is known for this device.");
        }
        return Answer(context, request, tenant, located, deviceKey, evidence, echo: device, requester);
    }

    /// <summary>
    /// True when a stored report may answer for the identifiers a third-party request names: it was reported by the
    /// named MAC (when one is named) and sent from the named address (when one is named). A report that names
    /// another MAC, none, or comes from another address contradicts the query.
    /// </summary>
    internal static bool Corroborates(Evidence report, IPAddress? namedIp, MacAddress? namedMac)
    {
        if (namedMac is { } mac && report.DeviceMac != mac) return false;
        if (namedIp is null) return true;
        return Same(report.SourceAddress, namedIp) || Same(report.ReportedAddress, namedIp);

        static bool Same(IPAddress? a, IPAddress b) => a is not null && (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(b);
    }

    private static bool HasEvidenceMeasurements(HeldRequest request) =>
        request.ServingBssid is not null || request.NeighbourBssids.Count > 0 || request.Lldp.Count > 0 || request.GatewayMac is not null;

    private static bool IsMeasurement(EvidenceField field) =>
        field is EvidenceField.ServingBssid or EvidenceField.NeighbourBssid or EvidenceField.Lldp or EvidenceField.GatewayMac;

    private HeldAnswer Answer(HttpContext context, HeldRequest request, TenantIndex tenant, LocationAnswer located, string deviceKey, Evidence evidence, DeviceIdentity? echo, Requester? requester)
    {
        if (requester is { ReferenceOnly: true })
        {
            // Location by reference only (RFC 5985 §6.5, RFC 6753): the operator has arranged that this requester
            // never holds location by value. It fetches the PIDF-LO from the URI with its own credentials, so the URI
            // is sealed to it. This overrides locationType and exact: for this requester the location always exists
            // by reference, and an error would leave an emergency call with no location at all.
            var (reserved, reservedExpires) = tokens.Issue(tenant.Tenant.Id, deviceKey, evidence, requester: requester.Name);
            Count("located", located.Rule);
            Log.Located(logger, tenant.Tenant.Id, located.Rule, located.Evidence, located.Location.Id);
            return new HeldAnswer(null, new LocationResponse
            {
                LocationUris = [LocationUri(context, reserved)],
                UrisExpire = reservedExpires,
                EchoDevice = echo,
            });
        }
        var types = request.LocationTypes;
        var any = types.Count == 0;
        var hasPoint = located.Location.Point is not null;
        var wantCivic = any || types.Contains(LocationType.Civic);
        var wantGeodetic = any || types.Contains(LocationType.Geodetic);
        var wantUri = any ? _options.UriWhenAny : types.Contains(LocationType.LocationUri);
        if (!any && request.Exact && wantGeodetic && !hasPoint)
        {
            Count("cannotProvideLiType", located.Rule);
            return HeldAnswer.Fail(HeldErrorCode.CannotProvideLiType, "No geodetic location is known for this device; ask for civic.");
        }
        if (!any && !request.Exact && !wantCivic && !(wantGeodetic && hasPoint) && !wantUri)
        {
            // exact="false": substitute what we have rather than answer nothing (RFC 5985 §6.2.1).
            wantCivic = true;
        }

        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        IReadOnlyList<string> uris = [];
        var expires = now;
        if (wantUri)
        {
            var (token, tokenExpires) = tokens.Issue(tenant.Tenant.Id, deviceKey, evidence);
            uris = [LocationUri(context, token)];
            expires = tokenExpires;
        }
        PidfLo? presence = null;
        if (wantCivic || (wantGeodetic && hasPoint))
            presence = BuildPidfLo(located, now, wantCivic, wantGeodetic && hasPoint, types);

        Count("located", located.Rule);
        Log.Located(logger, tenant.Tenant.Id, located.Rule, located.Evidence, located.Location.Id);
        return new HeldAnswer(null, new LocationResponse
        {
            LocationUris = uris,
            UrisExpire = expires,
            Presence = presence,
            EchoDevice = echo,
        });
    }

    /// <summary>A presence entity for one document: random, so documents cannot be linked by it.</summary>
    public string NewPresenceEntity()
    {
        Span<byte> random = stackalloc byte[12];
        RandomIds.Fill(random);
        Span<char> hex = stackalloc char[24];
        Convert.TryToHexStringLower(random, hex, out _);
        return string.Concat("pres:", hex, "@", _options.EntityDomain);
    }

    /// <summary>Builds the PIDF-LO for an answer; shared with dereference.</summary>
    public PidfLo BuildPidfLo(LocationAnswer located, DateTimeOffset now, bool civic, bool geodetic, IReadOnlyList<LocationType> order)
    {
        var location = located.Location;
        return new PidfLo(
            NewPresenceEntity(),
            [
                new PidfLocation
                {
                    TupleId = "loc1",
                    Civic = civic ? location.Civic : null,
                    Point = geodetic ? location.Point : null,
                    Method = located.Method,
                    Timestamp = now,
                    RetentionExpiry = now + _options.RetentionPeriod,
                    Source = located.Source,
                    LocationTypesOrder = order,
                },
            ]);
    }

    /// <summary>
    /// The absolute location URI for a token: under <c>Held:PublicBaseUrl</c>, else under the public scheme and host a
    /// trusted proxy reported, else (embedded default) under the local address and port the request reached. A
    /// client's own Host header is the client's to choose, so it never names the URI.
    /// </summary>
    public string LocationUri(HttpContext context, string token)
    {
        var baseUrl = _options.PublicBaseUrl;
        if (string.IsNullOrWhiteSpace(baseUrl)) baseUrl = Hosting.ForwardedRequest.PublicOrigin(context) ?? LocalBaseUrl(context);
        return baseUrl.TrimEnd('/') + "/loc/" + token;
    }

    private static string LocalBaseUrl(HttpContext context)
    {
        var local = context.Connection.LocalIpAddress;
        if (local is { IsIPv4MappedToIPv6: true }) local = local.MapToIPv4();
        var host = local is null ? "localhost"
            : local.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{local}]"
            : local.ToString();
        var port = context.Connection.LocalPort;
        return port > 0 ? $"{context.Request.Scheme}://{host}:{port}" : $"{context.Request.Scheme}://{host}";
    }

    private bool TryResolveTenant(WiremapIndex index, string? routeTenant, string? companyUuid, out TenantIndex tenant)
    {
        if (!string.IsNullOrEmpty(routeTenant)) return index.TryGetTenant(routeTenant, out tenant);
        if (!string.IsNullOrEmpty(companyUuid) && index.TryGetTenant(companyUuid, out tenant)) return true;
        if (!string.IsNullOrEmpty(_options.DefaultTenant)) return index.TryGetTenant(_options.DefaultTenant, out tenant);
        tenant = null!;
        using var tenants = index.Tenants.GetEnumerator();
        if (!tenants.MoveNext()) return false;
        var only = tenants.Current;
        if (tenants.MoveNext()) return false;
        tenant = only;
        return true;
    }

    /// <summary>
    /// A device naming itself only by the address it sends from (plus, optionally, its MAC) is making an ordinary
    /// LCP request (RFC 5985 §9.3); anything else is a third-party identity request (RFC 6155 §4.1).
    /// </summary>
    private static bool IsSelfIdentification(DeviceIdentity device, IPAddress? source)
    {
        if (!string.IsNullOrWhiteSpace(device.Uri)) return false;
        if (device.Identifiers.Any(i => i.Kind is not (DeviceIdentifierKind.Ip or DeviceIdentifierKind.Mac))) return false;
        if (device.Ip is null) return device.Mac is not null;
        var ip = device.Ip.IsIPv4MappedToIPv6 ? device.Ip.MapToIPv4() : device.Ip;
        return source is not null && ip.Equals(source);
    }

    /// <summary>
    /// The evidence of a device asking for itself: the source address, its MAC if the claim was believed, and what
    /// it measured. (A device naming another address than the one it sends from is a third-party request.)
    /// </summary>
    private static Evidence BuildEvidence(HeldRequest request, IPAddress? source, MacAddress? mac) => new()
    {
        SourceAddress = source,
        DeviceMac = mac,
        ServingBssid = request.ServingBssid,
        NeighbourBssids = request.NeighbourBssids,
        Lldp = request.Lldp,
        GatewayMac = request.GatewayMac,
    };

    private void Count(string outcome, MatchRule rule) =>
        telemetry.HeldRequests.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("rule", rule.ToString()));

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "HELD located tenant {Tenant} by {Rule} on {Evidence}: {LocationId}")]
        public static partial void Located(ILogger logger, string tenant, MatchRule rule, EvidenceField evidence, string locationId);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "A third-party request for tenant {Tenant} named identifiers the device's last report contradicts; the report is not used")]
        public static partial void ReportNotUsed(ILogger logger, string tenant);

        [LoggerMessage(EventId = 5120, Level = LogLevel.Information, Message = "A user-entered address for tenant {Tenant} was refused: manual entry is not allowed by policy {PolicyId}")]
        public static partial void ManualEntryRefused(ILogger logger, string tenant, string policyId);
    }
}
