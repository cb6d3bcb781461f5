using System.Buffers;
using LocationServer.Core.Matching;
using LocationServer.Held;
using LocationServer.Held.Pidf;
using LocationServer.Locating.Held;
using LocationServer.Locating.Telemetry;
using LocationServer.Locating.Tokens;

namespace LocationServer.HeldHttp;

/// <summary>
/// Dereferences location URIs (RFC 6753): GET answers as if a <c>geodetic civic</c> request with exact="false" had
/// been POSTed (§3.2), with the bare PIDF-LO when the client prefers <c>application/pidf+xml</c>; POST takes a HELD
/// locationRequest without identity (§3.1). Both yield the device's current location and never issue new URIs.
/// A URI issued to a reference-only requester answers only that requester, authenticated as for HELD (API key or
/// source range), and challenges anyone else with 401 before any body is read (RFC 6753 §4.2 access control).
/// </summary>
internal sealed class DereferenceService(
    WiremapIndexHolder indexHolder,
    LocationTokenService tokens,
    CurrentLocationResolver resolver,
    HeldService held,
    TimeProvider time,
    LocationServerTelemetry telemetry)
{
    public async Task HandleGetAsync(HttpContext context, string token)
    {
        var pidf = HeldEndpoints.Quality(context, "application/pidf+xml");
        var heldQuality = HeldEndpoints.Quality(context, "application/held+xml");
        if (pidf <= 0 && heldQuality <= 0)
        {
            context.Response.StatusCode = StatusCodes.Status406NotAcceptable;
            return;
        }
        var redemption = Redeem(token);
        if (Refused(context, redemption.Token)) return;
        var result = await ResolveAsync(redemption, context.RequestAborted).ConfigureAwait(false);
        if (result.Error is { } error)
        {
            await HeldEndpoints.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        var presence = Presence(result.Answer!, [LocationType.Geodetic, LocationType.Civic], civic: true, geodetic: true);
        if (pidf > heldQuality)
        {
            var buffer = new ArrayBufferWriter<byte>(2048);
            PidfLoWriter.WriteDocument(presence, buffer);
            await HeldEndpoints.WriteBodyAsync(context, buffer, HeldEndpoints.PidfContentType).ConfigureAwait(false);
            return;
        }
        await HeldEndpoints.WriteLocationResponseAsync(context, new LocationResponse { Presence = presence }).ConfigureAwait(false);
    }

    public async Task HandlePostAsync(HttpContext context, string token)
    {
        if (HeldEndpoints.CheckHttpPreconditions(context) is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }
        var redemption = Redeem(token);
        if (Refused(context, redemption.Token)) return;
        var parsed = await HeldEndpoints.ReadRequestAsync(context).ConfigureAwait(false);
        if (parsed.Error is { } parseError)
        {
            await HeldEndpoints.WriteErrorAsync(context, parseError).ConfigureAwait(false);
            return;
        }
        var request = parsed.Request!;
        if (request.Device is not null)
        {
            await HeldEndpoints.WriteErrorAsync(context, new HeldError(HeldErrorCode.RequestError,
                "A location URI is dereferenced without device identity (RFC 6753 §3.1).")).ConfigureAwait(false);
            return;
        }
        var types = request.LocationTypes;
        var any = types.Count == 0;
        if (!any && request.Exact && types.Contains(LocationType.LocationUri))
        {
            await HeldEndpoints.WriteErrorAsync(context, new HeldError(HeldErrorCode.CannotProvideLiType,
                "Dereference never issues location URIs (RFC 6753 §3.1).")).ConfigureAwait(false);
            return;
        }
        var result = await ResolveAsync(redemption, context.RequestAborted).ConfigureAwait(false);
        if (result.Error is { } error)
        {
            await HeldEndpoints.WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }
        var hasPoint = result.Answer!.Location.Point is not null;
        var civic = any || types.Contains(LocationType.Civic);
        var geodetic = (any || types.Contains(LocationType.Geodetic)) && hasPoint;
        if (!any && request.Exact && types.Contains(LocationType.Geodetic) && !hasPoint)
        {
            await HeldEndpoints.WriteErrorAsync(context, new HeldError(HeldErrorCode.CannotProvideLiType,
                "No geodetic location is known for this device.")).ConfigureAwait(false);
            return;
        }
        if (!civic && !geodetic) civic = true;
        var presence = Presence(result.Answer, types, civic, geodetic);
        await HeldEndpoints.WriteLocationResponseAsync(context, new LocationResponse { Presence = presence }).ConfigureAwait(false);
    }

    private PidfLo Presence(LocationAnswer answer, IReadOnlyList<LocationType> order, bool civic, bool geodetic)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        return held.BuildPidfLo(answer, now, civic, geodetic, order);
    }

    private (LocationToken? Token, HeldError? Error) Redeem(string token)
    {
        var failure = tokens.TryRedeem(token, expectedTenant: null, out var redeemed);
        if (failure == TokenFailure.None) return (redeemed, null);
        telemetry.Dereferences.Add(1, new KeyValuePair<string, object?>("outcome", failure.ToString()));
        var message = failure == TokenFailure.Expired ? "This location URI has expired." : "This location URI is not known.";
        return (null, new HeldError(HeldErrorCode.LocationUnknown, message));
    }

    /// <summary>Answers 401 with a challenge when the URI is reserved to a requester that this request does not authenticate as.</summary>
    private bool Refused(HttpContext context, LocationToken? token)
    {
        if (token?.Requester is not { } owner || !indexHolder.Current.TryGetTenant(token.TenantId, out var tenant)) return false;
        if (RequesterAuthenticator.Authenticate(context, tenant, out _, only: owner) == RequesterAuthResult.Authorized) return false;
        telemetry.Dereferences.Add(1, new KeyValuePair<string, object?>("outcome", "unauthorized"));
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = RequesterAuthenticator.Challenge(tenant.Tenant.Id);
        return true;
    }

    private async Task<(LocationAnswer? Answer, HeldError? Error)> ResolveAsync((LocationToken? Token, HeldError? Error) redemption, CancellationToken cancellationToken)
    {
        if (redemption.Token is not { } redeemed) return (null, redemption.Error);
        var resolution = await resolver.ResolveAsync(redeemed, cancellationToken).ConfigureAwait(false);
        telemetry.Dereferences.Add(1, new KeyValuePair<string, object?>("outcome", resolution.Error?.Code.ToString() ?? "located"));
        return resolution;
    }
}
