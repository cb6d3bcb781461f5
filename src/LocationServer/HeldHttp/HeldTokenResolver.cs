using LocationServer.Locating.Held;
using LocationServer.Locating.Tokens;
using LocationServer.Routing;

namespace LocationServer.HeldHttp;

/// <summary>Redeems the location URIs the HELD side issues, for the routing service (same keys, same current-location rule).</summary>
internal sealed class HeldTokenResolver(LocationTokenService tokens, CurrentLocationResolver resolver) : ILocationTokenResolver
{
    public async ValueTask<TokenResolution> ResolveAsync(string tenant, string reference, CancellationToken cancellationToken)
    {
        var failure = tokens.TryRedeem(LocationTokenService.ExtractToken(reference), tenant, out var token);
        switch (failure)
        {
            case TokenFailure.Invalid: return TokenResolution.Failed(TokenStatus.Forged);
            case TokenFailure.Expired: return TokenResolution.Failed(TokenStatus.Expired);
            case TokenFailure.ForeignTenant: return TokenResolution.Failed(TokenStatus.ForeignTenant);
        }
        var (answer, _) = await resolver.ResolveAsync(token!, cancellationToken).ConfigureAwait(false);
        return answer is null ? TokenResolution.Failed(TokenStatus.Unknown) : TokenResolution.Resolved(answer.Location, answer.Method, token!.Evidence.DeviceMac, token.DeviceKey);
    }
}
