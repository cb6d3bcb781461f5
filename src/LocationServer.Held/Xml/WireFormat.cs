using System.Globalization;
using System.Text;
using System.Xml;

namespace LocationServer.Held.Xml;

/// <summary>Shared reader/writer settings and lexical helpers for all wire formats in this project.</summary>
internal static class WireFormat
{
    /// <summary>Element nesting deeper than this is rejected as hostile.</summary>
    public const int MaxDepth = 64;

    public static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(false),
        Indent = false,
        CloseOutput = false,
        OmitXmlDeclaration = false,
        NewLineHandling = NewLineHandling.Replace,
    };

    private static readonly XmlWriterSettings FragmentWriterSettings = new()
    {
        Encoding = new UTF8Encoding(false),
        Indent = false,
        CloseOutput = false,
        OmitXmlDeclaration = true,
        ConformanceLevel = ConformanceLevel.Document,
    };

    private static readonly XmlReaderSettings DefaultReaderSettings = CreateReaderSettings(64 * 1024);

    /// <summary>Forward-only reader settings: no DTD, no resolver, capped size; comments and PIs dropped.</summary>
    public static XmlReaderSettings ReaderSettings(int maxCharacters) =>
        maxCharacters == 64 * 1024 ? DefaultReaderSettings : CreateReaderSettings(maxCharacters);

    private static XmlReaderSettings CreateReaderSettings(int maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxCharacters,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
        ValidationType = ValidationType.None,
    };

    public static XmlWriter CreateWriter(Stream output, bool declaration = true) =>
        XmlWriter.Create(output, declaration ? WriterSettings : FragmentWriterSettings);

    /// <summary>RFC 5985 §6.5.2: UTC with a "Z" suffix, whole seconds.</summary>
    public static string FormatUtc(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>xs:double lexical form, shortest round-trip, invariant culture.</summary>
    public static string FormatDouble(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static readonly string[] DateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ssK",
    ];

    /// <summary>Parses an xs:dateTime; a value without a zone is taken as UTC (RFC 7105 examples carry none).</summary>
    public static bool TryParseDateTime(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(text.Trim(), DateTimeFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    /// <summary>xs:boolean: true, false, 1, 0 (surrounding whitespace collapses).</summary>
    public static bool TryParseBoolean(string text, out bool value)
    {
        switch (text.Trim())
        {
            case "true" or "1": value = true; return true;
            case "false" or "0": value = false; return true;
            default: value = false; return false;
        }
    }

    /// <summary>Parses an xs:double lexical value (invariant, no thousands separators).</summary>
    public static bool TryParseDouble(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>Collapses whitespace the way xs:token does.</summary>
    public static string CollapseWhitespace(string text)
    {
        var trimmed = text.AsSpan().Trim();
        var needsWork = false;
        for (var i = 1; i < trimmed.Length; i++)
        {
            if (char.IsWhiteSpace(trimmed[i]) && (trimmed[i] != ' ' || char.IsWhiteSpace(trimmed[i - 1])))
            {
                needsWork = true;
                break;
            }
        }
        if (!needsWork) return trimmed.Length == text.Length ? text : trimmed.ToString();
        var sb = new StringBuilder(trimmed.Length);
        var lastSpace = false;
        foreach (var c in trimmed)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!lastSpace) sb.Append(' ');
                lastSpace = true;
            }
            else
            {
                sb.Append(c);
                lastSpace = false;
            }
        }
        return sb.ToString();
    }

    /// <summary>Replaces characters XML 1.0 cannot carry with U+FFFD so a writer never throws on caller text.</summary>
    public static string XmlSafe(string text)
    {
        var i = 0;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (XmlConvert.IsXmlChar(c)) continue;
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c)) { i++; continue; }
            break;
        }
        if (i == text.Length) return text;
        var sb = new StringBuilder(text.Length);
        for (var j = 0; j < text.Length; j++)
        {
            var c = text[j];
            if (XmlConvert.IsXmlChar(c)) sb.Append(c);
            else if (j + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[j + 1], c)) { sb.Append(c).Append(text[j + 1]); j++; }
            else sb.Append('\uFFFD');
        }
        return sb.ToString();
    }

    /// <summary>Makes a valid xs:ID (an NCName): invalid characters become '_', a bad first character gets a prefix.</summary>
    public static string ToXmlId(string? candidate, string prefix)
    {
        if (string.IsNullOrEmpty(candidate)) return prefix;
        var valid = XmlConvert.IsStartNCNameChar(candidate[0]);
        for (var i = 1; valid && i < candidate.Length; i++) valid = XmlConvert.IsNCNameChar(candidate[i]);
        if (valid) return candidate;
        var sb = new StringBuilder(candidate.Length + prefix.Length);
        if (!XmlConvert.IsStartNCNameChar(candidate[0])) sb.Append(prefix);
        foreach (var c in candidate) sb.Append(XmlConvert.IsNCNameChar(c) ? c : '_');
        return sb.ToString();
    }

    /// <summary>True for a valid xs:ID / NCName.</summary>
    public static bool IsXmlId(string? value)
    {
        if (string.IsNullOrEmpty(value) || !XmlConvert.IsStartNCNameChar(value[0])) return false;
        foreach (var c in value.AsSpan(1))
            if (!XmlConvert.IsNCNameChar(c)) return false;
        return true;
    }

    /// <summary>True for an xs:NMTOKEN.</summary>
    public static bool IsNmToken(string? value)
    {
        if (string.IsNullOrEmpty(value)) return false;
        foreach (var c in value)
            if (!XmlConvert.IsNCNameChar(c) && c != ':') return false;
        return true;
    }
}
