using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.Hosting;

/// <summary>
/// The host's own build output (<c>src/LocationServer/bin/{Configuration}/net10.0</c>, what <c>dotnet run</c> and the
/// image run) started as a real process with <c>dotnet LocationServer.dll</c>, from whatever working directory a
/// test names: one-shot commands (<see cref="RunAsync"/>) and the server (<see cref="Start"/>).
/// </summary>
public sealed class BuiltHost : IAsyncDisposable
{
    private readonly ChildProcess _child;

    private BuiltHost(ChildProcess child) => _child = child;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The host's build output directory, in the configuration the tests were built in.</summary>
    public static string OutputDirectory { get; } = FindOutputDirectory();

    public static string Assembly => Path.Combine(OutputDirectory, "LocationServer.dll");

    /// <summary>Standard output and error so far, interleaved.</summary>
    public string Output => _child.Output;

    public bool HasExited => _child.HasExited;

    public int ExitCode => _child.ExitCode;

    /// <summary>Runs a command to its end: exit code, standard output, standard error.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(
        string workingDirectory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var start = StartInfo(workingDirectory, environment, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
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
    public static BuiltHost Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments) =>
        new(ChildProcess.Start(StartInfo(workingDirectory, environment, arguments)));

    /// <summary>Waits until <c>/health/ready</c> answers 200 on <paramref name="httpPort"/>; fails with the output if the process exits first.</summary>
    public async Task WaitReadyAsync(int httpPort)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
        await _child.WaitForOkAsync(client, "/health/ready", TimeSpan.FromSeconds(90));
    }

    /// <summary>SIGKILL: the process gets no chance to flush anything.</summary>
    public Task KillAsync() => _child.KillAsync();

    /// <summary>SIGTERM, as an orchestrator stops a pod; waits up to 30 s.</summary>
    public Task StopAsync() => _child.StopAsync(TimeSpan.FromSeconds(30), throwIfKilled: true);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            await _child.DisposeAsync();
        }
    }

    public static int FreePort() => Loopback.FreePort();

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
        var start = new ProcessStartInfo(ChildProcess.DotnetHost()) { WorkingDirectory = workingDirectory, UseShellExecute = false };
        start.ArgumentList.Add(Assembly);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        ServiceLaunch.Clean(start, environment);
        return start;
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
