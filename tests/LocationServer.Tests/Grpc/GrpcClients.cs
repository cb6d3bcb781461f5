using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;

namespace LocationServer.Tests.Grpc;

/// <summary>The outcome of one call by a real gRPC client.</summary>
public sealed record ClientResult(int Code, string Details, byte[] Response);

/// <summary>
/// Real gRPC clients calling one unary method with raw protobuf bytes: grpcio (Python) and @grpc/grpc-js (Node) from
/// tests/clients as processes (a missing client fails with how to install it), and Grpc.Net.Client in process.
/// An API key, when given, is sent as <c>authorization: Bearer KEY</c>.
/// </summary>
public static class GrpcClients
{
    public static string RepositoryRoot { get; } = FindRoot();

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(static b => b, static b => b);

    /// <summary>Calls with the client named "python", "node" or "dotnet".</summary>
    public static Task<ClientResult> CallAsync(string client, string target, string method, byte[] request, double? timeoutSeconds = null, string? apiKey = null) => client switch
    {
        "python" => PythonAsync(target, method, request, timeoutSeconds, apiKey),
        "node" => NodeAsync(target, method, request, timeoutSeconds, apiKey),
        "dotnet" => DotNetAsync(target, method, request, timeoutSeconds, apiKey),
        _ => throw new ArgumentOutOfRangeException(nameof(client), client, "python, node or dotnet"),
    };

    public static async Task<ClientResult> DotNetAsync(string target, string method, byte[] request, double? timeoutSeconds = null, string? apiKey = null)
    {
        var slash = method.LastIndexOf('/');
        var definition = new Method<byte[], byte[]>(MethodType.Unary, method[1..slash], method[(slash + 1)..], Raw, Raw);
        using var channel = GrpcChannel.ForAddress("http://" + target);
        var headers = new Metadata();
        if (apiKey is not null) headers.Add("authorization", "Bearer " + apiKey);
        DateTime? deadline = timeoutSeconds is { } s ? DateTime.UtcNow.AddSeconds(s) : null;
        try
        {
            var response = await channel.CreateCallInvoker().AsyncUnaryCall(definition, null, new CallOptions(headers, deadline), request);
            return new ClientResult(0, "", response);
        }
        catch (RpcException ex)
        {
            return new ClientResult((int)ex.StatusCode, ex.Status.Detail, []);
        }
    }

    public static Task<ClientResult> PythonAsync(string target, string method, byte[] request, double? timeoutSeconds = null, string? apiKey = null)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) Assert.Fail("Debian python3 is missing: apt-get install -y python3 python3-grpcio");
        return RunAsync(python, [Path.Combine(RepositoryRoot, "tests", "clients", "grpc_client.py"), target, method, Convert.ToHexStringLower(request), Timeout(timeoutSeconds), apiKey ?? ""],
            "python3-grpcio is not installed: apt-get install -y python3-grpcio (the client runs with /usr/bin/python3)");
    }

    public static Task<ClientResult> NodeAsync(string target, string method, byte[] request, double? timeoutSeconds = null, string? apiKey = null)
    {
        var clients = Path.Combine(RepositoryRoot, "tests", "clients");
        if (!Directory.Exists(Path.Combine(clients, "node_modules", "@grpc", "grpc-js")))
            Assert.Fail("@grpc/grpc-js is not installed: npm ci --prefix tests/clients");
        return RunAsync("node", [Path.Combine(clients, "grpc-client.mjs"), target, method, Convert.ToHexStringLower(request), Timeout(timeoutSeconds), apiKey ?? ""],
            "node or @grpc/grpc-js is missing: apt-get install -y nodejs npm && npm ci --prefix tests/clients");
    }

    private static string Timeout(double? seconds) =>
        seconds is { } s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";

    private static async Task<ClientResult> RunAsync(string fileName, string[] arguments, string installHint)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The pyenv interpreter must not shadow the Debian one's module path.
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            Assert.Fail($"{installHint} ({ex.Message})");
            throw;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout;
            var error = await stderr;
            if (process.ExitCode == 3) Assert.Fail(installHint + ": " + error);
            Assert.True(process.ExitCode == 0, $"{fileName} exited {process.ExitCode}: {error}");
            using var json = JsonDocument.Parse(output.Trim());
            var root = json.RootElement;
            return new ClientResult(root.GetProperty("code").GetInt32(), root.GetProperty("details").GetString() ?? "",
                Convert.FromHexString(root.GetProperty("response_hex").GetString() ?? ""));
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LocationServer.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Repository root (LocationServer.sln) not found above " + AppContext.BaseDirectory);
    }
}
