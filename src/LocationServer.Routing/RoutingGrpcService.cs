using Grpc.Core;
using LocationServer.Core.Matching;
using LocationServer.Routing.V1;

namespace LocationServer.Routing;

/// <summary>
/// <c>locationserver.routing.v1.RoutingService</c>: authenticates the caller (<see cref="RoutingCallerAuthenticator"/>),
/// maps the protobuf messages to <see cref="CallRouter"/> and its outcomes to gRPC status codes (the one place that
/// does). Every method but <c>Ping</c> needs the caller's API key, and a key routes only its own tenant's calls.
/// </summary>
/// <remarks>
/// A singleton, so <c>Ping</c> builds nothing per call; the scoped <see cref="CallRouter"/> (whose seams may be scoped)
/// comes from the call's request scope.
/// </remarks>
internal sealed partial class RoutingGrpcService(RoutingCallerAuthenticator authenticator, ILogger<RoutingGrpcService> logger)
    : RoutingService.RoutingServiceBase
{
    public const string ServiceName = "locationserver.routing.v1.RoutingService";

    private static readonly Task<PingResponse> Pong = Task.FromResult(new PingResponse { Status = "ok" });

    public override async Task<RouteCallResponse> RouteCall(RouteCallRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        Authorize(request.Tenant, context);
        var outcome = await Router(context).RouteCallAsync(new EmergencyCallRequest
        {
            Tenant = request.Tenant,
            Dialed = request.Dialed,
            CallingNumber = request.CallingNumber,
            LocationReference = request.LocationReference,
            StationMac = request.StationMac,
            StationIp = request.StationIp,
            StationIdentity = request.StationIdentity,
            CallId = request.CallId,
        }, context.CancellationToken).ConfigureAwait(false);
        var routing = Unwrap(outcome);
        return new RouteCallResponse
        {
            Route = new V1.Route
            {
                Kind = routing.Destination switch
                {
                    RouteDestination.Psap => RouteKind.Psap,
                    RouteDestination.RelayCenter => RouteKind.RelayCenter,
                    RouteDestination.TestService => RouteKind.TestService,
                    RouteDestination.CallServerDefault => RouteKind.CallServerDefault,
                    _ => RouteKind.Unspecified,
                },
                Uri = routing.RouteUri,
                Name = routing.RouteName,
                BoundaryId = routing.PsapBoundaryId ?? "",
            },
            Source = routing.Source switch
            {
                LocationSourceKind.Token => LocationSource.Token,
                LocationSourceKind.Station => LocationSource.Station,
                LocationSourceKind.Did => LocationSource.Did,
                _ => LocationSource.None,
            },
            Location = routing.Location is null ? null : ToMessage(routing.Location, routing.Method, routing.PidfLo),
            CallbackNumber = routing.CallbackNumber,
            CallbackIsElin = routing.CallbackIsElin,
            TestCall = routing.TestCall,
            ReadBack = routing.ReadBack ?? "",
            CallRecordId = routing.CallRecordId,
            Reason = routing.Reason,
            Policy = new PolicyRef
            {
                Id = routing.Policy?.Policy.Id ?? "",
                Name = routing.Policy?.Policy.Name ?? "",
                Scope = routing.Policy?.Scope ?? "global",
            },
            PolicyMode = routing.Mode switch
            {
                Core.Wiremap.PolicyMode.TestOnly => V1.PolicyMode.TestOnly,
                Core.Wiremap.PolicyMode.Disabled => V1.PolicyMode.Disabled,
                _ => V1.PolicyMode.Enabled,
            },
            Conference = routing.Conference.Value is { } hint
                ? new V1.ConferenceHint
                {
                    Uri = hint.Uri,
                    Mode = hint.Mode == Core.Wiremap.ConferenceMode.TwoWay ? V1.ConferenceMode.TwoWay : V1.ConferenceMode.OneWay,
                    PolicyId = routing.Conference.Source?.Policy.Id ?? "",
                }
                : null,
        };
    }

    public override async Task<ResolveCallbackResponse> ResolveCallback(ResolveCallbackRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        Authorize(request.Tenant, context);
        var lookup = Unwrap(await Router(context).ResolveCallbackAsync(request.Tenant, request.Elin, context.CancellationToken).ConfigureAwait(false));
        if (lookup.Assignment is not { } assignment) return new ResolveCallbackResponse { Found = false };
        return new ResolveCallbackResponse
        {
            Found = true,
            CallerNumber = assignment.CallerNumber,
            LocationId = assignment.LocationId,
            Expires = assignment.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public override async Task<GetLocationResponse> GetLocation(GetLocationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        Authorize(request.Tenant, context);
        var lookup = Unwrap(await Router(context).GetLocationAsync(request.Tenant, request.LocationReference, context.CancellationToken).ConfigureAwait(false));
        return lookup.Location is null
            ? new GetLocationResponse { Found = false, Reason = CallRouter.TokenStatusText(lookup.Status) }
            : new GetLocationResponse { Found = true, Location = ToMessage(lookup.Location, lookup.Method, lookup.PidfLo) };
    }

    private static CallRouter Router(ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<CallRouter>();

    /// <summary>Liveness of the listener: needs no credentials and touches nothing.</summary>
    public override Task<PingResponse> Ping(PingRequest request, ServerCallContext context) => Pong;

    /// <summary>
    /// Refuses the call unless its <c>authorization</c> metadata carries an API key of a requester of
    /// <paramref name="tenant"/>: UNAUTHENTICATED without a key or with a wrong one, PERMISSION_DENIED for a key of
    /// another tenant (or a tenant that does not exist, so a key cannot probe for other tenants), INVALID_ARGUMENT
    /// when the request names no tenant.
    /// </summary>
    private void Authorize(string tenant, ServerCallContext context)
    {
        // Straight from the HTTP/2 headers: RequestHeaders would copy every header of the call into a Metadata first.
        var authorization = context.GetHttpContext().Request.Headers.Authorization.ToString();
        var result = authenticator.Authenticate(authorization, tenant, out var requester);
        switch (result)
        {
            case RoutingCallerAuth.Authorized:
                Log.CallerAuthorized(logger, context.Method, requester!);
                return;
            case RoutingCallerAuth.MissingCredentials:
                Log.CallerRefused(logger, context.Method, result, context.Peer);
                throw new RpcException(new Status(StatusCode.Unauthenticated, "authorization metadata with a Bearer API key is required."));
            case RoutingCallerAuth.BadCredentials:
                Log.CallerRefused(logger, context.Method, result, context.Peer);
                throw new RpcException(new Status(StatusCode.Unauthenticated, "the API key is not valid."));
            default:
                if (string.IsNullOrWhiteSpace(tenant)) throw new RpcException(new Status(StatusCode.InvalidArgument, "tenant is required."));
                Log.CallerRefused(logger, context.Method, result, context.Peer);
                throw new RpcException(new Status(StatusCode.PermissionDenied, "the API key does not authorise calls of this tenant."));
        }
    }

    private static T Unwrap<T>(RoutingOutcome<T> outcome)
        where T : class => outcome.Failure switch
        {
            RoutingFailure.None => outcome.Value!,
            RoutingFailure.UnknownTenant => throw new RpcException(new Status(StatusCode.NotFound, outcome.Detail ?? "not found")),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument, outcome.Detail ?? "invalid argument")),
        };

    internal static Location ToMessage(ResolvedLocation location, string? method, string? pidfLo)
    {
        var c = location.Civic;
        var message = new Location
        {
            Civic = new CivicAddress
            {
                Country = c.Country ?? "",
                A1 = c.A1 ?? "",
                A2 = c.A2 ?? "",
                A3 = c.A3 ?? "",
                A4 = c.A4 ?? "",
                A5 = c.A5 ?? "",
                A6 = c.A6 ?? "",
                Prd = c.PRD ?? "",
                Rd = c.RD ?? "",
                Sts = c.STS ?? "",
                Pod = c.POD ?? "",
                Hno = c.HNO ?? "",
                Hns = c.HNS ?? "",
                Lmk = c.LMK ?? "",
                Loc = c.LOC ?? "",
                Flr = c.FLR ?? "",
                Nam = c.NAM ?? "",
                Pc = c.PC ?? "",
                Bld = c.BLD ?? "",
                Unit = c.UNIT ?? "",
                Room = c.ROOM ?? "",
                Seat = c.SEAT ?? "",
            },
            HasPoint = location.Point is not null,
            PidfLo = pidfLo ?? "",
            LocationId = location.Id,
            Display = location.Display,
            Method = method ?? "",
        };
        if (location.Point is { } point) message.Point = new GeoPoint { Latitude = point.Latitude, Longitude = point.Longitude };
        return message;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "Routing call {Method} from {Peer} refused: {Result}")]
        public static partial void CallerRefused(ILogger logger, string method, RoutingCallerAuth result, string peer);

        [LoggerMessage(EventId = 2112, Level = LogLevel.Debug, Message = "Routing call {Method} authorised for requester {Requester}")]
        public static partial void CallerAuthorized(ILogger logger, string method, string requester);
    }
}
