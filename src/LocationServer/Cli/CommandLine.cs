namespace LocationServer.Cli;

/// <summary>
/// The process's arguments, split into a command (<c>migrate</c>, <c>validate FILE</c>, …), its operands, and the
/// settings given as <c>--Section:Key=value</c> or <c>--Section:Key value</c>, in any order. Only bare words are a
/// command or its operands; every <c>--</c> argument (including <c>--contentRoot</c>, <c>--urls</c>,
/// <c>--environment</c>) is a setting, read by the host's configuration exactly as given. No bare word means: run the
/// server.
/// </summary>
internal sealed record CommandLine(string? Verb, IReadOnlyList<string> Operands, string[] Settings, string? Refusal, bool Help)
{
    /// <summary>
    /// The commands and how many operands each takes. Operands are resolved against the working directory;
    /// settings that name paths are resolved against the content root.
    /// </summary>
    private static readonly Dictionary<string, (int Min, int Max)> Arity = new(StringComparer.Ordinal)
    {
        ["migrate"] = (0, 0),
        ["validate"] = (1, 1),
        ["import"] = (1, 1),
        ["export"] = (1, 2),
        ["gis"] = (2, 2),
    };

    public const string Usage =
        "usage: LocationServer [--Section:Key=value ...]                      run the service\n" +
        "       LocationServer migrate [--Section:Key=value ...]              apply database migrations\n" +
        "       LocationServer validate FILE [--Section:Key=value ...]        check a wiremap file\n" +
        "       LocationServer import FILE [--Section:Key=value ...]          validate and load a wiremap file\n" +
        "       LocationServer export TENANT [FILE] [--Section:Key=value ...] write a tenant's wiremap\n" +
        "       LocationServer gis load FILE [--Section:Key=value ...]        load GIS data (.gpkg, .zip of shapefiles, .csv MSAG)\n" +
        "Settings may come before or after the command; --contentRoot=DIR sets where appsettings.json is read\n" +
        "(default: the binary's directory).";

    /// <summary>Whether a command runs (rather than the server).</summary>
    public bool IsCommand => Verb is not null;

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? verb = null;
        var operands = new List<string>();
        var settings = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?" or "help") return new(null, [], [], null, Help: true);
            if (arg.Length > 2 && arg.StartsWith("--", StringComparison.Ordinal))
            {
                settings.Add(arg);
                if (arg.Contains('=', StringComparison.Ordinal)) continue;
                // "--Key value", as the host's command-line configuration reads it.
                if (i + 1 == args.Count) return Refuse($"the setting {arg} has no value (write {arg}=VALUE)");
                settings.Add(args[++i]);
                continue;
            }
            if (arg.StartsWith('-')) return Refuse($"unknown option '{arg}' (settings are written --Section:Key=value)");
            if (verb is null) verb = arg;
            else operands.Add(arg);
        }
        if (verb is null) return new(null, [], [.. settings], null, Help: false);
        if (!Arity.TryGetValue(verb, out var arity)) return Refuse($"unknown command '{verb}'");
        if (operands.Count < arity.Min) return Refuse($"'{verb}' needs {(arity.Min == 1 ? "an argument" : arity.Min + " arguments")}");
        if (operands.Count > arity.Max) return Refuse($"unexpected argument '{operands[arity.Max]}' after '{verb}'");
        return new(verb, operands, [.. settings], null, Help: false);
    }

    private static CommandLine Refuse(string why) => new(null, [], [], why, Help: false);
}
