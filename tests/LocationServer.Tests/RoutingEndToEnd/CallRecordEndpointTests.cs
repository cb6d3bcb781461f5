using System.Net;
using System.Text.Json;
using LocationServer.Data.Storage;
using LocationServer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LocationServer.Tests.RoutingEndToEnd;

/// <summary><c>GET /admin/tenants/{tenant}/calls</c>: window, limit, validation and the admin authorization rule.</summary>
public sealed class CallRecordEndpointTests : IAsyncLifetime, IDisposable
{
    private readonly LocationServerFactory _factory = new();
    private HttpClient _client = null!;
    private DateTime _now;

    public async Task InitializeAsync()
    {
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
        _now = _factory.Time.GetUtcNow().UtcDateTime;
        var store = _factory.Services.GetRequiredService<WiremapStore>();
        // One record an hour for the last 30 hours (c0 newest), and one for another tenant.
        for (var i = 0; i < 30; i++)
            await store.AddCallRecordAsync(Record("demo", _now.AddHours(-i).AddMinutes(-1), $"c{i}"));
        await store.AddCallRecordAsync(Record("other", _now.AddMinutes(-5), "foreign"));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _client.Dispose();
        _factory.Dispose();
    }

    private static CallRecord Record(string tenant, DateTime at, string callId) => new(
        Guid.Empty, tenant, at, "911", "+15125550100", null, "did", "hq-3-301", null, "psap",
        "sip:psap-austin@esinet.invalid", "Austin", "+15125550100", false, callId);

    private async Task<(HttpStatusCode Status, List<string> CallIds)> GetAsync(string query, string? remoteIp = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/tenants/demo/calls" + query);
        if (remoteIp is not null) request.Headers.Add(LocationServerFactory.RemoteIpHeader, remoteIp);
        using var response = await _client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK) return (response.StatusCode, []);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.EnumerateArray().Select(e => e.GetProperty("callId").GetString()!).ToList());
    }

    [Fact]
    public async Task Calls_NoQuery_Last24HoursNewestFirst()
    {
        var (status, ids) = await GetAsync("");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Enumerable.Range(0, 24).Select(i => $"c{i}"), ids);
    }

    [Fact]
    public async Task Calls_FromAndTo_OnlyThatWindow()
    {
        var from = _now.AddHours(-5).ToString("O");
        var to = _now.AddHours(-2).ToString("O");
        var (status, ids) = await GetAsync($"?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["c2", "c3", "c4"], ids);
    }

    [Fact]
    public async Task Calls_Limit_CapsCount()
    {
        var (status, ids) = await GetAsync("?limit=3");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["c0", "c1", "c2"], ids);
    }

    [Fact]
    public async Task Calls_LimitAboveMaximum_ClampedNotRejected()
    {
        var from = Uri.EscapeDataString(_now.AddDays(-2).ToString("O"));
        var (status, ids) = await GetAsync($"?from={from}&limit=5000");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(30, ids.Count);
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?from=yesterday")]
    [InlineData("?to=not-a-date")]
    [InlineData("?from=2026-11-22T10:00:00Z&to=2026-11-22T09:00:00Z")]
    public async Task Calls_InvalidQuery_BadRequest(string query)
    {
        var (status, _) = await GetAsync(query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task Calls_UnknownTenant_NotFound()
    {
        using var response = await _client.GetAsync(new Uri("/admin/tenants/nobody/calls", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Calls_FromNonLoopbackWithoutKey_Unauthorized()
    {
        var (status, _) = await GetAsync("", remoteIp: "203.0.113.7");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }
}

/// <summary>With <c>Admin:ApiKey</c> set, the calls query needs the Bearer key, from loopback too.</summary>
public sealed class CallRecordEndpointKeyTests : IDisposable
{
    private readonly LocationServerFactory _factory = new();

    public CallRecordEndpointKeyTests() => _factory.Settings["Admin:ApiKey"] = "s3cret-admin-key";

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("Bearer wrong", HttpStatusCode.Unauthorized)]
    [InlineData("Bearer s3cret-admin-key", HttpStatusCode.OK)]
    public async Task Calls_ApiKeyConfigured_BearerDecides(string? authorization, HttpStatusCode expected)
    {
        using var client = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/tenants/demo/calls");
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }
}
