using System.Data.Common;
using LocationServer.Core.Wiremap;
using LocationServer.Data.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace LocationServer.Data.Tests.Storage;

/// <summary>The store's contract, run against each provider.</summary>
public abstract class WiremapStoreTests<TFixture>(TFixture database) : IClassFixture<TFixture>
    where TFixture : DatabaseFixture
{
    protected TFixture Database { get; } = database;

    private static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Migrate_FreshDatabase_CreatesEveryColumnTheModelReads()
    {
        // Reading every entity type selects every mapped column, so a column missing from the hand-written
        // migration fails here.
        await using var db = await Database.CreateFactory().CreateDbContextAsync();
        foreach (var entity in db.Model.GetEntityTypes())
        {
            var query = (IQueryable<object>)typeof(DbContext).GetMethod(nameof(DbContext.Set), Type.EmptyTypes)!
                .MakeGenericMethod(entity.ClrType).Invoke(db, null)!;
            await query.Take(1).ToListAsync();
        }
        Assert.Contains("20261122000001_Initial", await db.Database.GetAppliedMigrationsAsync());
        Assert.Contains("20261203000001_UnknownNetworkCounts", await db.Database.GetAppliedMigrationsAsync());
        Assert.Contains("20261203000002_RequesterReferenceOnly", await db.Database.GetAppliedMigrationsAsync());
        Assert.Contains("20261206000101_AlertScopesAndAcknowledgements", await db.Database.GetAppliedMigrationsAsync());
        Assert.Contains("20261207000101_AlertTargetAddresses", await db.Database.GetAppliedMigrationsAsync());
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }

    [Fact]
    public async Task Migrate_RunTwice_IsIdempotent()
    {
        var before = await Database.CreateStore().GetVersionAsync();
        await StorageSetup.MigrateAsync(Database.CreateFactory(), Database.Settings, CancellationToken.None);
        Assert.Equal(before, await Database.CreateStore().GetVersionAsync());
    }

    [Fact]
    public async Task ReplaceTenant_CompanyUuidOfAnotherTenant_IsRefusedAndChangesNothing()
    {
        var store = Database.CreateStore();
        var owner = Samples.Wiremap(NewTenant());
        owner = owner with { Tenant = owner.Tenant with { CompanyUuid = Guid.NewGuid() } };
        await store.ReplaceTenantAsync(owner);
        var before = await store.GetVersionAsync();

        var intruder = Samples.Wiremap(NewTenant());
        var reuse = intruder with { Tenant = intruder.Tenant with { CompanyUuid = owner.Tenant.CompanyUuid } };
        var error = await Assert.ThrowsAsync<StoreValidationException>(() => store.ReplaceTenantAsync(reuse));
        Assert.Contains(error.Errors, e => e.Path == "/tenant/companyUuid" && e.Message.Contains(owner.Tenant.Id, StringComparison.Ordinal));

        // A tenant whose id is the other tenant's company UUID would win the LIS URL /held/{uuid}.
        var named = Samples.Wiremap(owner.Tenant.CompanyUuid!.Value.ToString("D"));
        error = await Assert.ThrowsAsync<StoreValidationException>(() => store.ReplaceTenantAsync(named));
        Assert.Contains(error.Errors, e => e.Path == "/tenant/id");

        Assert.Equal(before, await store.GetVersionAsync());
        Assert.Null(await store.GetTenantAsync(intruder.Tenant.Id));
        Assert.Null(await store.GetTenantAsync(named.Tenant.Id));
        // The owner may still replace its own wiremap with its own UUID.
        await store.ReplaceTenantAsync(owner);
    }

    [Fact]
    public async Task ReplaceTenant_ThenLoad_RoundTripsEveryField()
    {
        var store = Database.CreateStore();
        var wiremap = Samples.Wiremap(NewTenant());
        var version = await store.ReplaceTenantAsync(wiremap);

        var (tenants, loadedVersion) = await store.LoadAllAsync();
        var loaded = Assert.Single(tenants, t => t.Tenant.Id == wiremap.Tenant.Id);
        Assert.Equal(version, loadedVersion);
        Assert.Equal(Samples.Canonical(wiremap), Samples.Canonical(loaded));
        Assert.Equal(wiremap.Tenant, loaded.Tenant);
        Assert.Equal(wiremap.Sites[0].Address, loaded.Sites[0].Address);
        Assert.Equal(wiremap.Locations[0].Point, loaded.Locations[0].Point);

        var single = await store.GetTenantAsync(wiremap.Tenant.Id);
        Assert.NotNull(single);
        Assert.Equal(Samples.Canonical(wiremap), Samples.Canonical(single));
        Assert.Null(await store.GetTenantAsync("no-such-tenant"));
    }

    [Fact]
    public async Task ReplaceTenant_EachCommit_BumpsVersionByOne()
    {
        var store = Database.CreateStore();
        var before = await store.GetVersionAsync();
        var first = await store.ReplaceTenantAsync(Samples.Wiremap(NewTenant()));
        var second = await store.ReplaceTenantAsync(Samples.Wiremap(NewTenant()));
        Assert.Equal(before + 1, first);
        Assert.Equal(before + 2, second);
        Assert.Equal(second, await store.GetVersionAsync());
    }

    [Fact]
    public async Task ReplaceTenant_Twice_LeavesOnlyTheSecondContent()
    {
        var store = Database.CreateStore();
        var id = NewTenant();
        await store.ReplaceTenantAsync(Samples.Wiremap(id));
        var smaller = Samples.Wiremap(id) with
        {
            Tenant = new Tenant(id, "Renamed"),
            Sites = [Samples.Wiremap(id).Sites[1]],
            Locations = [Samples.Wiremap(id).Locations[2]],
            Elements = [new NetworkElement(ElementKind.Bssid, "00:11:22:33:44:55", LocationId: "tor-1")],
            Dids = [],
            Requesters = [],
        };
        await store.ReplaceTenantAsync(smaller);
        var loaded = await store.GetTenantAsync(id);
        Assert.Equal(Samples.Canonical(smaller), Samples.Canonical(loaded!));
    }

    [Fact]
    public async Task ReplaceTenant_OtherTenants_AreUntouched()
    {
        var store = Database.CreateStore();
        var a = Samples.Wiremap(NewTenant());
        var b = Samples.Wiremap(NewTenant());
        await store.ReplaceTenantAsync(a);
        await store.ReplaceTenantAsync(b);
        await store.ReplaceTenantAsync(a with { Elements = [] });
        Assert.Equal(Samples.Canonical(b), Samples.Canonical((await store.GetTenantAsync(b.Tenant.Id))!));
    }

    [Fact]
    public async Task ReplaceTenant_FailureMidTransaction_KeepsOldWiremapAndVersion()
    {
        var id = NewTenant();
        var original = Samples.Wiremap(id);
        await Database.CreateStore().ReplaceTenantAsync(original);
        var versionBefore = await Database.CreateStore().GetVersionAsync();

        // The connection "drops" while the elements are written: after the version bump, the deletes and the
        // site and location inserts have already run inside the transaction.
        var failing = Database.CreateStore(new FailOnCommand("network_elements", "INSERT"));
        var replacement = original with { Tenant = original.Tenant with { Name = "Half applied" }, Elements = [original.Elements[0]] };
        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => failing.ReplaceTenantAsync(replacement));
        Assert.Contains(Chain(error), e => e is TimeoutException && e.Message.StartsWith("injected", StringComparison.Ordinal));

        var store = Database.CreateStore();
        Assert.Equal(versionBefore, await store.GetVersionAsync());
        Assert.Equal(Samples.Canonical(original), Samples.Canonical((await store.GetTenantAsync(id))!));
    }

    [Fact]
    public async Task ReplaceTenant_InvalidWiremap_ThrowsValidationAndWritesNothing()
    {
        var store = Database.CreateStore();
        var before = await store.GetVersionAsync();
        var invalid = Samples.Wiremap(NewTenant()) with { Elements = [new NetworkElement(ElementKind.Bssid, "not-a-mac", LocationId: "aus-3")] };
        var error = await Assert.ThrowsAsync<StoreValidationException>(() => store.ReplaceTenantAsync(invalid));
        Assert.Contains(error.Errors, e => e.Path == "/elements/0/value");
        Assert.Equal(before, await store.GetVersionAsync());
        Assert.Null(await store.GetTenantAsync(invalid.Tenant.Id));
    }

    [Fact]
    public async Task ReplaceTenant_Concurrent_GetDistinctConsecutiveVersions()
    {
        var store = Database.CreateStore();
        var before = await store.GetVersionAsync();
        var versions = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => store.ReplaceTenantAsync(Samples.Wiremap(NewTenant())))));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => before + i), versions.Order());
    }

    [Fact]
    public async Task LoadAll_DuringConcurrentReplaces_NeverSeesAHalfWrittenTenant()
    {
        var store = Database.CreateStore();
        var id = NewTenant();
        var full = Samples.Wiremap(id);
        var reduced = full with { Locations = [full.Locations[1]], Elements = [full.Elements[1]], Dids = [], Requesters = [full.Requesters[1]] };
        var allowed = new[] { Samples.Canonical(full), Samples.Canonical(reduced) };
        await store.ReplaceTenantAsync(full);

        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++) await store.ReplaceTenantAsync(i % 2 == 0 ? reduced : full);
        });
        var loads = 0;
        while (!writer.IsCompleted || loads < 5)
        {
            var (tenants, version) = await store.LoadAllAsync();
            var seen = Assert.Single(tenants, t => t.Tenant.Id == id);
            Assert.Contains(Samples.Canonical(seen), allowed);
            Assert.True(version > 0);
            loads++;
        }
        await writer;
    }

    [Fact]
    public async Task DeleteTenant_Existing_RemovesItAndBumpsVersion()
    {
        var store = Database.CreateStore();
        var wiremap = Samples.Wiremap(NewTenant());
        var version = await store.ReplaceTenantAsync(wiremap);
        Assert.Equal(version + 1, await store.DeleteTenantAsync(wiremap.Tenant.Id));
        Assert.Null(await store.GetTenantAsync(wiremap.Tenant.Id));
        Assert.Equal(version + 1, await store.DeleteTenantAsync(wiremap.Tenant.Id));
    }

    [Fact]
    public async Task CallRecords_AfterStoreRecreated_AreListedNewestFirstWithinRange()
    {
        var tenant = NewTenant();
        var t0 = new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
        var store = Database.CreateStore();
        for (var i = 0; i < 5; i++)
            await store.AddCallRecordAsync(Call(tenant, t0.AddMinutes(i), i == 4));
        await store.AddCallRecordAsync(Call(NewTenant(), t0, false));

        // A new store over new contexts and new connections: nothing is served from memory.
        ClearPools();
        var reopened = Database.CreateStore();
        var list = await reopened.ListCallRecordsAsync(tenant, t0.AddMinutes(1), t0.AddMinutes(4), 10);
        Assert.Equal([t0.AddMinutes(3), t0.AddMinutes(2), t0.AddMinutes(1)], list.Select(c => c.TimeUtc));
        Assert.All(list, c => Assert.Equal(DateTimeKind.Utc, c.TimeUtc.Kind));
        var all = await reopened.ListCallRecordsAsync(tenant, t0, t0.AddHours(1), 2);
        Assert.Equal(2, all.Count);
        var latest = all[0];
        Assert.True(latest.TestCall);
        Assert.Equal("933", latest.Dialed);
        Assert.Equal("sip:psap@example.net", latest.RouteUri);
        Assert.Equal("100 Congress Ave, Austin, TX 78701, US", latest.CivicDisplay);
        Assert.NotEqual(Guid.Empty, latest.Id);
    }

    [Fact]
    public async Task Elins_AfterStoreRecreated_FindOnlyUnexpiredAssignments()
    {
        var tenant = NewTenant();
        var now = new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
        var store = Database.CreateStore();
        await store.UpsertElinAsync(new ElinAssignment(tenant, "512-555-0190", "+15125550123", "aus-3-301", now, now.AddHours(2)));
        await store.UpsertElinAsync(new ElinAssignment(tenant, "+15125550191", "+15125550124", "aus-3-301", now.AddHours(-3), now.AddHours(-1)));

        ClearPools();
        var reopened = Database.CreateStore();
        var found = await reopened.FindElinAsync(tenant, "tel:+1-512-555-0190", now.AddHours(1));
        Assert.NotNull(found);
        Assert.Equal("+15125550190", found.Elin);
        Assert.Equal("+15125550123", found.CallerNumber);
        Assert.Null(await reopened.FindElinAsync(tenant, "+15125550190", now.AddHours(2)));
        Assert.Null(await reopened.FindElinAsync(tenant, "+15125550191", now));
        Assert.Null(await reopened.FindElinAsync(NewTenant(), "+15125550190", now));
        var active = await ActiveAtLocationAsync(reopened, tenant, "aus-3-301", now);
        Assert.Equal(["+15125550190"], active.Select(a => a.Elin));

        // Re-lending an ELIN replaces the earlier caller.
        await reopened.UpsertElinAsync(new ElinAssignment(tenant, "+15125550191", "+15125550125", "aus-3-301", now, now.AddHours(1)));
        Assert.Equal("+15125550125", (await reopened.FindElinAsync(tenant, "+15125550191", now))!.CallerNumber);
        Assert.Equal(2, (await ActiveAtLocationAsync(reopened, tenant, "aus-3-301", now)).Count);
    }

    private static async Task<List<ElinAssignment>> ActiveAtLocationAsync(WiremapStore store, string tenant, string locationId, DateTime now) =>
        [.. (await store.ListActiveElinsAsync(now)).Where(a => a.TenantId == tenant && a.LocationId == locationId).OrderBy(a => a.Elin, StringComparer.Ordinal)];

    [Fact]
    public async Task CommitCalls_RecordsAndElins_CommittedTogetherLatestAssignmentWins()
    {
        var tenant = NewTenant();
        var now = new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
        var store = Database.CreateStore();
        await store.UpsertElinAsync(new ElinAssignment(tenant, "+15125550192", "+15125550111", "aus-3-301", now.AddMinutes(10), now.AddHours(1)));
        await store.CommitCallsAsync(
            [Call(tenant, now, test: false), Call(tenant, now.AddSeconds(1), test: false), Call(tenant, now.AddSeconds(2), test: false)],
            [
                new ElinAssignment(tenant, "512-555-0190", "+15125550123", "aus-3-301", now, now.AddHours(1)),
                new ElinAssignment(tenant, "+15125550190", "+15125550124", "aus-3-301", now.AddSeconds(1), now.AddHours(1)),
                new ElinAssignment(tenant, "+15125550191", "+15125550125", "aus-3-301", now.AddSeconds(2), now.AddHours(1)),
                // Older than the assignment already stored (lent later elsewhere): the stored one stands.
                new ElinAssignment(tenant, "+15125550192", "+15125550126", "aus-3-301", now, now.AddHours(1)),
            ]);

        ClearPools();
        var reopened = Database.CreateStore();
        Assert.Equal(3, (await reopened.ListCallRecordsAsync(tenant, now, now.AddMinutes(1), 10)).Count);
        Assert.Equal("+15125550124", (await reopened.FindElinAsync(tenant, "+15125550190", now.AddMinutes(1)))!.CallerNumber);
        Assert.Equal("+15125550125", (await reopened.FindElinAsync(tenant, "+15125550191", now.AddMinutes(1)))!.CallerNumber);
        Assert.Equal("+15125550111", (await reopened.FindElinAsync(tenant, "+15125550192", now.AddMinutes(11)))!.CallerNumber);
        var active = (await reopened.ListActiveElinsAsync(now.AddMinutes(30))).Where(a => a.TenantId == tenant).Select(a => a.Elin).Order();
        Assert.Equal(["+15125550190", "+15125550191", "+15125550192"], active);
        Assert.DoesNotContain((await reopened.ListActiveElinsAsync(now.AddHours(2))), a => a.TenantId == tenant);
    }

    [Fact]
    public async Task CommitCalls_WithAlerts_RecordedAndAnAcknowledgedOneKeptOnRetry()
    {
        var tenant = NewTenant();
        var now = new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
        var store = Database.CreateStore();
        var first = new StoredAlert("alert-" + tenant, tenant, "emergency-call", now, """{"id":"1"}""");
        await store.CommitCallsAsync([Call(tenant, now, test: false)], [], [first, first]);
        Assert.NotNull(await store.AcknowledgeAlertAsync(tenant, first.Id, "front desk", now.AddMinutes(1)));

        // A retried batch carries the alert again, and a new one beside it, with no call record.
        var second = first with { Id = "alert2-" + tenant, SummaryJson = """{"id":"2"}""" };
        await store.CommitCallsAsync([], [], [first with { SummaryJson = "{}" }, second]);

        var alerts = await store.ListAlertsAsync(tenant, open: false, limit: 10);
        Assert.Equal([first.Id, second.Id], alerts.Select(a => a.Id).Order(StringComparer.Ordinal));
        var kept = Assert.Single(alerts, a => a.Id == first.Id);
        Assert.Equal("front desk", kept.AcknowledgedBy);
        Assert.Equal("""{"id":"1"}""", kept.SummaryJson);
        Assert.Single(await store.ListCallRecordsAsync(tenant, now, now.AddMinutes(1), 10));
    }

    [Fact]
    public async Task CommitCalls_RetriedBatchWithStoredRecord_StoredOneKeptNewOnesWrittenOnce()
    {
        // PostgreSQL copies a batch in; a retry meets the rows it already stored and is written again by statements.
        var tenant = NewTenant();
        var now = new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
        var store = Database.CreateStore();
        var stored = Call(tenant, now, test: false) with { Id = Guid.CreateVersion7(), PolicyId = "uk-sites" };
        var alert = new StoredAlert("alert-" + tenant, tenant, "emergency-call", now, """{"id":"1"}""");
        await store.CommitCallsAsync([stored], [], [alert]);

        var later = Call(tenant, now.AddSeconds(1), test: false) with { Id = Guid.CreateVersion7(), CallingNumber = "+442071234567", CivicDisplay = "Zürich, Bahnhofstrasse 1 — 3. OG" };
        var second = alert with { Id = "alert2-" + tenant, SummaryJson = """{"id":"2"}""" };
        await store.CommitCallsAsync(
            [stored with { RouteName = "changed on retry" }, later],
            [new ElinAssignment(tenant, "+15125550190", "+15125550123", "aus-3-301", now, now.AddHours(1))],
            [alert with { SummaryJson = "{}" }, second]);

        var records = (await store.ListCallRecordsAsync(tenant, now, now.AddMinutes(1), 10)).OrderBy(r => r.TimeUtc).ToList();
        Assert.Equal([stored, later], records);
        Assert.Equal(["""{"id":"1"}""", """{"id":"2"}"""], (await store.ListAlertsAsync(tenant, open: false, limit: 10)).OrderBy(a => a.Id, StringComparer.Ordinal).Select(a => a.SummaryJson));
        Assert.Equal("+15125550123", (await store.FindElinAsync(tenant, "+15125550190", now.AddMinutes(1)))!.CallerNumber);
    }

    [Fact]
    public async Task CommitCalls_InvalidElin_NothingWritten()
    {
        var tenant = NewTenant();
        var now = new DateTime(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);
        var store = Database.CreateStore();
        await Assert.ThrowsAsync<StoreValidationException>(() => store.CommitCallsAsync(
            [Call(tenant, now, test: false)],
            [new ElinAssignment(tenant, "not a number", "+15125550123", "aus-3-301", now, now.AddHours(1))]));
        Assert.Empty(await store.ListCallRecordsAsync(tenant, now, now.AddMinutes(1), 10));
    }

    [Fact]
    public async Task Nomadic_SaveThenUpdate_KeepsCreatedAndReplacesAddress()
    {
        var tenant = NewTenant();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero));
        var store = Database.CreateStore(time: time);
        await store.SaveNomadicAsync(new NomadicAddress(tenant, "dev-1", "net-a", Samples.Austin));
        time.Advance(TimeSpan.FromDays(1));
        await store.SaveNomadicAsync(new NomadicAddress(tenant, "dev-1", "net-a", Samples.Toronto));

        var found = await Database.CreateStore().FindNomadicAsync(tenant, "dev-1", "net-a");
        Assert.NotNull(found);
        Assert.Equal(Samples.Toronto, found.Address);
        Assert.Equal(new DateTime(2026, 11, 22, 8, 0, 0, DateTimeKind.Utc), found.CreatedUtc);
        Assert.Equal(new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc), found.UpdatedUtc);
        Assert.Null(await store.FindNomadicAsync(tenant, "dev-1", "net-b"));
        Assert.Null(await store.FindNomadicAsync(tenant, "dev-2", "net-a"));
    }

    [Fact]
    public async Task Nomadic_InvalidAddress_IsRejected()
    {
        var store = Database.CreateStore();
        var error = await Assert.ThrowsAsync<StoreValidationException>(() =>
            store.SaveNomadicAsync(new NomadicAddress(NewTenant(), "dev", "net", Samples.Austin with { A1 = "US-TX" })));
        Assert.Contains(error.Errors, e => e.Path == "/address/A1");
    }

    [Fact]
    public async Task UnknownNetworkEvents_Added_AreListedNewestFirst()
    {
        var tenant = NewTenant();
        var t0 = new DateTime(2026, 11, 22, 9, 0, 0, DateTimeKind.Utc);
        var store = Database.CreateStore();
        await store.SaveUnknownNetworkCountsAsync([new UnknownNetworkEvent(tenant, "dev-1", "net-a", t0, Guid.CreateVersion7())]);
        await store.SaveUnknownNetworkCountsAsync([new UnknownNetworkEvent(tenant, "dev-2", "net-b", t0.AddMinutes(5), Guid.CreateVersion7())]);
        var list = await store.ListUnknownNetworkEventsAsync(tenant, t0, 10);
        Assert.Equal(["dev-2", "dev-1"], list.Select(e => e.DeviceKey));
        Assert.Single(await store.ListUnknownNetworkEventsAsync(tenant, t0.AddMinutes(1), 10));
    }

    [Fact]
    public async Task UnknownNetworkCounts_SavedTwice_OneRecordWithTheLatestCount()
    {
        var tenant = NewTenant();
        var t0 = new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc);
        var store = Database.CreateStore();
        var id = Guid.CreateVersion7();
        await store.SaveUnknownNetworkCountsAsync([new UnknownNetworkEvent(tenant, "dev-1", "net-a", t0, id)]);
        await store.SaveUnknownNetworkCountsAsync(
        [
            new UnknownNetworkEvent(tenant, "dev-1", "net-a", t0, id, 4_000, t0.AddMinutes(9)),
            new UnknownNetworkEvent(tenant, "dev-9", "net-b", t0.AddMinutes(2), Guid.CreateVersion7()),
        ]);
        var list = await store.ListUnknownNetworkEventsAsync(tenant, t0, 10);
        Assert.Equal(["net-b", "net-a"], list.Select(e => e.NetworkFingerprint));
        var counted = list.Single(e => e.Id == id);
        Assert.Equal(4_000, counted.RequestCount);
        Assert.Equal(t0.AddMinutes(9), counted.LastUtc);
        Assert.Equal("dev-1", counted.DeviceKey);
        Assert.Equal(1, list.Single(e => e.Id != id).RequestCount);
    }

    [Fact]
    public async Task Alerts_TargetsAndDeliveries_RoundTripAndSelectDue()
    {
        var tenant = NewTenant();
        var now = new DateTime(2026, 11, 22, 11, 0, 0, DateTimeKind.Utc);
        var store = Database.CreateStore();
        var target = await store.SaveAlertTargetAsync(new AlertTarget(Guid.Empty, tenant, "https://desk.example.com/hook", ["call911", "call933"], "s3cret"));
        Assert.NotEqual(Guid.Empty, target.Id);
        var listed = Assert.Single(await store.ListAlertTargetsAsync(tenant));
        Assert.Equal(["call911", "call933"], listed.Kinds);
        Assert.Equal("s3cret", listed.Secret);

        var due = await store.AddAlertDeliveryAsync(new AlertDelivery(Guid.Empty, target.Id, tenant, "call911", "{\"n\":1}", 0, AlertDeliveryStatus.Pending, null, now, null, now, null));
        await store.AddAlertDeliveryAsync(new AlertDelivery(Guid.Empty, target.Id, tenant, "call933", "{}", 0, AlertDeliveryStatus.Pending, null, now, null, now.AddMinutes(5), null));
        Assert.Contains(await store.DueAlertDeliveriesAsync(now, 100), d => d.Id == due.Id);
        Assert.DoesNotContain(await store.DueAlertDeliveriesAsync(now, 100), d => d.EventKind == "call933" && d.TenantId == tenant);

        Assert.True(await store.UpdateAlertDeliveryAsync(due with { Attempts = 1, Status = AlertDeliveryStatus.Delivered, LastAttemptUtc = now, DeliveredUtc = now }));
        Assert.DoesNotContain(await store.DueAlertDeliveriesAsync(now.AddHours(1), 100), d => d.Id == due.Id);
        var history = await store.ListAlertDeliveriesAsync(target.Id, 10);
        Assert.Equal(2, history.Count);
        var delivered = Assert.Single(history, d => d.Id == due.Id);
        Assert.Equal(AlertDeliveryStatus.Delivered, delivered.Status);
        Assert.Equal("{\"n\":1}", delivered.PayloadJson);

        Assert.True(await store.DeleteAlertTargetAsync(target.Id));
        Assert.Empty(await store.ListAlertTargetsAsync(tenant));
        Assert.Empty(await store.ListAlertDeliveriesAsync(target.Id, 10));
        Assert.False(await store.DeleteAlertTargetAsync(target.Id));
    }

    [Fact]
    public async Task AlertTarget_SavedWithoutScopeOrAtASite_TenantScopeByDefaultSiteScopeRoundTrips()
    {
        var tenant = NewTenant();
        var store = Database.CreateStore();
        await store.SaveAlertTargetAsync(new AlertTarget(Guid.Empty, tenant, "mailto:desk@example.com", [], null));
        await store.SaveAlertTargetAsync(new AlertTarget(Guid.Empty, tenant, "sms:+15125550777", ["EmergencyCall"], null, "site", "hq"));

        var listed = await store.ListAlertTargetsAsync(tenant);

        Assert.Equal([("tenant", null), ("site", "hq")], listed.OrderBy(t => t.Url, StringComparer.Ordinal).Select(t => (t.Scope, t.ScopeId)));
        await Assert.ThrowsAsync<StoreValidationException>(() => store.SaveAlertTargetAsync(new AlertTarget(Guid.Empty, tenant, "sms:+15125550777", [], null, "site", null)));
    }

    [Fact]
    public async Task Alerts_AcknowledgedByManyDesksAtOnce_ExactlyOneWinsAndAllSeeIt()
    {
        var tenant = NewTenant();
        var id = Guid.CreateVersion7().ToString("N");
        var raised = new DateTime(2026, 12, 4, 14, 3, 7, DateTimeKind.Utc);
        var store = Database.CreateStore();
        await store.RecordAlertAsync(new StoredAlert(id, tenant, "emergency-call", raised, "{\"id\":\"" + id + "\"}"));
        await store.RecordAlertAsync(new StoredAlert(id, tenant, "emergency-call", raised.AddSeconds(1), "{}"));

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.AcknowledgeAlertAsync(tenant, id, "key:desk" + i, raised.AddSeconds(10 + i))));

        Assert.All(answers, a => Assert.NotNull(a));
        var winner = Assert.Single(answers, a => a!.Value.First)!.Value.Alert;
        Assert.All(answers, a => Assert.Equal((winner.AcknowledgedBy, winner.AcknowledgedUtc), (a!.Value.Alert.AcknowledgedBy, a.Value.Alert.AcknowledgedUtc)));
        var stored = await store.GetAlertAsync(tenant, id);
        Assert.Equal(winner.AcknowledgedBy, stored!.AcknowledgedBy);
        Assert.Equal(raised, stored.TimeUtc);
        Assert.Contains(id, stored.SummaryJson, StringComparison.Ordinal);
        Assert.Empty(await store.ListAlertsAsync(tenant, open: true, 10));
        Assert.Single(await store.ListAlertsAsync(tenant, open: false, 10));
        Assert.Null(await store.AcknowledgeAlertAsync("other-" + tenant, id, "key:x", raised));
        Assert.Null(await store.AcknowledgeAlertAsync(tenant, "f" + id[1..], "key:x", raised));
    }

    [Fact]
    public async Task AlertTarget_SeveralAddresses_RoundTripInOrderAndOneAddressStaysOne()
    {
        var tenant = NewTenant();
        var store = Database.CreateStore();
        await store.SaveAlertTargetAsync(new AlertTarget(Guid.Empty, tenant, "mailto:a@example.com", [], null,
            Addresses: ["mailto:a@example.com", "mailto:b@example.com", "mailto:c@example.com"]));
        await store.SaveAlertTargetAsync(new AlertTarget(Guid.Empty, tenant, "sms:+15125550777", [], null));

        var listed = (await store.ListAlertTargetsAsync(tenant)).OrderBy(t => t.Url, StringComparer.Ordinal).ToList();

        Assert.Equal(["mailto:a@example.com", "mailto:b@example.com", "mailto:c@example.com"], listed[0].AllAddresses);
        Assert.Null(listed[1].Addresses);
        Assert.Equal(["sms:+15125550777"], listed[1].AllAddresses);
        await Assert.ThrowsAsync<StoreValidationException>(() => store.SaveAlertTargetAsync(new AlertTarget(Guid.Empty, tenant, "mailto:a@example.com", [], null,
            Addresses: ["mailto:b@example.com", "mailto:a@example.com"])));
    }

    [Fact]
    public async Task AlertTarget_NotAUrl_IsRejected()
    {
        await Assert.ThrowsAsync<StoreValidationException>(() =>
            Database.CreateStore().SaveAlertTargetAsync(new AlertTarget(Guid.Empty, "acme", "desk.example.com", ["call911"], null)));
    }

    protected abstract void ClearPools();

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException) yield return x;
    }

    internal static CallRecord Call(string tenant, DateTime time, bool test) => new(
        Guid.Empty, tenant, time, test ? "933" : "911", "+15125550123", "ab12", "token", "aus-3-301",
        "100 Congress Ave, Austin, TX 78701, US", test ? "test" : "psap", "sip:psap@example.net", "Austin PSAP", "+15125550100", test, "call-" + time.Ticks);

    /// <summary>Makes one kind of statement fail like a dropped connection.</summary>
    private sealed class FailOnCommand(string table, string verb) : DbCommandInterceptor
    {
        private void Check(DbCommand command)
        {
            var sql = command.CommandText;
            if (sql.Contains(verb, StringComparison.OrdinalIgnoreCase) && sql.Contains(table, StringComparison.OrdinalIgnoreCase))
                throw new TimeoutException("injected: connection lost");
        }

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Check(command);
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Check(command);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Check(command);
            return ValueTask.FromResult(result);
        }
    }
}
