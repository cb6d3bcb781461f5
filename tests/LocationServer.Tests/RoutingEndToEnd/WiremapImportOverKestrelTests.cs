using System.Net;
using System.Text;

namespace LocationServer.Tests.RoutingEndToEnd;

/// <summary>
/// Wiremap imports through the real Kestrel listener, whose own request body limit (30,000,000 bytes) the test host
/// does not have: the admin import answers by its own cap, <c>Admin:MaxWiremapBytes</c>.
/// </summary>
public sealed class WiremapImportOverKestrelTests : IAsyncLifetime
{
    private readonly ServiceProcess _service = new(Directory.CreateTempSubdirectory("locationserver-import-").FullName);

    public Task InitializeAsync() => _service.StartAsync();

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private async Task<(HttpStatusCode Code, string Body)> PutPaddedDemoAsync(HttpClient client, int totalBytes)
    {
        var exported = await client.GetStringAsync(new Uri("/admin/tenants/demo/wiremap", UriKind.Relative));
        // Whitespace after the opening brace keeps the document valid at any size.
        var padding = totalBytes - Encoding.UTF8.GetByteCount(exported);
        var document = "{" + new string(' ', padding) + exported[1..];
        using var content = new StringContent(document, Encoding.UTF8, "application/json");
        using var response = await client.PutAsync(new Uri("/admin/tenants/demo/wiremap", UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Import_AboveKestrelsDefaultBodyLimit_Accepted()
    {
        using var client = new HttpClient { BaseAddress = _service.HttpAddress, Timeout = TimeSpan.FromMinutes(2) };
        var (code, body) = await PutPaddedDemoAsync(client, 31_000_000);
        Assert.True(code == HttpStatusCode.OK, $"a 31 MB import answered {(int)code}: {body[..Math.Min(body.Length, 500)]}");
        Assert.Contains("\"version\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_AboveTheCap_RefusedWithTheCapNamed()
    {
        using var client = new HttpClient { BaseAddress = _service.HttpAddress, Timeout = TimeSpan.FromMinutes(2) };
        var (code, body) = await PutPaddedDemoAsync(client, 64 * 1024 * 1024 + 10);
        Assert.True(code == HttpStatusCode.BadRequest, $"a 64 MiB + 10 import answered {(int)code}: {body[..Math.Min(body.Length, 500)]}");
        Assert.Contains("Admin:MaxWiremapBytes", body, StringComparison.Ordinal);
    }
}
