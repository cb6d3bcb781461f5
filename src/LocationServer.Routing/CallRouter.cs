using LocationServer.Core.Endpoints;
using LocationServer.Core.Gis;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Matching;
using LocationServer.Core.Routing;
using LocationServer.Core.Wiremap;
using Microsoft.Extensions.Options;

namespace LocationServer.Routing;

/// <summary>A routing question from a call server.</summary>
internal sealed record EmergencyCallRequest
{
    public required string Tenant { get; init; }
    public required string Dialed { get; init; }
    public string? CallingNumber { get; init; }
    public string? LocationReference { get; init; }
    public string? StationMac { get; init; }
    public string? StationIp { get; init; }
    public string? StationIdentity { get; init; }
    public string? CallId { get; init; }
}

/// <summary>The routing answer.</summary>
internal sealed record CallRouting
{
    public required RouteDestination Destination { get; init; }
    public required string RouteUri { get; init; }
    public required string RouteName { get; init; }
    public string? PsapBoundaryId { get; init; }
    public required LocationSourceKind Source { get; init; }
    public ResolvedLocation? Location { get; init; }
    public string? Method { get; init; }
    public string? PidfLo { get; init; }
    public required string CallbackNumber { get; init; }
    public required bool CallbackIsElin { get; init; }
    public required bool TestCall { get; init; }
    public string? ReadBack { get; init; }
    public required string CallRecordId { get; init; }
    public required string Reason { get; init; }
    /// <summary>The policy that decided the route; null when the global configuration did.</summary>
    public PolicySource? Policy { get; init; }
    /// <summary>The staged-rollout mode in force.</summary>
    public PolicyMode Mode { get; init; }
    /// <summary>The security desk to conference in (emergency calls only), with the policy that named it.</summary>
    public PolicySetting<ConferenceHint?> Conference { get; init; }
}

/// <summary>A redeemed location token, or why not.</summary>
internal sealed record LocationLookup(TokenStatus Status, ResolvedLocation? Location, string? Method, string? PidfLo);

/// <summary>The caller an ELIN stands for, when its window is open.</summary>
internal sealed record CallbackLookup(ElinAssignment? Assignment);

/// <summary>Why a routing request was refused (mapped to gRPC status codes in one place, <see cref="RoutingGrpcService"/>).</summary>
internal enum RoutingFailure
{
    None,
    /// <summary>A required argument is missing or malformed (INVALID_ARGUMENT).</summary>
    InvalidArgument,
    /// <summary>The tenant is not known (NOT_FOUND).</summary>
    UnknownTenant,
}

/// <summary>A value or the reason there is none.</summary>
internal readonly record struct RoutingOutcome<T>(T? Value, RoutingFailure Failure, string? Detail)
    where T : class
{
    public static RoutingOutcome<T> Ok(T value) => new(value, RoutingFailure.None, null);

    public static RoutingOutcome<T> Fail(RoutingFailure failure, string detail) => new(null, failure, detail);
}

/// <summary>The kind of service a dialed string asks for.</summary>
internal enum DialedService
{
    NotEmergency,
    Emergency,
    Test,
}

