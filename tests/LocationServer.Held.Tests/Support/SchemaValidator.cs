using System.Xml;
using System.Xml.Schema;

namespace LocationServer.Held.Tests.Support;

/// <summary>
/// Validates documents against the kit's XSD driver (Schemas/validation/all.xsd), offline. The W3C xml.xsd URL is
/// mapped to the same local file the driver imports, so XmlSchemaSet loads it once (digest gotcha 1).
/// </summary>
internal static class SchemaValidator
{
    private static readonly Lazy<XmlSchemaSet> Set = new(Build);

    public static IReadOnlyList<string> Validate(byte[] document)
    {
        var errors = new List<string>();
        var settings = new XmlReaderSettings
        {
            ValidationType = ValidationType.Schema,
            Schemas = Set.Value,
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
        };
        settings.ValidationEventHandler += (_, e) =>
        {
            if (e.Severity == XmlSeverityType.Error) errors.Add($"{e.Exception.LineNumber}:{e.Exception.LinePosition} {e.Message}");
        };
        using var reader = XmlReader.Create(new MemoryStream(document), settings);
        while (reader.Read())
        {
        }
        return errors;
    }

    public static void AssertValid(byte[] document)
    {
        var errors = Validate(document);
        Assert.True(errors.Count == 0, string.Join("\n", errors) + "\n" + System.Text.Encoding.UTF8.GetString(document));
    }

    private static XmlSchemaSet Build()
    {
        var resolver = new LocalResolver();
        var set = new XmlSchemaSet { XmlResolver = resolver };
        var driver = Path.Combine(TestFiles.SchemaDirectory, "validation", "all.xsd");
        using (var reader = XmlReader.Create(driver, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore, XmlResolver = resolver }))
        {
            set.Add(null, reader);
        }
        set.Compile();
        return set;
    }

    private sealed class LocalResolver : XmlUrlResolver
    {
        private const string W3cXmlXsd = "http://www.w3.org/2001/xml.xsd";

        public override Uri ResolveUri(Uri? baseUri, string? relativeUri)
        {
            if (relativeUri == W3cXmlXsd) return new Uri(Path.Combine(TestFiles.SchemaDirectory, "xml.xsd"));
            return base.ResolveUri(baseUri, relativeUri);
        }

        public override object? GetEntity(Uri absoluteUri, string? role, Type? ofObjectToReturn)
        {
            if (!absoluteUri.IsFile) throw new InvalidOperationException($"Schema resolution tried the network: {absoluteUri}");
            if (absoluteUri.AbsolutePath.EndsWith(".dtd", StringComparison.Ordinal)) return new MemoryStream();
            return base.GetEntity(absoluteUri, role, ofObjectToReturn);
        }
    }
}
