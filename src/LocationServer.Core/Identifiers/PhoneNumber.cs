namespace LocationServer.Core.Identifiers;

/// <summary>Telephone number normalisation for DIDs, ECBNs and ELINs.</summary>
public static class PhoneNumber
{
    /// <summary>
    /// Normalises "tel:+1-512-555-0100", "sip:+15125550100@host;user=phone", "+1 (512) 555-0100",
    /// "15125550100" and NANP "5125550100" to E.164 "+15125550100". Short codes of 3-6 digits ("911", "933")
    /// stay as dialed; 12-15 digits without '+' are taken as international E.164. Returns null when no number is
    /// found, and for numbers that cannot be placed without guessing (7-9 digits, or 10-11 digits that are not NANP).
    /// </summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var span = text.AsSpan().Trim();
        // Tolerate a display-name form: "Alice" <sip:+1...@host>
        var lt = span.IndexOf('<');
        if (lt >= 0)
        {
            var gt = span[(lt + 1)..].IndexOf('>');
            span = (gt < 0 ? span[(lt + 1)..] : span.Slice(lt + 1, gt)).Trim();
        }
        if (span.StartsWith("tel:", StringComparison.OrdinalIgnoreCase)) span = span[4..];
        else if (span.StartsWith("sips:", StringComparison.OrdinalIgnoreCase)) span = span[5..];
        else if (span.StartsWith("sip:", StringComparison.OrdinalIgnoreCase)) span = span[4..];
        var end = span.IndexOfAny('@', ';');
        if (end >= 0) span = span[..end];
        Span<char> digits = stackalloc char[16];
        var count = 0;
        var plus = false;
        foreach (var c in span)
        {
            if (c is >= '0' and <= '9')
            {
                if (count == 15) return null;
                digits[count++] = c;
            }
            else if (c == '+' && count == 0) plus = true;
            else if (c is '-' or '.' or ' ' or '(' or ')') continue;
            else return null;
        }
        if (count < 3) return null;
        if (!plus)
        {
            // Emergency and short codes stay as dialed; 10-digit NANP numbers get +1.
            if (count <= 6) return new string(digits[..count]);
            // NANP area codes start 2-9 (the leading digit of a 10-digit number, after the 1 of an 11-digit one).
            if (count == 10 && digits[0] >= '2') return "+1" + new string(digits[..count]);
            if (count == 11 && digits[0] == '1' && digits[1] >= '2') return "+" + new string(digits[..count]);
            if (count < 12) return null;
        }
        else if (count < 7)
        {
            return null;
        }
        return "+" + new string(digits[..count]);
    }
}
