using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace LocationServer.Tests.Infrastructure;

/// <summary>
/// A child process the tests start (the built service, nginx, haproxy): its output kept for failure messages (and
/// copied to a log file when one is named), readiness polled for, stopped with SIGTERM as an orchestrator does.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Lock _logGate = new();
    private StreamWriter? _log;

    private ChildProcess(Process process, string? logFile)
    {
        Process = process;
        if (logFile is not null) _log = new StreamWriter(logFile, append: true, Encoding.UTF8) { AutoFlush = true };
    }

    public Process Process { get; }

    public bool HasExited => Process.HasExited;

    public int ExitCode => Process.ExitCode;

    /// <summary>Standard output and error so far, interleaved.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The dotnet host that runs the tests (so the service runs on the same runtime).</summary>
    public static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk)) return fromSdk;
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        return "dotnet";
    }

    public static ChildProcess Start(ProcessStartInfo start, string? logFile = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process, logFile);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Polls <paramref name="path"/> through <paramref name="client"/> until it answers 200 (and <paramref name="also"/>
    /// holds, when given), within <paramref name="limit"/>; fails with the output if the process exits first.
    /// </summary>
    public async Task WaitForOkAsync(HttpClient client, string path, TimeSpan limit, Func<Task<bool>>? also = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited) throw new InvalidOperationException($"The process exited with {Process.ExitCode}:\n{Output}");
            try
            {
                using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK && (also is null || await also())) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{client.BaseAddress}{path.TrimStart('/')} did not answer 200 within {limit.TotalSeconds} s:\n{Output}");
    }

    /// <summary>Waits for the process to end by itself within <paramref name="limit"/>; fails with the output if it does not.</summary>
    public async Task WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The process kept running for {limit.TotalSeconds} s:\n{Output}");
        }
        // The parameterless wait also drains the redirected output.
        Process.WaitForExit();
    }

    /// <summary>
    /// SIGTERM, then waits up to <paramref name="grace"/>; a process still running then is killed, and
    /// <paramref name="throwIfKilled"/> makes that a failure (a graceful stop was part of what the test checks).
    /// </summary>
    public async Task StopAsync(TimeSpan grace, bool throwIfKilled)
    {
        if (!Process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", Process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await Process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Process.Kill(entireProcessTree: true);
                await Process.WaitForExitAsync();
                if (throwIfKilled) throw new TimeoutException($"The process did not stop within {grace.TotalSeconds} s of SIGTERM:\n{Output}");
            }
        }
        CloseLog();
    }

    /// <summary>SIGKILL: the process gets no chance to flush anything.</summary>
    public async Task KillAsync()
    {
        if (Process.HasExited) return;
        Process.Kill();
        await Process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(20), throwIfKilled: false);
        }
        finally
        {
            Process.Dispose();
            CloseLog();
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        lock (_logGate) _log?.WriteLine(line);
    }

    private void CloseLog()
    {
        lock (_logGate)
        {
            _log?.Dispose();
            _log = null;
        }
    }
}
