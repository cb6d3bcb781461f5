using LocationServer.Core.Matching;
using LocationServer.Grpc;
using LocationServer.Routing.V1;

namespace LocationServer.Routing;

/// <summary>
/// <c>locationserver.routing.v1.RoutingService</c>: maps the protobuf messages to <see cref="CallRouter"/> and its
/// outcomes to gRPC status codes (the one place that does).
/// </summary>
internal sealed class RoutingGrpcService(CallRouter router)
{
    public const string ServiceName = "locationserver.routing.v1.RoutingService";

    public async ValueTask<RouteCallResponse> RouteCall(RouteCallRequest request, ServerCallContextLite context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var outcome = await router.RouteCallAsync(new EmergencyCallRequest
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
        };
    }

    public async ValueTask<ResolveCallbackResponse> ResolveCallback(ResolveCallbackRequest request, ServerCallContextLite context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var lookup = Unwrap(await router.ResolveCallbackAsync(request.Tenant, request.Elin, context.CancellationToken).ConfigureAwait(false));
        if (lookup.Assignment is not { } assignment) return new ResolveCallbackResponse { Found = false };
        return new ResolveCallbackResponse
        {
            Found = true,
            CallerNumber = assignment.CallerNumber,
            LocationId = assignment.LocationId,
            Expires = assignment.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public async ValueTask<GetLocationResponse> GetLocation(GetLocationRequest request, ServerCallContextLite context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var lookup = Unwrap(await router.GetLocationAsync(request.Tenant, request.LocationReference, context.CancellationToken).ConfigureAwait(false));
        return lookup.Location is null
            ? new GetLocationResponse { Found = false, Reason = CallRouter.TokenStatusText(lookup.Status) }
            : new GetLocationResponse { Found = true, Location = ToMessage(lookup.Location, lookup.Method, lookup.PidfLo) };
    }

    public static ValueTask<PingResponse> Ping(PingRequest request, ServerCallContextLite context) =>
        ValueTask.FromResult(new PingResponse { Status = "ok" });

    private static T Unwrap<T>(RoutingOutcome<T> outcome)
        where T : class => outcome.Failure switch
        {
            RoutingFailure.None => outcome.Value!,
            RoutingFailure.UnknownTenant => throw new GrpcStatusException(GrpcStatusCode.NotFound, outcome.Detail ?? "not found"),
            _ => throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, outcome.Detail ?? "invalid argument"),
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
}
