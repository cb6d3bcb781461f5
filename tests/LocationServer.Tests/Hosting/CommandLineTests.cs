using LocationServer.Cli;

namespace LocationServer.Tests.Hosting;

/// <summary>How the process's arguments split into a command, its operands and the host's settings.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("import w.json --Storage:SqlitePath=x.db")]
    [InlineData("--Storage:SqlitePath=x.db import w.json")]
    [InlineData("--Storage:SqlitePath x.db import w.json")]
    [InlineData("import --Storage:SqlitePath=x.db w.json")]
    public void Parse_SettingsAnywhere_CommandOperandsAndSettingsApart(string line)
    {
        var command = CommandLine.Parse(line.Split(' '));

        Assert.Null(command.Refusal);
        Assert.Equal("import", command.Verb);
        Assert.Equal(["w.json"], command.Operands);
        Assert.Contains(string.Join(' ', command.Settings), (string[])["--Storage:SqlitePath=x.db", "--Storage:SqlitePath x.db"]);
    }

    [Fact]
    public void Parse_ServerStartWithSpacedValues_AllArgumentsAreSettings()
    {
        string[] args = ["--urls", "http://127.0.0.1:9", "--contentRoot=/srv/lis", "--Held:DefaultTenant", "demo"];

        var command = CommandLine.Parse(args);

        Assert.False(command.IsCommand);
        Assert.Null(command.Refusal);
        Assert.Equal(args, command.Settings);
    }

    [Fact]
    public void Parse_PathOperandStartingWithSlash_IsAnOperandNotASetting()
    {
        var command = CommandLine.Parse(["validate", "/tmp/w.json", "--Admin:MaxWiremapBytes=2000000"]);

        Assert.Equal(["/tmp/w.json"], command.Operands);
        Assert.Equal(["--Admin:MaxWiremapBytes=2000000"], command.Settings);
    }

    [Theory]
    [InlineData("serve", "unknown command 'serve'")]
    [InlineData("export", "'export' needs an argument")]
    [InlineData("export demo a.json b.json", "unexpected argument 'b.json' after 'export'")]
    [InlineData("migrate -e Production", "unknown option '-e'")]
    [InlineData("migrate --Storage:SqlitePath", "the setting --Storage:SqlitePath has no value")]
    public void Parse_UnknownCommandOrArgument_Refused(string line, string reason)
    {
        var command = CommandLine.Parse(line.Split(' '));

        Assert.StartsWith(reason, command.Refusal, StringComparison.Ordinal);
        Assert.False(command.IsCommand);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("migrate --help")]
    public void Parse_Help_AsksForUsage(string line) => Assert.True(CommandLine.Parse(line.Split(' ')).Help);
}
