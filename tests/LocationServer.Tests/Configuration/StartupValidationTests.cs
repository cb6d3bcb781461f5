using System.Diagnostics;
using LocationServer.Admin;
using LocationServer.Locating.Configuration;
using LocationServer.Locating.Held;
using LocationServer.Locating.Tokens;
using Microsoft.Extensions.Configuration;

namespace LocationServer.Tests.Configuration;

/// <summary>A misconfigured service stops at start and names the setting, instead of running and failing every request.</summary>
public sealed class StartupValidationTests
{
    private const string UnreachablePostgres = "Host=127.0.0.1;Port=1;Username=postgres;Timeout=2";

    [Fact]
    public async Task Process_PostgresWithoutTokenKeyOrPublicUrl_ExitsNamingBothSettings()
    {
        var (exitCode, output) = await RunServiceAsync(new() { ["ConnectionStrings__Postgres"] = UnreachablePostgres });
        Assert.Equal(2, exitCode);
        Assert.Contains("Tokens:Key is required when PostgreSQL is configured", output, StringComparison.Ordinal);
        Assert.Contains("Held:PublicBaseUrl is required when PostgreSQL is configured", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Tokens:Key", "c2hvcnQ=", "Tokens:Key must be base64 of exactly 32 bytes")]
    [InlineData("Tokens:PreviousKeys:0", "not base64", "Tokens:PreviousKeys:0 must be base64 of exactly 32 bytes")]
    [InlineData("Tokens:Lifetime", "00:10:00", "Tokens:Lifetime must lie between")]
    [InlineData("Tokens:Lifetime", "2.00:00:00", "Tokens:Lifetime must lie between")]
    public void TokenOptions_InvalidSetting_IsNamed(string key, string value, string message) =>
        Assert.Contains(Validate<TokenOptions>("Tokens", key, value), e => e.StartsWith(message, StringComparison.Ordinal));

    [Theory]
    [InlineData("Held:PublicBaseUrl", "lis.example.com", "Held:PublicBaseUrl must be an absolute http or https URL")]
    [InlineData("Held:PublicBaseUrl", "https://user:pw@lis.example.com", "Held:PublicBaseUrl must be an absolute http or https URL")]
    [InlineData("Held:MaxRequestBytes", "10", "Held:MaxRequestBytes must lie between")]
    [InlineData("Held:DeviceReportLifetime", "00:00:01", "Held:DeviceReportLifetime must lie between")]
    [InlineData("Held:EntityDomain", " ", "Held:EntityDomain must not be empty")]
    public void HeldOptions_InvalidSetting_IsNamed(string key, string value, string message) =>
        Assert.Contains(Validate<HeldOptions>("Held", key, value), e => e.StartsWith(message, StringComparison.Ordinal));

    [Theory]
    [InlineData("Admin:MaxWiremapBytes", "5", "Admin:MaxWiremapBytes must lie between")]
    [InlineData("Admin:ApiKey", "short", "Admin:ApiKey must be at least 16 characters")]
    public void AdminOptions_InvalidSetting_IsNamed(string key, string value, string message) =>
        Assert.Contains(Validate<AdminOptions>("Admin", key, value), e => e.StartsWith(message, StringComparison.Ordinal));

    [Fact]
    public async Task Process_BadRoutingAndAlertSettings_ExitsNamingEach()
    {
        var (exitCode, output) = await RunServiceAsync(new()
        {
            ["Routing__RelayCenter__Uri"] = "tel:+18005550100",
            ["Routing__CallbackWindowMinutes"] = "0",
            ["Routing__Alerts__MaxAttempts"] = "99",
        });
        Assert.Equal(2, exitCode);
        Assert.Contains("Routing:RelayCenter:Uri must be a sip: or sips: URI", output, StringComparison.Ordinal);
        Assert.Contains("Routing:CallbackWindowMinutes must be between 1 and 1440", output, StringComparison.Ordinal);
        Assert.Contains("Routing:Alerts:MaxAttempts must lie between 1 and 20", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Defaults_AreValidOnTheEmbeddedDefault()
    {
        var empty = new ConfigurationBuilder().Build();
        Assert.Empty(new TokenOptions().Validate(empty));
        Assert.Empty(new HeldOptions().Validate(empty));
        Assert.Empty(new AdminOptions().Validate(empty));
    }

    private static List<string> Validate<T>(string section, string key, string value)
        where T : class, IValidatedOptions, new()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var options = new T();
        configuration.GetSection(section).Bind(options);
        return [.. options.Validate(configuration)];
    }

    private static async Task<(int ExitCode, string Output)> RunServiceAsync(Dictionary<string, string> environment)
    {
        var directory = Directory.CreateTempSubdirectory("locationserver-config-").FullName;
        try
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
            start.ArgumentList.Add("--contentRoot");
            start.ArgumentList.Add(AppContext.BaseDirectory);
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            start.Environment["Kestrel__Endpoints__Http__Url"] = "http://127.0.0.1:0";
            start.Environment["Storage__DataDirectory"] = directory;
            foreach (var (key, value) in environment) start.Environment[key] = value;
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("The service kept running with an invalid configuration:\n" + await stdout + await stderr);
            }
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
