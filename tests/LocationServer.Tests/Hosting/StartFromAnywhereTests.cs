using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using LocationServer.Data.Wiremap;
using LocationServer.Tests.Infrastructure;
using LocationServer.Wiremap;

namespace LocationServer.Tests.Hosting;

/// <summary>
/// The built service started as users start it, from a working directory that is neither the binary's nor the
/// repository's: the README's commands, the Dockerfile's entrypoint, and the binary's commands with settings in any
/// order. <c>dotnet run --project src/LocationServer</c> builds and then runs this same output, so the commands run
/// the built <c>LocationServer.dll</c> with the arguments the README gives.
/// </summary>
public sealed partial class StartFromAnywhereTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("locationserver-cwd-").FullName;
    private readonly string _data = Directory.CreateTempSubdirectory("locationserver-data-").FullName;

    public void Dispose()
    {
        foreach (var directory in new[] { _work, _data })
        {
            try { Directory.Delete(directory, recursive: true); }
            catch (IOException) { }
        }
    }

    private Dictionary<string, string> DataEnvironment() => new() { ["Storage__DataDirectory"] = _data };

    private string WriteDemoWiremap(string name)
    {
        var path = Path.Combine(_work, name);
        using var file = File.Create(path);
        WiremapJson.Write(file, DemoWiremap.Create());
        return path;
    }

    private static string Describe((int ExitCode, string Stdout, string Stderr) run) => $"exit {run.ExitCode}\nstdout: {run.Stdout}\nstderr: {run.Stderr}";

    [Fact]
    public async Task Readme_ServiceBinaryCommands_RunFromAnotherDirectory()
    {
        var readme = await File.ReadAllLinesAsync(Path.Combine(BuiltHost.RepositoryRoot, "README.md"));
        var commands = readme.Select(line => ReadmeCommand().Match(line)).Where(m => m.Success)
            .Select(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.Equal(["migrate", "validate", "import", "export"], commands.Select(c => c[0]));
        WriteDemoWiremap("wiremap.json");

        foreach (var arguments in commands)
        {
            var run = await BuiltHost.RunAsync(_work, DataEnvironment(), arguments);
            Assert.True(run.ExitCode == 0, $"'{string.Join(' ', arguments)}' from {_work}: {Describe(run)}");
        }

        // The export landed in the working directory; the database under Storage:DataDirectory.
        using var exported = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_work, "out.json")));
        Assert.Equal("demo", exported.RootElement.GetProperty("tenant").GetProperty("id").GetString());
        Assert.True(File.Exists(Path.Combine(_data, "locationserver.db")), "the SQLite file is not in Storage:DataDirectory");
    }

    [Fact]
    public async Task Readme_ServiceStart_FromAnotherDirectory_ReadsSettingsAndDemoBesideTheBinary()
    {
        var readme = await File.ReadAllLinesAsync(Path.Combine(BuiltHost.RepositoryRoot, "README.md"));
        Assert.Contains("dotnet run --project src/LocationServer", readme);
        var (http, grpc) = (BuiltHost.FreePort(), BuiltHost.FreePort());
        var environment = DataEnvironment();
        environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}";
        environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpc}";

        await using var service = BuiltHost.Start(_work, environment, []);
        await service.WaitReadyAsync(http);

        // The demo tenant answers (routing settings and the PSAP boundaries came from beside the binary), ...
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };
        var (response, document, body) = await client.PostHeldAsync(HeldClient.EmptyRequest);
        response.Dispose();
        Assert.True(document is not null && document.ErrorCode() is null && document.Civic("ROOM") == "301", body);
        Assert.True(BuiltHost.Listening(grpc), "the gRPC listener is not open");
        // ... its state is in the data directory, and nothing was written where it was started from.
        Assert.True(File.Exists(Path.Combine(_data, "locationserver.db")) && File.Exists(Path.Combine(_data, "token.key")), service.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_work));
    }

    [Fact]
    public async Task Start_GrpcPortHeldByAnotherProcess_ExitsWithCode2NamingTheSettings()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var environment = DataEnvironment();
        environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{BuiltHost.FreePort()}";
        environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{taken}";

        var run = await BuiltHost.RunAsync(_work, environment, [], TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 2, Describe(run));
        Assert.Contains($"127.0.0.1:{taken}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("Kestrel:Endpoints:Grpc:Url", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readme_TlsExample_FromTheRepositoryRoot_ServesHttps()
    {
        // The README's TLS block: environment assignments, then the built binary run from the repository root.
        var readme = await File.ReadAllTextAsync(Path.Combine(BuiltHost.RepositoryRoot, "README.md"));
        var block = TlsBlock().Match(readme);
        Assert.True(block.Success, "the README has no TLS example");
        var lines = block.Groups["body"].Value.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var environment = lines[..^1].Select(l => l.TrimEnd('\\').Trim().Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal($"dotnet {Path.GetRelativePath(BuiltHost.RepositoryRoot, BuiltHost.Assembly).Replace('\\', '/')}", lines[^1]);

        // What stands in for the deployment's: a certificate made now, loopback ports, a temp data directory.
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12));
        using var certificate = SelfSigned();
        var pfx = Path.Combine(_data, "tls.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, password));
        var (https, http, grpc) = (BuiltHost.FreePort(), BuiltHost.FreePort(), BuiltHost.FreePort());
        Assert.Equal("https://0.0.0.0:8443", environment["Kestrel__Endpoints__Https__Url"]);
        environment["Kestrel__Endpoints__Https__Url"] = $"https://127.0.0.1:{https}";
        environment["Kestrel__Endpoints__Https__Certificate__Path"] = pfx;
        environment["Kestrel__Endpoints__Https__Certificate__Password"] = password;
        environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}";
        environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpc}";
        environment["Storage__DataDirectory"] = _data;

        await using var service = BuiltHost.Start(BuiltHost.RepositoryRoot, environment, []);
        await service.WaitReadyAsync(http);

        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{https}") };
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var (response, document, body) = await client.PostHeldAsync(HeldClient.EmptyRequest);
        response.Dispose();
        Assert.True(document is not null && document.ErrorCode() is null, body);
        Assert.StartsWith("https://lis.example.com:8443/loc/", document.LocationUri(), StringComparison.Ordinal);
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    [Fact]
    public async Task Dockerfile_Entrypoint_FromAnotherDirectory_ServesWithTheImageSettings()
    {
        var (workdir, environment, entrypoint) = FinalStage(await File.ReadAllLinesAsync(Path.Combine(BuiltHost.RepositoryRoot, "Dockerfile")));
        Assert.Equal("/app", workdir);
        Assert.Equal(["dotnet", "LocationServer.dll"], entrypoint);
        // What the image's volumes and published ports stand for here: a temp data directory, free loopback ports.
        Assert.Equal("/var/lib/location-server", environment["Storage__DataDirectory"]);
        environment["Storage__DataDirectory"] = _data;
        var (http, grpc) = (BuiltHost.FreePort(), BuiltHost.FreePort());
        environment["Kestrel__Endpoints__Http__Url"] = environment["Kestrel__Endpoints__Http__Url"].Replace("0.0.0.0:8080", $"127.0.0.1:{http}", StringComparison.Ordinal);
        environment["Kestrel__Endpoints__Grpc__Url"] = environment["Kestrel__Endpoints__Grpc__Url"].Replace("0.0.0.0:8081", $"127.0.0.1:{grpc}", StringComparison.Ordinal);
        Assert.Equal("Production", environment["ASPNETCORE_ENVIRONMENT"]);

        // ENTRYPOINT ["dotnet", "LocationServer.dll"] in WORKDIR /app is the built output's LocationServer.dll, started from elsewhere.
        await using var service = BuiltHost.Start(_work, environment, entrypoint.Skip(2));
        await service.WaitReadyAsync(http);

        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };
        var (response, document, body) = await client.PostHeldAsync(HeldClient.EmptyRequest);
        response.Dispose();
        Assert.True(document is not null && document.ErrorCode() is null && document.Civic("ROOM") == "301", body);
        Assert.True(BuiltHost.Listening(grpc), "the gRPC listener is not open");
        // The image's /app is not writable by its user: every file the service writes is under Storage:DataDirectory.
        Assert.True(File.Exists(Path.Combine(_data, "locationserver.db")), "the SQLite file is not under Storage:DataDirectory:\n" + service.Output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_work));
    }

    [Fact]
    public async Task Import_SettingsAfterTheFile_AreApplied()
    {
        WriteDemoWiremap("wiremap.json");
        var database = Path.Combine(_data, "elsewhere.db");

        var import = await BuiltHost.RunAsync(_work, DataEnvironment(), ["import", "wiremap.json", $"--Storage:SqlitePath={database}"]);
        Assert.True(import.ExitCode == 0, Describe(import));
        Assert.Contains("Imported tenant 'demo'", import.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(database), "the import did not write the database the setting named");

        // Settings before the verb, in the "--Key value" form, read the same database.
        var export = await BuiltHost.RunAsync(_work, DataEnvironment(), ["--Storage:SqlitePath", database, "export", "demo", "back.json"]);
        Assert.True(export.ExitCode == 0, Describe(export));
        Assert.True(File.Exists(Path.Combine(_work, "back.json")));
        Assert.False(File.Exists(Path.Combine(_data, "locationserver.db")), "the default database was used despite --Storage:SqlitePath");
    }

    [Theory]
    [InlineData("--contentRoot={0}")]
    [InlineData("--contentRoot {0}")]
    public async Task Command_AfterContentRoot_RunsTheCommand(string contentRoot)
    {
        WriteDemoWiremap("wiremap.json");
        string[] arguments = [.. string.Format(System.Globalization.CultureInfo.InvariantCulture, contentRoot, BuiltHost.OutputDirectory).Split(' '), "validate", "wiremap.json"];

        var run = await BuiltHost.RunAsync(_work, DataEnvironment(), arguments);

        Assert.True(run.ExitCode == 0, Describe(run));
        Assert.Contains("wiremap.json: valid wiremap for tenant 'demo'", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate", "unknown command 'frobnicate'")]
    [InlineData("--contentRoot={out} frobnicate", "unknown command 'frobnicate'")]
    [InlineData("import", "'import' needs an argument")]
    [InlineData("validate a.json b.json", "unexpected argument 'b.json'")]
    [InlineData("migrate -v", "unknown option '-v'")]
    [InlineData("--Storage:SqlitePath", "has no value")]
    public async Task CommandLine_UnknownCommandOrArgument_UsageAndFailureWithoutListening(string arguments, string reason)
    {
        var (http, grpc) = (BuiltHost.FreePort(), BuiltHost.FreePort());
        var environment = DataEnvironment();
        environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{http}";
        environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpc}";

        // A server started by mistake never exits: the run would time out.
        var run = await BuiltHost.RunAsync(_work, environment, arguments.Replace("{out}", BuiltHost.OutputDirectory, StringComparison.Ordinal).Split(' '), TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(reason, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("usage: LocationServer", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_data));
    }

    /// <summary>The last stage's WORKDIR, ENV (continuation lines joined) and exec-form ENTRYPOINT.</summary>
    private static (string Workdir, Dictionary<string, string> Environment, string[] Entrypoint) FinalStage(string[] dockerfile)
    {
        var lines = new List<string>();
        var current = "";
        foreach (var raw in dockerfile.SkipWhile((_, i) => i < Array.FindLastIndex(dockerfile, l => l.StartsWith("FROM ", StringComparison.Ordinal))))
        {
            var line = raw.Trim();
            if (line.StartsWith('#')) continue;
            current += line.EndsWith('\\') ? line[..^1] + " " : line;
            if (line.EndsWith('\\')) continue;
            lines.Add(current);
            current = "";
        }
        var workdir = lines.Last(l => l.StartsWith("WORKDIR ", StringComparison.Ordinal))["WORKDIR ".Length..].Trim();
        var environment = new Dictionary<string, string>();
        foreach (var line in lines.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
            foreach (Match pair in EnvPair().Matches(line["ENV ".Length..])) environment[pair.Groups["key"].Value] = pair.Groups["value"].Value;
        var entrypoint = JsonSerializer.Deserialize<string[]>(lines.Last(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))["ENTRYPOINT ".Length..])!;
        return (workdir, environment, entrypoint);
    }

    [GeneratedRegex(@"### TLS.*?```sh\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex TlsBlock();

    [GeneratedRegex(@"^dotnet run --project src/LocationServer -- (?<args>[^#]+?)\s*(#.*)?$")]
    private static partial Regex ReadmeCommand();

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>\S+)")]
    private static partial Regex EnvPair();
}
