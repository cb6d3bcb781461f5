using System.Text;
using LocationServer.Core.Identifiers;
using LocationServer.Core.Wiremap;

namespace LocationServer.Core.Routing;

/// <summary>
/// The text a 933 test service reads to the caller: the caller ID digit by digit and the dispatchable address,
/// e.g. "Your caller ID is 5 1 2 5 5 5 0 1 0 0. Your address is 100 Congress Ave, Floor 3, Austin, TX 78701."
/// Plain text a text-to-speech engine reads without markup surprises.
/// </summary>
public static class ReadBack
{
    /// <summary>
    /// Composes the read-back for <paramref name="callerId"/> and <paramref name="address"/> (either may be absent),
    /// and, when the callback number is an emergency endpoint's, the endpoint's billing address, so a test caller hears
    /// which endpoint the carrier would see: "... Your callback number is billed to 200 Main St, Austin, TX 78701."
    /// </summary>
    public static string Compose(string? callerId, CivicAddress? address, CivicAddress? billingAddress = null)
    {
        var text = new StringBuilder(160);
        var digits = SpokenDigits(callerId);
        text.Append(digits.Length > 0 ? $"Your caller ID is {digits}." : "Your caller ID was not sent.");
        var spoken = address is null ? "" : SpokenAddress(address);
        text.Append(spoken.Length > 0 ? $" Your address is {spoken}." : " No address is on file for this phone.");
        var billing = billingAddress is null ? "" : SpokenAddress(billingAddress);
        if (billing.Length > 0) text.Append($" Your callback number is billed to {billing}.");
        return text.ToString();
    }

    /// <summary>
    /// The number's digits separated by spaces; a NANP number loses its +1 country code, as callers know
    /// their ten-digit number.
    /// </summary>
    public static string SpokenDigits(string? number)
    {
        var normalized = PhoneNumber.Normalize(number);
        if (normalized is null) return "";
        var digits = normalized.TrimStart('+');
        if (normalized.StartsWith("+1", StringComparison.Ordinal) && digits.Length == 11) digits = digits[1..];
        return string.Join(' ', digits.ToCharArray());
    }

    /// <summary>The address as it is written on signs, without the country; characters a TTS engine trips on are spelled out.</summary>
    public static string SpokenAddress(CivicAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var parts = new List<string>(8);
        var street = string.Join(' ', new[] { address.HNO, address.HNS, address.PRD, address.RD, address.STS, address.POD }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (street.Length > 0) parts.Add(street);
        if (!string.IsNullOrWhiteSpace(address.BLD)) parts.Add("Building " + address.BLD);
        if (!string.IsNullOrWhiteSpace(address.FLR)) parts.Add("Floor " + address.FLR);
        if (!string.IsNullOrWhiteSpace(address.UNIT)) parts.Add("Unit " + address.UNIT);
        if (!string.IsNullOrWhiteSpace(address.ROOM)) parts.Add("Room " + address.ROOM);
        if (!string.IsNullOrWhiteSpace(address.LOC)) parts.Add(address.LOC);
        if (!string.IsNullOrWhiteSpace(address.A3)) parts.Add(address.A3);
        var region = string.Join(' ', new[] { address.A1, address.PC }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (region.Length > 0) parts.Add(region);
        return Speakable(string.Join(", ", parts.Select(p => p.Trim())));
    }

    private static string Speakable(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            switch (c)
            {
                case '#': builder.Append(" number "); break;
                case '&': builder.Append(" and "); break;
                case '@': builder.Append(" at "); break;
                case '<' or '>' or '"' or '{' or '}' or '[' or ']' or '\\' or '|' or '*' or '_': builder.Append(' '); break;
                default:
                    builder.Append(char.IsControl(c) ? ' ' : c);
                    break;
            }
        }
        // Collapse the whitespace the substitutions leave, and a trailing period the sentence adds again.
        var collapsed = string.Join(' ', builder.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)).Replace(" ,", ",", StringComparison.Ordinal);
        return collapsed.TrimEnd('.', ' ');
    }
}
