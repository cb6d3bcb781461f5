using System.Text;
using LocationServer.Data.Wiremap;

namespace LocationServer.Data.Tests.Wiremap;

public sealed class WiremapJsonTests
{
    private static WiremapImportResult Read(string json) => WiremapJson.Read(new MemoryStream(Encoding.UTF8.GetBytes(json)));

    private const string Minimal = """
        {
          "tenant": { "id": "acme", "name": "Acme" },
          "sites": [
            { "id": "aus", "name": "Austin", "address": { "country": "US", "A1": "TX", "A3": "Austin", "RD": "Congress", "HNO": "100", "PC": "78701" } }
          ],
          "locations": [ { "id": "aus-3", "siteId": "aus", "floor": "3" } ],
          "elements": [
            { "kind": "bssid", "value": "00:11:22:33:44:55", "locationId": "aus-3" },
            { "kind": "subnet", "value": "10.1.3.0/24", "locationId": "aus-3" }
          ],
          "dids": [],
          "requesters": []
        }
        """;

    [Fact]
    public void Read_DocumentedExample_IsValidAndEqualsTheSample()
    {
        var markdown = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "wiremap-format.md"));
        var start = markdown.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        var end = markdown.IndexOf("```", start, StringComparison.Ordinal);
        var result = Read(markdown[start..end]);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(Samples.Canonical(Samples.Wiremap("acme")), Samples.Canonical(result.Wiremap!));
    }

    [Fact]
    public void Read_InvalidUtf8InAString_IsALinePreciseError()
    {
        var bytes = Encoding.UTF8.GetBytes(Minimal.Replace("\"Congress\"", "\"Cong#ress\"", StringComparison.Ordinal));
        bytes[Array.IndexOf(bytes, (byte)'#')] = 0xC3; // a lead byte followed by 'r': not UTF-8
        var result = WiremapJson.Read(new MemoryStream(bytes));
        var error = Assert.Single(result.Errors);
        Assert.Equal(4, error.Line);
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EscapedLoneSurrogate_IsALinePreciseError()
    {
        var result = Read(Minimal.Replace("\"floor\": \"3\"", "\"floor\": \"3\\ud800\"", StringComparison.Ordinal));
        var error = Assert.Single(result.Errors);
        Assert.Equal(6, error.Line);
        Assert.Contains("surrogate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InvalidUtf8InAPropertyName_IsALinePreciseError()
    {
        var bytes = Encoding.UTF8.GetBytes(Minimal.Replace("\"dids\"", "\"di#s\"", StringComparison.Ordinal));
        bytes[Array.IndexOf(bytes, (byte)'#')] = 0xFF;
        var error = Assert.Single(WiremapJson.Read(new MemoryStream(bytes)).Errors);
        Assert.Equal(11, error.Line);
    }

    [Fact]
    public void Read_MinimalDocument_Succeeds()
    {
        var result = Read(Minimal);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(2, result.Wiremap!.Elements.Count);
        Assert.Equal("Congress", result.Wiremap.Sites[0].Address.RD);
    }

    [Fact]
    public void Read_MissingComma_ReportsSyntaxErrorWithLineAndColumn()
    {
        var json = "{\n  \"tenant\": { \"id\": \"acme\" \"name\": \"Acme\" }\n}";
        var error = Assert.Single(Read(json).Errors);
        Assert.Equal(2, error.Line);
        Assert.Equal(28, error.Column);
        Assert.Equal("", error.Path);
        Assert.StartsWith("line 2, column 28: invalid JSON", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TruncatedDocument_ReportsSyntaxError()
    {
        var result = Read(Minimal[..(Minimal.Length / 2)]);
        Assert.Null(result.Wiremap);
        Assert.Single(result.Errors);
        Assert.Contains("invalid JSON", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BadMac_ReportsLineColumnAndPathAndNoWiremap()
    {
        var json = Minimal.Replace("\"00:11:22:33:44:55\"", "\"00:11:22:33:44\"", StringComparison.Ordinal);
        var result = Read(json);
        Assert.Null(result.Wiremap);
        var error = Assert.Single(result.Errors);
        Assert.Equal(8, error.Line);
        Assert.Equal(33, error.Column);
        Assert.Equal("/elements/0/value", error.Path);
        Assert.Equal("line 8, column 33: /elements/0/value: '00:11:22:33:44' is not a MAC address (BSSID)", error.ToString());
    }

    [Fact]
    public void Read_MultipleValidationErrors_AreAllReportedInDocumentOrder()
    {
        var json = Minimal
            .Replace("\"A1\": \"TX\"", "\"A1\": \"US-TX\"", StringComparison.Ordinal)
            .Replace("\"siteId\": \"aus\"", "\"siteId\": \"nowhere\"", StringComparison.Ordinal)
            .Replace("10.1.3.0/24", "10.1.3.1/24", StringComparison.Ordinal);
        var errors = Read(json).Errors;
        Assert.Equal(["/sites/0/address/A1", "/locations/0/siteId", "/elements/1/value"], errors.Select(e => e.Path));
        Assert.Equal([4, 6, 9], errors.Select(e => e.Line));
        Assert.Contains("'TX'", errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingRequiredValue_PointsAtEnclosingObject()
    {
        var json = Minimal.Replace("\"id\": \"aus-3\", ", "", StringComparison.Ordinal);
        var error = Read(json).Errors[0];
        Assert.Equal("/locations/0/id", error.Path);
        Assert.Equal("is required", error.Message);
        Assert.Equal(6, error.Line);
        Assert.Equal(18, error.Column);
    }

    [Fact]
    public void Read_CrLfAndBom_CountLinesAndColumnsTheSame()
    {
        var json = Minimal.Replace("\"00:11:22:33:44:55\"", "\"zz\"", StringComparison.Ordinal).ReplaceLineEndings("\r\n");
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(json)).ToArray();
        var error = Assert.Single(WiremapJson.Read(new MemoryStream(bytes)).Errors);
        Assert.Equal((8, 33), (error.Line, error.Column));
    }

    [Fact]
    public void Read_NonAsciiBeforeError_CountsColumnsInCharacters()
    {
        var json = "{\"tenant\":{\"id\":\"acme\",\"name\":\"Ünïcödé\"},\"elements\":[{\"kind\":\"bssid\",\"value\":\"x\",\"locationId\":\"a\"}]}";
        var error = Read(json).Errors.First(e => e.Path == "/elements/0/value");
        Assert.Equal(1, error.Line);
        Assert.Equal(json.IndexOf("\"x\"", StringComparison.Ordinal) + 1, error.Column);
    }

    [Fact]
    public void Read_UnknownPropertyAndWrongType_AreShapeErrors()
    {
        var json = Minimal
            .Replace("\"floor\": \"3\"", "\"floor\": 3", StringComparison.Ordinal)
            .Replace("\"PC\": \"78701\"", "\"PC\": \"78701\", \"zip\": \"78701\"", StringComparison.Ordinal);
        var errors = Read(json).Errors;
        Assert.Contains(errors, e => e.Path == "/sites/0/address/zip" && e.Message.Contains("RFC 5139", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "/locations/0/floor" && e.Message == "expected a string");
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void Read_LowerCaseCivicKey_SuggestsTheRfcName()
    {
        var json = Minimal.Replace("\"RD\"", "\"rd\"", StringComparison.Ordinal);
        Assert.Contains(Read(json).Errors, e => e.Path == "/sites/0/address/rd" && e.Message.Contains("'RD'", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_RequesterWithApiKey_IsRejected()
    {
        var json = Minimal.Replace("\"requesters\": []", "\"requesters\": [ { \"name\": \"cs\", \"key\": \"hunter2\" } ]", StringComparison.Ordinal);
        var errors = Read(json).Errors;
        Assert.Contains(errors, e => e.Path == "/requesters/0/key" && e.Message.Contains("keySha256", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_DuplicateProperty_IsRejected()
    {
        var json = Minimal.Replace("\"floor\": \"3\"", "\"floor\": \"3\", \"floor\": \"4\"", StringComparison.Ordinal);
        var error = Assert.Single(Read(json).Errors);
        Assert.Contains("appears twice", error.Message, StringComparison.Ordinal);
        Assert.Equal(6, error.Line);
    }

    [Fact]
    public void Read_UnknownKind_IsReportedAtKind()
    {
        var json = Minimal.Replace("\"kind\": \"subnet\"", "\"kind\": \"vlan\"", StringComparison.Ordinal);
        var error = Assert.Single(Read(json).Errors);
        Assert.Equal("/elements/1/kind", error.Path);
        Assert.Equal((9, 15), (error.Line, error.Column));
    }

    [Fact]
    public void Read_NotAnObject_IsRejected()
    {
        Assert.False(Read("[]").Succeeded);
        Assert.False(Read("").Succeeded);
        Assert.False(Read("{} {}").Succeeded);
    }

    [Fact]
    public void WriteThenRead_Sample_RoundTripsEqual()
    {
        var original = Samples.Wiremap();
        using var buffer = new MemoryStream();
        WiremapJson.Write(buffer, original);
        buffer.Position = 0;
        var result = WiremapJson.Read(buffer);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var read = result.Wiremap!;
        Assert.Equal(Samples.Canonical(original), Samples.Canonical(read));
        Assert.Equal(original.Tenant, read.Tenant);
        Assert.Equal(original.Sites[0], read.Sites[0] with { });
        Assert.Equal(original.Locations[0].Elins, read.Locations[0].Elins);
        Assert.Equal(original.Elements, read.Elements);
        Assert.Equal(original.Dids, read.Dids);
        Assert.Equal(original.Requesters[1], read.Requesters[1]);
        Assert.Equal(original.Requesters[0].SourceCidrs, read.Requesters[0].SourceCidrs);
        Assert.DoesNotContain("\"key\"", Samples.Canonical(original), StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "LocationServer.sln")) || Directory.Exists(Path.Combine(directory.FullName, "docs")))
                return directory.FullName;
        throw new InvalidOperationException("repository root not found from " + AppContext.BaseDirectory);
    }
}
