namespace LocationServer.Hosting;

/// <summary>
/// Where the service finds its files, whatever directory it is started from. The content root (where
/// <c>appsettings.json</c> and the demo PSAP boundaries are read) is the binary's directory unless
/// <c>--contentRoot</c> (or <c>ASPNETCORE_CONTENTROOT</c> / <c>DOTNET_CONTENTROOT</c>) names another. Relative data
/// paths (<c>Storage:DataDirectory</c>, <c>Storage:SqlitePath</c>, <c>Routing:PsapBoundaryFile</c>,
/// <c>Routing:CallRecords:JournalPath</c>) are resolved against the content root, never the working directory.
/// </summary>
internal static class ContentRoot
{
    /// <summary>Default <c>Storage:DataDirectory</c>, relative to the content root.</summary>
    public const string DefaultDataDirectory = "data";

    /// <summary>The builder options for <paramref name="settings"/>: the content root defaults to the binary's directory.</summary>
    public static WebApplicationOptions Options(string[] settings)
    {
        var given = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(settings)
            .Build()[HostDefaults.ContentRootKey];
        return new WebApplicationOptions
        {
            Args = settings,
            ContentRootPath = string.IsNullOrWhiteSpace(given) ? AppContext.BaseDirectory : null,
        };
    }

    /// <summary>
    /// Resolves the relative data paths against the content root, and gives the defaults that follow from
    /// <c>Storage:DataDirectory</c>: the SQLite file <c>{DataDirectory}/locationserver.db</c> and the call-record
    /// journal <c>{DataDirectory}/call-records.journal</c>.
    /// </summary>
    public static void ResolveDataPaths(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var root = builder.Environment.ContentRootPath;
        var configuration = builder.Configuration;
        var resolved = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var dataDirectory = Path.GetFullPath(Value("Storage:DataDirectory") ?? DefaultDataDirectory, root);
        Resolve("Storage:DataDirectory", dataDirectory);
        var sqlite = Value("Storage:SqlitePath");
        // ":memory:" and "file:" URIs are SQLite's, not paths.
        if (sqlite is null || !(sqlite.StartsWith(':') || sqlite.StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
            Resolve("Storage:SqlitePath", Path.GetFullPath(sqlite ?? Path.Combine(dataDirectory, "locationserver.db"), root));
        if (Value("Routing:PsapBoundaryFile") is { } boundaries) Resolve("Routing:PsapBoundaryFile", Path.GetFullPath(boundaries, root));
        Resolve("Routing:CallRecords:JournalPath", Path.GetFullPath(Value("Routing:CallRecords:JournalPath") ?? Path.Combine(dataDirectory, "call-records.journal"), root));
        if (resolved.Count > 0) configuration.AddInMemoryCollection(resolved);

        string? Value(string key) => configuration[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

        void Resolve(string key, string path)
        {
            if (!string.Equals(configuration[key], path, StringComparison.Ordinal)) resolved[key] = path;
        }
    }
}
