using System.Text;
using LocationServer.Cli;
using LocationServer.Locating.Imports;

namespace LocationServer.Tests.Imports;

/// <summary>Reading CSV files as administrators' tools write them, and the import options of the command line.</summary>
public sealed class CsvTableTests
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Imports", "Fixtures", name));

    [Fact]
    public void Read_WindowsPowerShellExport_SkipsBomAndTypeLineAndCountsLinesAsAnEditor()
    {
        var errors = new List<string>();

        var table = CsvTable.Read(Fixture("sfb-port.csv"), errors);

        Assert.Empty(errors);
        Assert.NotNull(table);
        Assert.Equal(2, table.HeaderLine);
        Assert.Equal("ChassisID", table.Headers[0]);
        Assert.Equal([3, 4, 5, 6, 7], table.Rows.Select(r => r.Line));
        Assert.Equal("Desk \"hot\" seat, 3rd floor", table.Get(table.Rows[1], "description"));
        Assert.Null(table.Get(table.Rows[0], "HouseNumberSuffix"));
    }

    [Fact]
    public void Read_Utf16WithBom_ReadsTheSameTable()
    {
        var text = Encoding.UTF8.GetString(Fixture("sfb-switch.csv")).TrimStart('\uFEFF');
        var errors = new List<string>();

        var table = CsvTable.Read([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)], errors);

        Assert.Empty(errors);
        Assert.Equal("w2-sw2 (2nd floor)", table!.Get(table.Rows[0], "Description"));
    }

    [Fact]
    public void Read_Windows1252Bytes_RefusedAsNotUtf8()
    {
        // "Café" saved by a tool that does not write UTF-8: 0xE9 alone is not UTF-8.
        byte[] bytes = [.. Encoding.ASCII.GetBytes("Subnet,Description\r\n10.1.0.0,Caf"), 0xE9, .. Encoding.ASCII.GetBytes("\r\n")];
        var errors = new List<string>();

        Assert.Null(CsvTable.Read(bytes, errors));
        Assert.Contains("not UTF-8", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_QuotedLineBreakThenExtraField_ErrorNamesTheRecordsFirstLine()
    {
        var csv = "Subnet,Description\n10.1.0.0,\"two\nlines\"\n10.2.0.0,ok,extra\n";
        var errors = new List<string>();

        Assert.Null(CsvTable.Read(Encoding.UTF8.GetBytes(csv), errors));
        Assert.Equal("line 4: 3 fields but the header names 2 columns", Assert.Single(errors));
    }

    [Fact]
    public void Parse_CsvImportOptions_SeparateFromSettings()
    {
        var command = CommandLine.Parse(["import", "--format", "sfb-port", "--tenant=demo", "--dry-run", "ports.csv", "--Storage:SqlitePath=x.db"]);

        Assert.Null(command.Refusal);
        Assert.Equal(["ports.csv"], command.Operands);
        Assert.Equal(["--Storage:SqlitePath=x.db"], command.Settings);
        Assert.Equal("sfb-port", command.Options["--format"]);
        Assert.Equal("demo", command.Options["--tenant"]);
        Assert.True(command.Options.ContainsKey("--dry-run"));
    }

    [Theory]
    [InlineData("import --format sfb-port ports.csv", "--tenant")]
    [InlineData("migrate --dry-run", "no option --dry-run")]
    [InlineData("import --dry-run=yes w.json", "takes no value")]
    public void Parse_MisusedImportOptions_Refused(string line, string reason)
    {
        var command = CommandLine.Parse(line.Split(' '));

        Assert.NotNull(command.Refusal);
        Assert.Contains(reason, command.Refusal, StringComparison.Ordinal);
    }
}
