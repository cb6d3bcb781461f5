using System.Net;
using System.Text.Json;
using LocationServer.Tests.Infrastructure;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>The OpenAPI document names the bearer scheme on every admin operation with its 401 and 403; the reference page is served.</summary>
public sealed class OpenApiSecurityTests(LocationServerFactory factory) : IClassFixture<LocationServerFactory>
{
    [Fact]
    public async Task OpenApi_EveryAdminOperation_HasBearerSecurityAnd401And403()
    {
        var client = factory.CreateClient();
        await client.WaitReadyAsync();
        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("AdminBearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());

        var admin = document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/admin", StringComparison.Ordinal)).ToList();
        Assert.Contains(admin, p => p.Name == "/admin/tenants/{tenant}/audit");
        Assert.Contains(admin, p => p.Name == "/admin/keys");
        foreach (var path in admin)
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var where = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                Assert.True(operation.Value.TryGetProperty("security", out var security) && security.EnumerateArray().Any(r => r.TryGetProperty("AdminBearer", out _)), $"{where} has no bearer security");
                var responses = operation.Value.GetProperty("responses");
                Assert.True(responses.TryGetProperty("401", out _) && responses.TryGetProperty("403", out _), $"{where} lacks 401/403");
            }
        }
        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => !p.Name.StartsWith("/admin", StringComparison.Ordinal)))
            foreach (var operation in path.Value.EnumerateObject())
                Assert.False(operation.Value.TryGetProperty("security", out _), $"{path.Name} is not an admin operation");
    }

    [Fact]
    public async Task OpenApi_KeyCreation_HasRequestAndResponseSchemas()
    {
        var client = factory.CreateClient();
        var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement;
        var post = document.GetProperty("paths").GetProperty("/admin/tenants/{tenant}/keys").GetProperty("post");
        Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(post.GetProperty("responses").GetProperty("201").GetProperty("content").TryGetProperty("application/json", out _));
    }

    [Fact]
    public async Task ApiReference_WithoutCredentials_ServedFromThePackage()
    {
        var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/scalar/");
        request.Headers.Add(LocationServerFactory.RemoteIpHeader, "192.0.2.30");
        using var page = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("scalar.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        using var script = await client.GetAsync("/scalar/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }
}
