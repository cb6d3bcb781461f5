using LocationServer.Core.Matching;

namespace LocationServer.Locating.Held;

/// <summary>How a location was found, for the PIDF-LO method and source labels and for the audit record.</summary>
internal sealed record LocationAnswer(
    ResolvedLocation Location,
    MatchRule Rule,
    EvidenceField Evidence,
    string Method,
    string Source,
    string? ElementDescription)
{
    /// <summary>RFC 4119 method token and RFC 7105 source label for a wiremap match.</summary>
    public static LocationAnswer FromMatch(MatchResult match)
    {
        // Anything but the address the network itself saw rests on device-reported data (RFC 7105 §4.4).
        var source = match.Evidence == EvidenceField.SourceAddress ? "lis" : "lis device";
        return new LocationAnswer(match.Location!, match.Rule, match.Evidence, "Wiremap", source, match.Element?.Description);
    }
}
