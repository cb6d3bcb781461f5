namespace LocationServer.Core.Identifiers;

/// <summary>Telephone number normalisation for DIDs, ECBNs and ELINs.</summary>
public static class PhoneNumber
{
    /// <summary>
    /// Normalises "tel:+1-512-555-0100", "sip:+15125550100@host;user=phone", "+1 (512) 555-0100",
    /// "15125550100" and NANP "5125550100" to E.164 "+15125550100". Returns null when no number is found.
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
            span = gt < 0 ? span[(lt + 1)..] : span.Slice(lt + 1, gt);
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
            if (count == 10) return "+1" + new string(digits[..count]);
            if (count == 11 && digits[0] == '1') return "+" + new string(digits[..count]);
            if (count <= 6) return new string(digits[..count]);
        }
        return "+" + new string(digits[..count]);
    }
}
