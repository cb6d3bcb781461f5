using System.Diagnostics;
using System.Text;
using LocationServer.Held.Tests.Support;

namespace LocationServer.Held.Tests;

/// <summary>Hostile and broken bodies: each yields the right HELD error value, quickly, without an exception.</summary>
public class HostileXmlTests
{
    private static HeldError ParseFails(byte[] body, HeldErrorCode expected)
    {
        var watch = Stopwatch.StartNew();
        var result = HeldRequestReader.Parse(body);
        watch.Stop();
        Assert.False(result.IsSuccess);
        Assert.Equal(expected, result.Error.Code);
        Assert.False(string.IsNullOrWhiteSpace(result.Error.Message));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        return result.Error;
    }

    [Fact]
    public void Xxe_ExternalEntityToEtcPasswd_IsXmlErrorAndNotExpanded()
    {
        var body = TestFiles.Utf8(
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" +
            $"<locationRequest xmlns=\"{TestFiles.HeldNs}\"><device xmlns=\"urn:ietf:params:xml:ns:geopriv:held:id\"><uri>&xxe;</uri></device></locationRequest>");
        var error = ParseFails(body, HeldErrorCode.XmlError);
        Assert.DoesNotContain("root:", error.Message);
        Assert.Contains("DTD", error.Message);
    }

    [Fact]
    public void BillionLaughs_IsXmlError()
    {
        var sb = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (var i = 1; i < 10; i++)
            sb.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{(i == 1 ? "" : (i - 1).ToString(System.Globalization.CultureInfo.InvariantCulture))};", 10))}\">");
        sb.Append($"]><locationRequest xmlns=\"{TestFiles.HeldNs}\">&lol9;</locationRequest>");
        ParseFails(TestFiles.Utf8(sb.ToString()), HeldErrorCode.XmlError);
    }

    [Fact]
    public void InternalDtdWithoutEntities_IsXmlError()
    {
        ParseFails(TestFiles.Utf8($"<!DOCTYPE locationRequest><locationRequest xmlns=\"{TestFiles.HeldNs}\"/>"), HeldErrorCode.XmlError);
    }

    [Fact]
    public void OneMegabyteBody_IsXmlErrorWithBoundedAllocation()
    {
        var padding = new string(' ', 1024 * 1024);
        var body = TestFiles.Utf8($"<locationRequest xmlns=\"{TestFiles.HeldNs}\">{padding}</locationRequest>");
        HeldRequestReader.Parse(TestFiles.Vector("rfc5985-10.2-request.xml")); // warm up
        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = ParseFails(body, HeldErrorCode.XmlError);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("exceeds", error.Message);
        Assert.True(allocated < 2 * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void OneMegabyteStream_IsXmlErrorWithBoundedAllocation()
    {
        var body = TestFiles.Utf8($"<locationRequest xmlns=\"{TestFiles.HeldNs}\">{new string('x', 1024 * 1024)}</locationRequest>");
        using var stream = new MemoryStream(body);
        HeldRequestReader.Parse(new MemoryStream(TestFiles.Vector("rfc5985-10.2-request.xml")));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = HeldRequestReader.Parse(stream);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(HeldErrorCode.XmlError, result.Error!.Code);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes");
        Assert.True(stream.Position <= 65 * 1024, "the reader kept reading past the cap");
    }

    [Fact]
    public void ThousandDeepNesting_IsXmlError()
    {
        var open = string.Concat(Enumerable.Repeat("<x:n xmlns:x=\"urn:example:n\">", 1000));
        var close = string.Concat(Enumerable.Repeat("</x:n>", 1000));
        var error = ParseFails(TestFiles.Request(open + close), HeldErrorCode.XmlError);
        Assert.Contains("nesting", error.Message);
    }

    [Fact]
    public void NestingJustUnderCap_IsAccepted()
    {
        var open = string.Concat(Enumerable.Repeat("<x:n xmlns:x=\"urn:example:n\">", 60));
        var close = string.Concat(Enumerable.Repeat("</x:n>", 60));
        Assert.True(HeldRequestReader.Parse(TestFiles.Request(open + close)).IsSuccess);
    }

    [Fact]
    public void Utf16Body_IsXmlError()
    {
        var xml = $"<?xml version=\"1.0\" encoding=\"UTF-16\"?><locationRequest xmlns=\"{TestFiles.HeldNs}\"/>";
        var body = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(xml)).ToArray();
        var error = ParseFails(body, HeldErrorCode.XmlError);
        Assert.Contains("UTF-8", error.Message);
    }

    [Fact]
    public void Utf16BodyWithoutBom_IsXmlError()
    {
        var body = Encoding.BigEndianUnicode.GetBytes($"<locationRequest xmlns=\"{TestFiles.HeldNs}\"/>");
        ParseFails(body, HeldErrorCode.XmlError);
    }

    [Theory]
    [InlineData("ISO-8859-1")]
    [InlineData("UTF-16")]
    [InlineData("windows-1252")]
    public void WrongEncodingDeclaration_IsXmlError(string encoding)
    {
        var body = TestFiles.Utf8($"<?xml version=\"1.0\" encoding=\"{encoding}\"?><locationRequest xmlns=\"{TestFiles.HeldNs}\"/>");
        var error = ParseFails(body, HeldErrorCode.XmlError);
        Assert.Contains(encoding, error.Message);
    }

    [Fact]
    public void InvalidUtf8Bytes_IsXmlError()
    {
        var body = TestFiles.Request("<x xmlns=\"urn:example:x\">AB</x>");
        var index = Array.IndexOf(body, (byte)'A');
        body[index] = 0xC3;
        body[index + 1] = 0x28;
        ParseFails(body, HeldErrorCode.XmlError);
    }

    [Theory]
    [InlineData("<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"><locationType>civic")]
    [InlineData("<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\">")]
    [InlineData("<locationRequest xmlns=\"urn:ietf:params:xml:ns:geopriv:held\"></locationResponse>")]
    [InlineData("<other xmlns=\"urn:example:x\"><a>")]
    public void TruncatedXml_IsXmlError(string xml)
    {
        ParseFails(TestFiles.Utf8(xml), HeldErrorCode.XmlError);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("hello, this is not XML")]
    [InlineData("{\"locationRequest\": {}}")]
    [InlineData("<!-- only a comment -->")]
    public void EmptyOrGarbage_IsXmlError(string text)
    {
        ParseFails(TestFiles.Utf8(text), HeldErrorCode.XmlError);
    }

    [Fact]
    public void RandomBinary_IsXmlError()
    {
        var random = new Random(5985);
        for (var i = 0; i < 50; i++)
        {
            var body = new byte[random.Next(1, 2048)];
            random.NextBytes(body);
            var result = HeldRequestReader.Parse(body);
            Assert.False(result.IsSuccess);
            Assert.Equal(HeldErrorCode.XmlError, result.Error.Code);
        }
    }
}
