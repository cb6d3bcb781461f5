using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LocationServer.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace LocationServer.Tests.AdminAccounts;

/// <summary>The audit trail on the embedded default: what is recorded, the import's before/after, the filters and paging, and no change without its record.</summary>
public sealed class AuditTrailTests : IAsyncLifetime
{
    private readonly LocationServerFactory _factory = new();
    private HttpClient _client = null!;
    private string _admin = "";

    public async Task InitializeAsync()
    {
        _client = _factory.CreateClient();
        await _client.WaitReadyAsync();
        _admin = await AdminApi.CreateKeyAsync(_client, null, """{"role":"tenantAdmin","tenant":"demo","name":"office manager"}""");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private async Task<JsonElement[]> EntriesAsync(string query)
    {
        var (status, body) = await AdminApi.GetAsync(_client, _admin, "/admin/tenants/demo/audit" + query);
        Assert.True(status == HttpStatusCode.OK, body);
        return [.. JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray()];
    }

    [Fact]
    public async Task WiremapImport_ByTenantAdmin_RecordedWithActorAndCountsBeforeAndAfter()
    {
        var export = JsonNode.Parse(await _client.GetStringAsync("/admin/tenants/demo/wiremap"))!;
        var elements = export["elements"]!.AsArray();
        var before = elements.Count;
        elements.RemoveAt(elements.Count - 1);
        var (status, body) = await AdminApi.SendAsync(_client, _admin, HttpMethod.Put, "/admin/tenants/demo/wiremap", export.ToJsonString());
        Assert.True(status == HttpStatusCode.OK, body);

        var entry = Assert.Single(await EntriesAsync("?kind=wiremap.import"));
        Assert.Equal("key:" + AdminApi.IdOf(_admin), entry.GetProperty("actor").GetString());
        Assert.Equal("tenantAdmin", entry.GetProperty("actorRole").GetString());
        Assert.Equal("demo", entry.GetProperty("tenant").GetString());
        Assert.Equal("PUT", entry.GetProperty("method").GetString());
        Assert.Equal(200, entry.GetProperty("status").GetInt32());
        Assert.Equal(before, entry.GetProperty("before").GetProperty("elements").GetInt32());
        Assert.Equal(before - 1, entry.GetProperty("after").GetProperty("elements").GetInt32());
        Assert.Equal(entry.GetProperty("before").GetProperty("sites").GetInt32(), entry.GetProperty("after").GetProperty("sites").GetInt32());
    }

    [Fact]
    public async Task Reads_AreNotRecordedAndRefusedChangesAreWithTheirStatus()
    {
        await AdminApi.GetAsync(_client, _admin, "/admin/tenants/demo/wiremap");
        await AdminApi.GetAsync(_client, _admin, "/admin/tenants/demo/calls");
        var (refused, _) = await AdminApi.SendAsync(_client, _admin, HttpMethod.Post, "/admin/tenants/demo/device-bindings", """[{"mac":"nope","ip":"10.1.3.7"}]""");
        Assert.Equal(HttpStatusCode.BadRequest, refused);

        var entries = await EntriesAsync("");
        Assert.DoesNotContain(entries, e => e.GetProperty("method").GetString() == "GET");
        var binding = Assert.Single(entries, e => e.GetProperty("route").GetString() == "/admin/tenants/demo/device-bindings");
        Assert.Equal(400, binding.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Query_FiltersAndCursor_PageThroughNewestFirst()
    {
        var other = await AdminApi.CreateKeyAsync(_client, _admin, """{"role":"auditor"}""", "/admin/tenants/demo/keys");
        for (var i = 0; i < 3; i++)
        {
            var (status, _) = await AdminApi.SendAsync(_client, _admin, HttpMethod.Post, "/admin/tenants/demo/device-bindings", $$"""[{"mac":"00-11-22-33-44-a{{i}}","ip":"10.1.3.{{100 + i}}"}]""");
            Assert.Equal(HttpStatusCode.OK, status);
        }

        var mine = await EntriesAsync("?actor=key:" + AdminApi.IdOf(_admin));
        Assert.Equal(4, mine.Length);
        Assert.Equal("key.create", mine[^1].GetProperty("kind").GetString());
        Assert.Equal(AdminApi.IdOf(other), mine[^1].GetProperty("objectId").GetString());
        Assert.Single(await EntriesAsync("?kind=key.create&actor=key:" + AdminApi.IdOf(_admin)));
        Assert.Empty(await EntriesAsync("?since=" + Uri.EscapeDataString(_factory.Time.GetUtcNow().AddMinutes(1).ToString("O"))));
        Assert.Empty(await EntriesAsync("?until=" + Uri.EscapeDataString(_factory.Time.GetUtcNow().AddMinutes(-1).ToString("O"))));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var (_, body) = await AdminApi.GetAsync(_client, _admin, "/admin/tenants/demo/audit?limit=1&actor=key:" + AdminApi.IdOf(_admin) + (cursor is null ? "" : "&cursor=" + cursor));
            var page = JsonDocument.Parse(body).RootElement;
            seen.Add(page.GetProperty("items").EnumerateArray().Single().GetProperty("id").GetString()!);
            cursor = page.GetProperty("next").GetString();
        }
        while (cursor is not null);
        Assert.Equal(mine.Select(e => e.GetProperty("id").GetString()), seen);
        Assert.Equal(seen.Order(StringComparer.Ordinal).Reverse(), seen);
    }

    [Fact]
    public async Task Query_BadFilters_ProblemNamingEach()
    {
        var (status, body) = await AdminApi.GetAsync(_client, _admin, "/admin/tenants/demo/audit?since=yesterday&limit=0&cursor=xyz");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("since:", body, StringComparison.Ordinal);
        Assert.Contains("limit:", body, StringComparison.Ordinal);
        Assert.Contains("cursor:", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditWriteFails_Change_RefusedAndNotMade()
    {
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(_factory.DataDirectory, "test.db")};Pooling=False"))
        {
            await db.OpenAsync();
            await using var rename = db.CreateCommand();
            rename.CommandText = "ALTER TABLE audit_entries RENAME TO audit_entries_away";
            await rename.ExecuteNonQueryAsync();
        }
        var (status, _) = await AdminApi.SendAsync(_client, _admin, HttpMethod.Post, "/admin/tenants/demo/device-bindings", """[{"mac":"00-11-22-33-44-b1","ip":"10.1.3.111"}]""");
        Assert.True((int)status >= 500, $"answered {(int)status}");
        var (bound, _) = await AdminApi.GetAsync(_client, _admin, "/admin/tenants/demo/device-bindings/00-11-22-33-44-b1");
        Assert.Equal(HttpStatusCode.NotFound, bound);
    }
}