/// <summary>
/// Routes an emergency (911) or test (933) call. Location, in this order exactly: a valid location token (the
/// device's current location); else the station MAC/IP from signalling; else the calling number's DID when the
/// tenant's DID fallback is on or the DID belongs to a device that never speaks HELD; else none. Expired, forged
/// and foreign-tenant tokens never resolve. The PSAP is the smallest service boundary covering the location's
/// point, else the authority's GIS PsapPolygon holding it; without one the call goes to the relay centre (ECRC), and for
/// a user-entered address the record says how the GIS data judged it. Test calls go to the test service, never a PSAP.
/// The emergency policy in force for the caller's network and site (docs/policies.md) classifies the dialed string,
/// applies its staged-rollout mode and supplies the relay centre, test service, callback window and conference hint.
/// </summary>
internal sealed partial class CallRouter(
    WiremapIndexHolder wiremap,
    EndpointDirectoryHolder endpoints,
    PsapBoundaryIndexHolder boundaries,
    ILocationTokenResolver tokens,
    ElinWindow elinWindow,
    IElinAssignmentStore elins,
    ICallRecordSink callRecords,
    IAlertSink alerts,
    IPidfLoRenderer pidfLo,
    IOptionsMonitor<RoutingOptions> options,
    TimeProvider time,
    RoutingTelemetry telemetry,
    ILogger<CallRouter> logger,
    GisIndexHolder? gis = null,
    Alerts.EmergencyCallWatch? callWatch = null)
{
    /// <summary>RFC 4119 method for a location found from a DID assignment (administrator-provisioned).</summary>
    public const string DidMethod = "Manual";

    public async Task<RoutingOutcome<CallRouting>> RouteCallAsync(EmergencyCallRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Tenant)) return RoutingOutcome<CallRouting>.Fail(RoutingFailure.InvalidArgument, "tenant is required.");
        if (string.IsNullOrWhiteSpace(request.Dialed)) return RoutingOutcome<CallRouting>.Fail(RoutingFailure.InvalidArgument, "dialed is required.");
        var urnService = ClassifyUrn(request.Dialed, out var digits);
        if (urnService == DialedService.NotEmergency || (digits is not null && !PolicyValidator.IsDialString(digits)))
            return RoutingOutcome<CallRouting>.Fail(RoutingFailure.InvalidArgument, "dialed is not an emergency or test service (digits such as 911 or 933, urn:service:sos, urn:service:test.sos).");
        if (!wiremap.Current.TryGetTenant(request.Tenant, out var tenant))
            return RoutingOutcome<CallRouting>.Fail(RoutingFailure.UnknownTenant, "tenant not found.");

        var settings = options.CurrentValue;
        var now = time.GetUtcNow();
        var tenantId = tenant.Tenant.Id;

        var (source, location, method, reason, did, tokenDevice, tokenDeviceKey) = await LocateAsync(tenant, request, cancellationToken).ConfigureAwait(false);

        // The policy of the caller's network (the station address from signalling) over that of the location's site.
        var policy = tenant.Policies.Resolve(location?.SiteId, ParseStation(request).Address);
        var service = digits is null ? urnService : policy.Classify(digits) switch
        {
            DialService.Emergency => DialedService.Emergency,
            DialService.Test => DialedService.Test,
            _ => DialedService.NotEmergency,
        };
        if (service == DialedService.NotEmergency)
        {
            Log.DialStringRefused(logger, tenantId, policy.DialPlan.Source?.Policy.Id ?? "(default)");
            return RoutingOutcome<CallRouting>.Fail(RoutingFailure.InvalidArgument,
                $"dialed '{digits}' is not an emergency or test dial string of {PolicyText(policy.DialPlan.Source)}.");
        }
        var test = service == DialedService.Test;
        var mode = policy.Mode.Value;

        RouteDestination destination;
        string routeUri, routeName;
        string? boundaryId = null;
        PolicySource? decidedBy;
        if (mode == PolicyMode.Disabled || (mode == PolicyMode.TestOnly && !test))
        {
            // Staged rollout: this scope is not live for this kind of call, so our location data must not route it.
            destination = RouteDestination.CallServerDefault;
            routeUri = policy.CarrierRouteUri.Value ?? "";
            routeName = policy.CarrierRouteUri.Value is null ? CallServerDefaultName : "Carrier emergency route";
            decidedBy = policy.Mode.Source;
            reason += $"; policy mode {PolicyNames.Of(mode)}: call server's own emergency route";
        }
        else if (test)
        {
            destination = RouteDestination.TestService;
            routeUri = policy.TestServiceUri.Value ?? settings.TestService.Uri;
            routeName = settings.TestService.Name;
            decidedBy = policy.TestServiceUri.Source ?? policy.DialPlan.Source;
        }
        else if (location?.Point is { } point && boundaries.Current.Find(point, tenantId) is { } psap)
        {
            destination = RouteDestination.Psap;
            routeUri = psap.SipUri;
            routeName = psap.Name;
            boundaryId = psap.Id;
            decidedBy = policy.DialPlan.Source;
        }
        else if (location?.Point is { } gisPoint && gis?.Current.FindArea(ServiceAreaKind.Psap, gisPoint) is { Uri: { } gisUri } gisPsap)
        {
            destination = RouteDestination.Psap;
            routeUri = gisUri;
            routeName = gisPsap.Name;
            boundaryId = gisPsap.Id;
            decidedBy = policy.DialPlan.Source;
            reason += location.Validation is { } checkedAs ? $"; user-provided address {checkedAs}; GIS PSAP polygon" : "; GIS PSAP polygon";
        }
        else
        {
            destination = RouteDestination.RelayCenter;
            routeUri = policy.RelayCenterUri.Value ?? settings.RelayCenter.Uri;
            routeName = settings.RelayCenter.Name;
            decidedBy = policy.RelayCenterUri.Source ?? policy.DialPlan.Source;
            if (location?.Validation is { } validation) reason += "; user-provided address " + validation;
            reason += location is null ? "; no location: relay centre" : location.Point is null ? "; no point: relay centre" : "; no PSAP boundary covers the point: relay centre";
        }
        // A policy that only names a conference desk or a disclaimer did not decide where the call goes.
        decidedBy ??= policy.Mode.Source;
        reason += "; policy: " + PolicyText(decidedBy);
        var conference = test ? default : policy.Conference;
        var callbackWindow = policy.CallbackWindowMinutes.Value is { } windowMinutes ? TimeSpan.FromMinutes(windowMinutes) : settings.CallbackWindow;

        var recordId = RandomIds.NewVersion7String(now);
        var caller = PhoneNumber.Normalize(request.CallingNumber);
        // Who is calling and which endpoint answers for them, from memory: the station MAC from signalling, else the
        // MAC of the HELD device the token stands for.
        var device = ParseStation(request).Mac ?? tokenDevice;
        var choice = CallbackResolver.Resolve(tenant, endpoints.Find(tenantId), location, did, caller, device);
        string callback;
        var callbackIsElin = false;
        ElinAssignment? openedWindow = null;
        if (location is { Elins.Count: > 0 })
        {
            // A test call shows the ELIN a PSAP would see but must not take it from a real caller's callback window.
            var (elin, assignment) = elinWindow.Allocate(tenantId, location, caller, now, callbackWindow, reserve: !test, recordId);
            if (elin.Reason == ElinChoiceReason.LeastRecentlyAssigned && assignment is not null) Log.ElinReused(logger, tenantId, location.Id);
            callback = PhoneNumber.Normalize(elin.Elin) ?? elin.Elin;
            callbackIsElin = true;
            openedWindow = assignment;
            choice = choice with { Source = CallbackSource.Elin, Endpoint = null };
        }
        else
        {
            callback = choice.Number ?? request.CallingNumber ?? "";
        }
        reason += "; callback: " + CallbackText(choice);

        var routing = new CallRouting
        {
            Destination = destination,
            RouteUri = routeUri,
            RouteName = routeName,
            PsapBoundaryId = boundaryId,
            Source = source,
            Location = location,
            Method = method,
            PidfLo = location is null ? null : pidfLo.Render(location, method!),
            CallbackNumber = callback,
            CallbackIsElin = callbackIsElin,
            TestCall = test,
            ReadBack = test ? ReadBack.Compose(callback, location?.Civic, choice.Endpoint?.BillingAddress) : null,
            CallRecordId = recordId,
            Reason = reason,
            Policy = decidedBy,
            Mode = mode,
            Conference = conference,
        };

        var record = new CallRecord
        {
            Id = recordId,
            Tenant = tenantId,
            At = now,
            CallId = Blank(request.CallId),
            Dialed = request.Dialed,
            TestCall = test,
            CallingNumber = caller ?? Blank(request.CallingNumber),
            LocationReference = Blank(request.LocationReference),
            StationMac = Blank(request.StationMac),
            StationIp = Blank(request.StationIp),
            Source = source,
            LocationId = location?.Id,
            Address = location?.Display,
            Method = method,
            Reason = reason,
            Destination = destination,
            RouteUri = routeUri,
            RouteName = routeName,
            PsapBoundaryId = boundaryId,
            CallbackNumber = callback,
            CallbackIsElin = callbackIsElin,
            CallbackWindow = openedWindow,
            PolicyId = decidedBy?.Policy.Id,
        };
        var callerName = choice.User?.DisplayName ?? did?.User;
        var (alert, alertJson) = RaiseAlert(now, record, location, callerName, test ? AlertEvent.TestCall : destination == RouteDestination.RelayCenter ? AlertEvent.RelayCenterCall : AlertEvent.EmergencyCall);
        // The call is routed whatever happens to its record: refusing to route an emergency call because the
        // audit store is down would be the worse failure. The alert's ledger entry goes with the record.
        var recorded = false;
        try
        {
            if (!callRecords.Enqueue(record, alert, alertJson)) Log.CallRecordDeferred(logger, recordId);
            recorded = alertJson is not null;
        }
        catch (Exception ex)
        {
            Log.CallRecordFailed(logger, recordId, ex);
        }

        if (!test && callWatch is not null) OpenWindow(record, ParseStation(request), callerName, tokenDeviceKey, source == LocationSourceKind.Did ? did?.Number : null, now + callbackWindow);
        if (alert is not null) EnqueueAlert(alert, alertJson, recorded);
        Log.CallRouted(logger, recordId, tenantId, source, destination);
        telemetry.CallRouted(destination, source);
        return RoutingOutcome<CallRouting>.Ok(routing);
    }

    /// <summary>Finds the caller an ELIN stands for, while its callback window is open.</summary>
    public async Task<RoutingOutcome<CallbackLookup>> ResolveCallbackAsync(string tenantIdOrUuid, string elin, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(tenantIdOrUuid)) return RoutingOutcome<CallbackLookup>.Fail(RoutingFailure.InvalidArgument, "tenant is required.");
        var number = PhoneNumber.Normalize(elin);
        if (number is null) return RoutingOutcome<CallbackLookup>.Fail(RoutingFailure.InvalidArgument, "elin must be a telephone number.");
        if (!wiremap.Current.TryGetTenant(tenantIdOrUuid, out var tenant))
            return RoutingOutcome<CallbackLookup>.Fail(RoutingFailure.UnknownTenant, "tenant not found.");
        var now = time.GetUtcNow();
        var tenantId = tenant.Tenant.Id;
        // The store is shared by every node, so it knows ELINs lent elsewhere; this node's window answers when the
        // store is away or has not caught up, and the newer of the two wins.
        ElinAssignment? stored = null;
        try
        {
            stored = await elins.FindAsync(tenantId, number, now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.CallbackStoreFailed(logger, tenantId, ex);
        }
        var local = elinWindow.Find(tenantId, number, now);
        var assignment = local is not null && (stored is null || local.AssignedAt > stored.AssignedAt) ? local : stored;
        return RoutingOutcome<CallbackLookup>.Ok(new CallbackLookup(assignment));
    }

    /// <summary>Redeems a location token for the device's current location.</summary>
    public async Task<RoutingOutcome<LocationLookup>> GetLocationAsync(string tenantIdOrUuid, string reference, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(tenantIdOrUuid)) return RoutingOutcome<LocationLookup>.Fail(RoutingFailure.InvalidArgument, "tenant is required.");
        if (string.IsNullOrWhiteSpace(reference)) return RoutingOutcome<LocationLookup>.Fail(RoutingFailure.InvalidArgument, "location_reference is required.");
        if (!wiremap.Current.TryGetTenant(tenantIdOrUuid, out var tenant))
            return RoutingOutcome<LocationLookup>.Fail(RoutingFailure.UnknownTenant, "tenant not found.");
        var resolution = await ResolveTokenAsync(tenant.Tenant.Id, reference, cancellationToken).ConfigureAwait(false);
        var lookup = resolution.Status == TokenStatus.Resolved
            ? new LocationLookup(TokenStatus.Resolved, resolution.Location, resolution.Method, pidfLo.Render(resolution.Location!, resolution.Method!))
            : new LocationLookup(resolution.Status, null, null, null);
        return RoutingOutcome<LocationLookup>.Ok(lookup);
    }

    /// <summary>
    /// Classifies dialed digits by the built-in default dial strings (no policy), or a service URN (RFC 5031); an
    /// outside-line 9 prefix is tolerated.
    /// </summary>
    public static DialedService ClassifyDialed(string dialed)
    {
        var urn = ClassifyUrn(dialed, out var digits);
        if (digits is null) return urn;
        return EffectivePolicy.Global.Classify(digits) switch
        {
            DialService.Emergency => DialedService.Emergency,
            DialService.Test => DialedService.Test,
            _ => DialedService.NotEmergency,
        };
    }

    /// <summary>
    /// A service URN's kind, with <paramref name="digits"/> null; or, for anything else, the digits of the dialed
    /// string (a tel:/sip: URI's user part) to be classified by the policy in force.
    /// </summary>
    public static DialedService ClassifyUrn(string dialed, out string? digits)
    {
        ArgumentNullException.ThrowIfNull(dialed);
        digits = null;
        var value = dialed.Trim();
        if (value.StartsWith("urn:service:", StringComparison.OrdinalIgnoreCase))
        {
            var service = value["urn:service:".Length..];
            if (IsUrn(service, "test.sos")) return DialedService.Test;
            if (IsUrn(service, "sos")) return DialedService.Emergency;
            return DialedService.NotEmergency;
        }
        foreach (var scheme in (ReadOnlySpan<string>)["tel:", "sips:", "sip:"])
        {
            if (value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                value = value[scheme.Length..];
                break;
            }
        }
        var end = value.IndexOfAny(['@', ';']);
        if (end >= 0) value = value[..end];
        digits = value;
        return DialedService.Emergency;
    }

    /// <summary>The route name of a call left to the call server's own emergency route.</summary>
    public const string CallServerDefaultName = "Call server default emergency route";

    /// <summary>"policy 'uk-sites' (site london)", or "global configuration" when no policy decided.</summary>
    public static string PolicyText(PolicySource? source) =>
        source is null ? "global configuration" : $"policy '{source.Policy.Id}' ({source.Scope})";

    private static bool IsUrn(string service, string name) =>
        service.Equals(name, StringComparison.OrdinalIgnoreCase) ||
        (service.Length > name.Length && service.StartsWith(name, StringComparison.OrdinalIgnoreCase) && service[name.Length] == '.');

    private async Task<(LocationSourceKind Source, ResolvedLocation? Location, string? Method, string Reason, DidEntry? Did, MacAddress? TokenDevice, string? TokenDeviceKey)> LocateAsync(
        TenantIndex tenant, EmergencyCallRequest request, CancellationToken cancellationToken)
    {
        var reasons = new List<string>(3);
        var hasDid = !string.IsNullOrWhiteSpace(request.CallingNumber) && tenant.TryGetDid(request.CallingNumber, out _);
        DidEntry? did = null;
        if (hasDid) tenant.TryGetDid(request.CallingNumber!, out did);

        if (!string.IsNullOrWhiteSpace(request.LocationReference))
        {
            var resolution = await ResolveTokenAsync(tenant.Tenant.Id, request.LocationReference, cancellationToken).ConfigureAwait(false);
            if (resolution.Status == TokenStatus.Resolved) return (LocationSourceKind.Token, resolution.Location, resolution.Method, "token", did, resolution.DeviceMac, resolution.DeviceKey);
            reasons.Add("token " + TokenStatusText(resolution.Status));
        }
        else
        {
            reasons.Add("no token");
        }

        var station = ParseStation(request);
        if (!station.IsEmpty)
        {
            var match = WiremapStationLocator.Locate(tenant, station);
            if (match is not null) return (LocationSourceKind.Station, match.Location, match.Method, Join(reasons, "station matched " + match.Rule), did, null, null);
            reasons.Add("station not in wiremap");
        }

        if (did is not null)
        {
            if (tenant.Tenant.DidFallback) return (LocationSourceKind.Did, did.Location, DidMethod, Join(reasons, "DID fallback"), did, null, null);
            if (!did.HeldCapable) return (LocationSourceKind.Did, did.Location, DidMethod, Join(reasons, "DID of a device without HELD"), did, null, null);
            reasons.Add("DID fallback off");
        }
        else if (!string.IsNullOrWhiteSpace(request.CallingNumber))
        {
            reasons.Add("calling number not a known DID");
        }
        return (LocationSourceKind.None, null, null, string.Join("; ", reasons), did, null, null);
    }

    private async ValueTask<TokenResolution> ResolveTokenAsync(string tenantId, string reference, CancellationToken cancellationToken)
    {
        var resolution = await tokens.ResolveAsync(tenantId, reference.Trim(), cancellationToken).ConfigureAwait(false);
        if (resolution.Status != TokenStatus.Resolved) return resolution;
        if (resolution.Location is null) return TokenResolution.Failed(TokenStatus.Unknown);
        // Defence in depth: whatever the resolver says, a location of another tenant never crosses over.
        if (!string.Equals(resolution.Location.TenantId, tenantId, StringComparison.OrdinalIgnoreCase)) return TokenResolution.Failed(TokenStatus.ForeignTenant);
        return resolution with { Method = string.IsNullOrEmpty(resolution.Method) ? "Wiremap" : resolution.Method };
    }

    private static StationIdentity ParseStation(EmergencyCallRequest request)
    {
        _ = StationIdentity.TryParse(request.StationIdentity, out var fromHeader);
        var mac = fromHeader.Mac;
        var address = fromHeader.Address;
        if (!string.IsNullOrWhiteSpace(request.StationMac) && MacAddress.TryParse(request.StationMac, out var explicitMac)) mac = explicitMac;
        if (!string.IsNullOrWhiteSpace(request.StationIp) && System.Net.IPAddress.TryParse(request.StationIp.Trim().Trim('[', ']'), out var explicitIp)) address = explicitIp;
        return new StationIdentity(mac, address);
    }

    /// <summary>The reason token as it appears in call records and GetLocation answers.</summary>
    public static string TokenStatusText(TokenStatus status) => status switch
    {
        TokenStatus.Resolved => "resolved",
        TokenStatus.Unknown => "unknown",
        TokenStatus.Expired => "expired",
        TokenStatus.Forged => "forged",
        TokenStatus.ForeignTenant => "foreign-tenant",
        _ => "unknown",
    };

    private static string Join(List<string> reasons, string last)
    {
        reasons.Add(last);
        return string.Join("; ", reasons);
    }

    /// <summary>Where the callback number came from, as the routing answer's reason says it ("user endpoint 'kari-home'").</summary>
    public static string CallbackText(CallbackChoice choice) => choice.Source switch
    {
        CallbackSource.Elin => "ELIN",
        CallbackSource.DeviceEndpoint => $"device endpoint '{choice.Endpoint!.Id}'",
        CallbackSource.UserEndpoint => $"user endpoint '{choice.Endpoint!.Id}'",
        CallbackSource.SiteEndpoint => $"site endpoint '{choice.Endpoint!.Id}'",
        CallbackSource.TenantEndpoint => $"tenant endpoint '{choice.Endpoint!.Id}'",
        CallbackSource.DidCallback => "DID callback number",
        CallbackSource.OwnNumber => "caller's own number (user-entered address)",
        CallbackSource.LocationCallback => "location callback number",
        CallbackSource.SiteCallback => "site callback number",
        CallbackSource.TenantCallback => "tenant callback number",
        CallbackSource.CallingNumber => "calling number",
        _ => "none",
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>
    /// Opens the call's emergency-call window (<see cref="Alerts.EmergencyCallWatch"/>) for the device the location URI
    /// stands for and the station from signalling, and for the DID the call was located by; never fails the call.
    /// </summary>
    private void OpenWindow(CallRecord record, StationIdentity station, string? callerName, string? tokenDeviceKey, string? did, DateTimeOffset until)
    {
        try
        {
            var keys = new List<string>(3);
            if (tokenDeviceKey is not null && !tokenDeviceKey.StartsWith("did:", StringComparison.Ordinal)) keys.Add(tokenDeviceKey);
            if (station.Mac is { } mac && Alerts.EmergencyCallWatch.DeviceKey(mac) is var macKey && !keys.Contains(macKey)) keys.Add(macKey);
            if (station.Address is { } address && Alerts.EmergencyCallWatch.DeviceKey(address) is var addressKey && !keys.Contains(addressKey)) keys.Add(addressKey);
            if (keys.Count == 0 && did is null && record.LocationReference is null) return;
            callWatch!.Open(new Data.Redis.CallWatchMessage(record.Tenant, record.Id, keys, record.At, until, record.CallingNumber,
                string.IsNullOrWhiteSpace(callerName) ? null : callerName.Trim(),
                record.Source == LocationSourceKind.Token ? record.LocationReference : null,
                station.Mac?.ToDashString(), station.Address?.ToString(), did, record.LocationId, record.Address, 0));
        }
        catch (Exception ex)
        {
            Log.WindowFailed(logger, record.Id, ex);
        }
    }

    /// <summary>
    /// The alert a routed call raises, with its webhook JSON (made once, for the ledger, the feed and every webhook);
    /// nulls (logged) if it cannot be made, which never fails the call.
    /// </summary>
    private (RoutingAlert? Alert, string? Json) RaiseAlert(DateTimeOffset now, CallRecord record, ResolvedLocation? location, string? callerName, AlertEvent kind)
    {
        RoutingAlert alert;
        try
        {
            alert = new RoutingAlert
            {
                Id = RandomIds.NewVersion7String(now),
                Tenant = record.Tenant,
                Event = kind,
                At = now,
                CallRecordId = record.Id,
                CallingNumber = record.CallingNumber,
                CallerName = string.IsNullOrWhiteSpace(callerName) ? null : callerName.Trim(),
                CallbackNumber = record.CallbackNumber,
                LocationId = location?.Id,
                Address = location?.Display,
                RouteName = record.RouteName,
                RouteUri = record.RouteUri,
                Source = record.Source,
            };
        }
        catch (Exception ex)
        {
            // Alerts never delay or fail routing.
            Log.AlertEnqueueFailed(logger, record.Id, ex);
            return (null, null);
        }
        try
        {
            return (alert, Alerts.AlertDispatcher.ToJson(alert));
        }
        catch (Exception ex)
        {
            // Delivered without its JSON (e-mail and SMS), as the dispatcher does with an alert it cannot serialize.
            Log.AlertEnqueueFailed(logger, record.Id, ex);
            return (alert, null);
        }
    }

    private void EnqueueAlert(RoutingAlert alert, string? json, bool recorded)
    {
        try
        {
            // A full queue drops the alert; the dispatcher logs drops.
            alerts.TryEnqueue(alert, json, recorded);
        }
        catch (Exception ex)
        {
            // Alerts never delay or fail routing.
            Log.AlertEnqueueFailed(logger, alert.CallRecordId, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Call {CallRecordId} of tenant {Tenant} located by {Source}, routed to {Destination}")]
        public static partial void CallRouted(ILogger logger, string callRecordId, string tenant, LocationSourceKind source, RouteDestination destination);

        [LoggerMessage(EventId = 2202, Level = LogLevel.Error, Message = "Call record {CallRecordId} could not be written; the call was routed anyway")]
        public static partial void CallRecordFailed(ILogger logger, string callRecordId, Exception exception);

        [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Call record {CallRecordId} is held until the location database returns; the call was routed")]
        public static partial void CallRecordDeferred(ILogger logger, string callRecordId);

        [LoggerMessage(EventId = 2204, Level = LogLevel.Error, Message = "Alert for call {CallRecordId} could not be queued")]
        public static partial void AlertEnqueueFailed(ILogger logger, string callRecordId, Exception exception);

        [LoggerMessage(EventId = 2206, Level = LogLevel.Error, Message = "ELIN assignments of tenant {Tenant} could not be read from the store; answering from this node's callback window")]
        public static partial void CallbackStoreFailed(ILogger logger, string tenant, Exception exception);

        [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Call of tenant {Tenant} refused: the dialed string is not one of policy {PolicyId}")]
        public static partial void DialStringRefused(ILogger logger, string tenant, string policyId);

        [LoggerMessage(EventId = 5707, Level = LogLevel.Error, Message = "The emergency-call window of call {CallRecordId} could not be opened; a later location change will not be alerted")]
        public static partial void WindowFailed(ILogger logger, string callRecordId, Exception exception);

        [LoggerMessage(EventId = 2205, Level = LogLevel.Warning, Message = "Every ELIN of location {LocationId} (tenant {Tenant}) was in use; the least recently assigned was reused")]
        public static partial void ElinReused(ILogger logger, string tenant, string locationId);
    }
}
