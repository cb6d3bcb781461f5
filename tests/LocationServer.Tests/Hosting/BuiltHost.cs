using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LocationServer.Tests.Hosting;

/// <summary>
/// The host's own build output (<c>src/LocationServer/bin/{Configuration}/net10.0</c>, what <c>dotnet run</c> and the
/// image run) started as a real process with <c>dotnet LocationServer.dll</c>, from whatever working directory a
/// test names: one-shot commands (<see cref="RunAsync"/>) and the server (<see cref="Start"/>).
/// </summary>
public sealed class BuiltHost : IAsyncDisposable
{
    private static readonly string[] Inherited =
    [
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_CONTENTROOT",
        "DOTNET_CONTENTROOT", "ConnectionStrings__Postgres", "ConnectionStrings__Redis",
    ];

    private readonly ConcurrentQueue<string> _output = new();
    private readonly Process _process;

    private BuiltHost(Process process) => _process = process;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The host's build output directory, in the configuration the tests were built in.</summary>
    public static string OutputDirectory { get; } = FindOutputDirectory();

    public static string Assembly => Path.Combine(OutputDirectory, "LocationServer.dll");

    /// <summary>Standard output and error so far, interleaved.</summary>
    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Runs a command to its end: exit code, standard output, standard error.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string workingDirectory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        using var process = Process.Start(StartInfo(workingDirectory, environment, arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', arguments)}' was still running after {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds} s:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the server (or whatever <paramref name="arguments"/> say) and returns at once.</summary>
    public static BuiltHost Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments)
    {
        var process = new Process { StartInfo = StartInfo(workingDirectory, environment, arguments) };
        var host = new BuiltHost(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) host._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) host._output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200 on <paramref name="httpPort"/>; fails with the output if the process exits first.</summary>
    public async Task WaitReadyAsync(int httpPort)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The service exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The service did not become ready on port {httpPort}:\n{Output}");
    }

    /// <summary>SIGKILL: the process gets no chance to flush anything.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as an orchestrator stops a pod; waits up to 30 s.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The service did not stop within 30 s of SIGTERM:\n{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool Listening(int port)
    {
        using var socket = new TcpClient();
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Assembly);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var name in Inherited) start.Environment.Remove(name);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return start;
    }

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        return "dotnet";
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LocationServer.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("LocationServer.sln not found above the test output.");
    }

    private static string FindOutputDirectory()
    {
        // The tests' own output is .../bin/{Configuration}/{TargetFramework}/: the host was built alongside, alike.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        var output = Path.Combine(RepositoryRoot, "src", "LocationServer", "bin", configuration, framework);
        if (!File.Exists(Path.Combine(output, "LocationServer.dll")) || !File.Exists(Path.Combine(output, "appsettings.json")))
            throw new InvalidOperationException($"The host's build output {output} is missing: build the solution first (tests/run.sh does).");
        return output;
    }
}
