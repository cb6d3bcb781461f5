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
        ["admin-key"] = (1, 2),
        ["gis"] = (2, 2),
    };

    /// <summary>
    /// The options of the commands (not settings): <c>--dry-run</c> is a flag, the others take a value
    /// (<c>--format sfb-port</c> or <c>--format=sfb-port</c>), and each belongs to the commands listed.
    /// </summary>
    private static readonly Dictionary<string, (bool Flag, string[] Commands)> CommandOptions = new(StringComparer.Ordinal)
    {
        ["--dry-run"] = (true, ["import"]),
        ["--format"] = (false, ["import", "export"]),
        ["--tenant"] = (false, ["import", "admin-key"]),
        ["--role"] = (false, ["admin-key"]),
        ["--sites"] = (false, ["admin-key"]),
        ["--name"] = (false, ["admin-key"]),
        ["--expires"] = (false, ["admin-key"]),
        ["--prefix-length"] = (false, ["import"]),
        ["--ipv6-prefix-length"] = (false, ["import"]),
    };

    public const string Usage =
        "usage: LocationServer [--Section:Key=value ...]                      run the service\n" +
        "       LocationServer migrate [--Section:Key=value ...]              apply database migrations\n" +
        "       LocationServer validate FILE [--Section:Key=value ...]        check a wiremap file\n" +
        "       LocationServer import [--dry-run] FILE [--Section:Key=value ...]\n" +
        "                                                     validate and load a wiremap file (--dry-run: show the changes only)\n" +
        "       LocationServer import --format FORMAT --tenant TENANT [--dry-run] [--prefix-length N] FILE\n" +
        "                                                     merge a CSV file: sfb-subnet, sfb-wap, sfb-switch, sfb-port,\n" +
        "                                                     teams-civic-address, teams-location, teams-subnet, teams-wap,\n" +
        "                                                     teams-switch, teams-port, pureconnect, sites, locations,\n" +
        "                                                     elements, dids, requesters\n" +
        "       LocationServer export TENANT [FILE] [--Section:Key=value ...] write a tenant's wiremap\n" +
        "       LocationServer export --format KIND TENANT [FILE]           write one kind as CSV: sites, locations,\n" +
        "                                                     elements, dids, requesters, the teams-* files, calls (the last\n" +
        "                                                     24 hours)\n" +
        "       LocationServer admin-key create --role ROLE [--tenant T] [--sites S1,S2] [--name TEXT] [--expires DATE|90d]\n" +
        "                                                                     create an admin key; prints it once\n" +
        "       LocationServer admin-key list | admin-key revoke KEYID        list or revoke admin keys\n" +
        "       LocationServer gis load FILE [--Section:Key=value ...]        load GIS data (.gpkg, .zip of shapefiles, .csv MSAG)\n" +
        "Settings may come before or after the command; --contentRoot=DIR sets where appsettings.json is read\n" +
        "(default: the binary's directory).";

    /// <summary>The command's options (<see cref="CommandOptions"/>) as given: flags map to "true".</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether a command runs (rather than the server).</summary>
    public bool IsCommand => Verb is not null;

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? verb = null;
        var operands = new List<string>();
        var settings = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h" or "-?" or "help") return new(null, [], [], null, Help: true);
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            if (CommandOptions.TryGetValue(name, out var option))
            {
                if (option.Flag)
                {
                    if (equals > 0) return Refuse($"{name} takes no value");
                    options[name] = "true";
                }
                else if (equals > 0) options[name] = arg[(equals + 1)..];
                else if (i + 1 == args.Count) return Refuse($"{name} needs a value");
                else options[name] = args[++i];
                continue;
            }
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
        if (verb is null)
            return options.Count > 0 ? Refuse($"{options.Keys.First()} belongs to a command (import, export, admin-key)") : new(null, [], [.. settings], null, Help: false);
        if (!Arity.TryGetValue(verb, out var arity)) return Refuse($"unknown command '{verb}'");
        if (operands.Count < arity.Min) return Refuse($"'{verb}' needs {(arity.Min == 1 ? "an argument" : arity.Min + " arguments")}");
        if (operands.Count > arity.Max) return Refuse($"unexpected argument '{operands[arity.Max]}' after '{verb}'");
        foreach (var name in options.Keys)
            if (!CommandOptions[name].Commands.Contains(verb)) return Refuse($"'{verb}' has no option {name}");
        if (verb == "import" && options.ContainsKey("--format") != options.ContainsKey("--tenant"))
            return Refuse("a CSV import needs both --format and --tenant");
        return new(verb, operands, [.. settings], null, Help: false) { Options = options };
    }

    private static CommandLine Refuse(string why) => new(null, [], [], why, Help: false);
}
