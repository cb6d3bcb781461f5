using LocationServer.Core.Matching;
using LocationServer.Held;
using LocationServer.Locating.Tokens;

namespace LocationServer.Locating.Held;

/// <summary>
/// The current location of the device a token stands for: its latest network report when newer than the token and
/// sent from the address the token was issued to, else the evidence sealed in the token, matched against the wiremap in force now; a DID token by its number.
/// </summary>
internal sealed class CurrentLocationResolver(WiremapIndexHolder indexHolder, DeviceReportQueue reports, NomadicAddressService nomadic)
{
    public async Task<(LocationAnswer? Answer, HeldError? Error)> ResolveAsync(LocationToken token, CancellationToken cancellationToken)
    {
        if (!indexHolder.Current.TryGetTenant(token.TenantId, out var tenant))
            return (null, new HeldError(HeldErrorCode.LocationUnknown, "This location URI is not known."));
        if (token.DeviceKey.StartsWith("did:", StringComparison.Ordinal))
        {
            return tenant.TryGetDid(token.DeviceKey[4..], out var did)
                ? (new LocationAnswer(did.Location, MatchRule.None, EvidenceField.None, "Manual", "lis", "DID " + did.Number), null)
                : (null, new HeldError(HeldErrorCode.LocationUnknown, "No location is known for this number any more."));
        }
        var latest = await reports.GetAsync(tenant.Tenant.Id, token.DeviceKey, cancellationToken, newerThan: token.IssuedAt).ConfigureAwait(false);
        // A URI follows its device only while the device speaks from the address the URI was issued to: a report from
        // elsewhere, even one believed for the same MAC after its binding moved, never redirects an issued URI.
        if (latest is not null && token.Evidence.SourceAddress is { } issuedTo && !issuedTo.Equals(latest.SourceAddress)) latest = null;
        var evidence = latest ?? token.Evidence;
        var match = tenant.Match(evidence);
        if (match.OffPremises) return (null, new HeldError(HeldErrorCode.NotLocatable, "The device is now on a network this server cannot locate."));
        if (match.Found) return (LocationAnswer.FromMatch(match), null);
        if (NetworkFingerprint.From(evidence) is { } fingerprint &&
            await nomadic.FindAsync(tenant.Tenant.Id, token.DeviceKey, fingerprint, cancellationToken).ConfigureAwait(false) is { } manual)
            return (manual, null);
        return (null, new HeldError(HeldErrorCode.LocationUnknown, "The device cannot be located now."));
    }
}
