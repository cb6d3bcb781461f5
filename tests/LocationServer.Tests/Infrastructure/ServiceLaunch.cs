using System.Diagnostics;

namespace LocationServer.Tests.Infrastructure;

/// <summary>
/// How the tests start the built service as a process: <c>dotnet exec LocationServer.dll</c> from the test output,
/// on an empty content root (no appsettings.json, so no endpoint of the developer's configuration clashes), with
/// every setting given as an environment variable (<c>Section__Key</c>) and nothing inherited from the test runner's
/// own environment that would change what the process does.
/// </summary>
internal static class ServiceLaunch
{
    private static readonly string[] Inherited =
    [
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT",
        "ASPNETCORE_CONTENTROOT", "DOTNET_CONTENTROOT",
    ];

    /// <summary>The service in <paramref name="contentRoot"/> (created when missing) on <paramref name="settings"/>.</summary>
    public static ProcessStartInfo StartInfo(string contentRoot, IReadOnlyDictionary<string, string> settings)
    {
        Directory.CreateDirectory(contentRoot);
        var start = new ProcessStartInfo(ChildProcess.DotnetHost()) { WorkingDirectory = contentRoot };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(contentRoot);
        Clean(start, settings);
        return start;
    }

    /// <summary>Removes the runner's own host settings and connection strings, then applies <paramref name="settings"/>.</summary>
    public static void Clean(ProcessStartInfo start, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var name in Inherited) start.Environment.Remove(name);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
    }

    /// <summary>
    /// Runs a command of the service (<c>migrate</c>, <c>import</c>, <c>export</c>, …) to its end from
    /// <paramref name="workingDirectory"/> on <paramref name="settings"/>: exit code, standard output, standard error.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunCommandAsync(
        string workingDirectory, IReadOnlyDictionary<string, string> settings, IEnumerable<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo(ChildProcess.DotnetHost()) { WorkingDirectory = workingDirectory };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Clean(start, settings);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>What a command needs to run on a PostgreSQL database: its connection, a token key, a data directory and routing.</summary>
    public static Dictionary<string, string> PostgresCommandSettings(string connectionString, string dataDirectory) => new()
    {
        ["ConnectionStrings:Postgres"] = connectionString,
        ["Tokens:Key"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        ["Storage:DataDirectory"] = dataDirectory,
        ["Routing:PsapBoundaryFile"] = DemoBoundaryFile(),
        ["Routing:RelayCenter:Uri"] = "sip:ecrc@relay.invalid",
        ["Routing:TestService:Uri"] = "sip:933@test-service.invalid",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>The demo PSAP boundaries copied beside the tests, else the source file found above the output directory.</summary>
    public static string DemoBoundaryFile()
    {
        var output = AppContext.BaseDirectory;
        var copied = Path.Combine(output, "Demo", "psap-boundaries.geojson");
        if (File.Exists(copied)) return copied;
        for (var dir = new DirectoryInfo(output); dir is not null; dir = dir.Parent)
        {
            var source = Path.Combine(dir.FullName, "src", "LocationServer", "Demo", "psap-boundaries.geojson");
            if (File.Exists(source)) return source;
        }
        throw new FileNotFoundException("Demo/psap-boundaries.geojson was found neither beside the tests nor in src/LocationServer.");
    }
}
