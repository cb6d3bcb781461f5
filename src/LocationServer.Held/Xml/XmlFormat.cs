using System.Globalization;
using System.Text;
using System.Xml;

namespace LocationServer.Held.Xml;

/// <summary>Shared XML reading and writing settings and value formats.</summary>
internal static class XmlFormat
{
    /// <summary>Deepest element nesting accepted in a request.</summary>
    public const int MaxDepth = 64;

    public static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = false,
        OmitXmlDeclaration = false,
        CloseOutput = false,
        NamespaceHandling = NamespaceHandling.OmitDuplicates,
    };

    /// <summary>Hardened reader settings: no DTD, no resolver, size-capped, comments and PIs ignored.</summary>
    public static XmlReaderSettings ReaderSettings(long maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxCharacters,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = true,
    };

    /// <summary>UTC with 'Z' and whole seconds (RFC 5985 §6.5.2).</summary>
    public static string DateTime(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>xs:double lexical form, invariant culture, round-trip.</summary>
    public static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
