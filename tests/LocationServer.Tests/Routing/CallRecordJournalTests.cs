using LocationServer.Data.Storage;
using LocationServer.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using CallRecord = LocationServer.Data.Storage.CallRecord;
using ElinAssignment = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Tests.Routing;

/// <summary>
/// The call-record journal on a real file, and the writer spilling to it while a real SQLite store is away ("away" is
/// a database file in a directory that does not exist yet) and replaying it at the next start.
/// </summary>
public sealed class CallRecordJournalTests : IAsyncLifetime
{
    private const string Tenant = "acme";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ls-journal-" + Guid.NewGuid().ToString("N"));
    private ServiceProvider _services = null!;

    private string JournalPath => Path.Combine(_directory, "journal", "call-records.journal");

    private string DatabasePath => Path.Combine(_directory, "db", "calls.db");

    private WiremapStore Store => _services.GetRequiredService<WiremapStore>();

    public Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:SqlitePath"] = DatabasePath }).Build();
        _services = new ServiceCollection().AddLogging().AddLocationStorage(configuration).BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    private static CallRecord Record(int i) =>
        new(Guid.CreateVersion7(), Tenant, DateTime.UtcNow, "911", $"+1512555{i:D4}", null, "did", "hq-3", "100 Congress Ave — Suite 3", "psap",
            "sip:austin@esinet.example", "Austin", $"+1512555{i:D4}", false, $"call-{i}");

    private static ElinAssignment Elin(int i) =>
        new(Tenant, $"+1512555{9000 + i:D4}", $"+1512555{i:D4}", "hq-3", DateTime.UtcNow, DateTime.UtcNow.AddHours(1));

    private CallRecordWriter Writer() =>
        new(Store, TimeProvider.System, NullLogger<CallRecordWriter>.Instance, Options.Create(new CallRecordOptions { JournalPath = JournalPath }));

    private static List<JournalEntry> Entries(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => new JournalEntry(Record(i), i % 2 == 0 ? Elin(i) : null))];

    [Fact]
    public void Journal_AppendThenReopen_ReadsEveryRecordAsWritten()
    {
        var written = Entries(0, 50);
        using (var journal = CallRecordJournal.Open(JournalPath))
        {
            Assert.Empty(journal.ReadAll().Entries);
            journal.Append(written[..20]);
            journal.Append(written[20..]);
        }

        using var reopened = CallRecordJournal.Open(JournalPath);
        var read = reopened.ReadAll();

        Assert.Equal(0, read.TornBytes);
        Assert.Equal(written, read.Entries);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(40)]
    public void Journal_TornLastRecord_SkippedCutOffAndLaterAppendsReadable(int lostBytes)
    {
        var written = Entries(0, 3);
        using (var journal = CallRecordJournal.Open(JournalPath)) journal.Append(written);
        // The process died while the last record was being written: its tail never reached the disk.
        var length = new FileInfo(JournalPath).Length;
        using (var file = new FileStream(JournalPath, FileMode.Open)) file.SetLength(length - lostBytes);

        using (var journal = CallRecordJournal.Open(JournalPath))
        {
            var read = journal.ReadAll();
            Assert.Equal(written[..2], read.Entries);
            Assert.True(read.TornBytes > 0 && read.TornBytes < length, $"torn bytes {read.TornBytes} of {length}");
            journal.Append(Entries(3, 1));
        }

        using var reopened = CallRecordJournal.Open(JournalPath);
        var after = reopened.ReadAll();
        Assert.Equal(0, after.TornBytes);
        Assert.Equal(["call-0", "call-1", "call-3"], after.Entries.Select(e => e.Record!.CallId));
    }

    [Fact]
    public void Journal_RecordWithBadChecksum_ItAndWhatFollowsAreSkipped()
    {
        using (var journal = CallRecordJournal.Open(JournalPath))
        {
            journal.Append(Entries(0, 1));
            journal.Append(Entries(1, 2));
        }
        var bytes = File.ReadAllBytes(JournalPath);
        var second = 8 + BitConverter.ToInt32(bytes, 0);
        // A byte of the second record's payload (past its 8-byte header) changed on the disk.
        bytes[second + 8 + 10] ^= 0x20;
        File.WriteAllBytes(JournalPath, bytes);

        using var reopened = CallRecordJournal.Open(JournalPath);
        var read = reopened.ReadAll();

        Assert.Equal(["call-0"], read.Entries.Select(e => e.Record!.CallId));
        Assert.True(read.TornBytes > 0);
    }

    [Fact]
    public void Journal_OpenedTwice_SecondOpenFails()
    {
        using var first = CallRecordJournal.Open(JournalPath);
        Assert.Throws<IOException>(() => CallRecordJournal.Open(JournalPath));
        Assert.Contains(new CallRecordOptions { JournalPath = JournalPath }.Problems(), p => p.StartsWith("Routing:CallRecords:JournalPath cannot be opened", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Writer_StoreUp_NothingJournaled()
    {
        await StorageSetup.MigrateAsync(_services);
        var writer = Writer();
        await writer.StartAsync(CancellationToken.None);
        foreach (var entry in Entries(0, 20)) Assert.True(writer.Enqueue(entry.Record!, entry.Elin));
        await writer.FlushAsync();
        await writer.StopAsync(CancellationToken.None);

        Assert.Equal(20, (await Store.ListCallRecordsAsync(Tenant, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), 100)).Count);
        Assert.Equal(0, new FileInfo(JournalPath).Length);
    }

    [Fact]
    public async Task Writer_StoreAway_RecordsJournaledAndReplayedByTheNextStart()
    {
        var entries = Entries(0, 30);
        var writer = Writer();
        await writer.StartAsync(CancellationToken.None);
        foreach (var entry in entries[..10]) writer.Enqueue(entry.Record!, entry.Elin);
        await writer.FlushAsync();
        Assert.True(writer.Deferring);
        foreach (var entry in entries[10..]) Assert.False(writer.Enqueue(entry.Record!, entry.Elin));
        // A flush completes once what came before it is held: here, on the disk.
        await writer.FlushAsync();
        Assert.True(new FileInfo(JournalPath).Length > 0, "nothing was journaled while the store was away");
        await writer.StopAsync(CancellationToken.None);
        writer.Dispose();

        using (var journal = CallRecordJournal.Open(JournalPath))
            Assert.Equal(entries.Select(e => e.Record!.Id), journal.ReadAll().Entries.Select(e => e.Record!.Id));

        // The store returns; the next start replays the journal and empties it.
        await StorageSetup.MigrateAsync(_services);
        var next = Writer();
        await next.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        IReadOnlyList<CallRecord> stored = [];
        while (DateTime.UtcNow < deadline && (stored = await Store.ListCallRecordsAsync(Tenant, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), 100)).Count < entries.Count)
            await Task.Delay(50);
        await next.FlushAsync();
        await next.StopAsync(CancellationToken.None);

        Assert.Equal(entries.Select(e => e.Record!.Id).Order(), stored.Select(r => r.Id).Order());
        Assert.Equal("+15125550002", (await Store.FindElinAsync(Tenant, "+15125559002", DateTime.UtcNow))?.CallerNumber);
        Assert.Equal(0, new FileInfo(JournalPath).Length);
    }

    [Fact]
    public async Task Writer_StoreAway_AlertsJournaledAndRecordedByTheNextStart()
    {
        // An alert raised during an outage is held like a call record, so a desk can acknowledge it once the store is
        // back, even across a restart.
        var writer = Writer();
        await writer.StartAsync(CancellationToken.None);
        var record = Entries(0, 1)[0];
        // A call's alert travels with its record; other alerts (unknown networks, moves) on their own.
        var callAlert = new StoredAlert("alert-call", Tenant, "emergency-call", DateTime.UtcNow, "{\"id\":\"alert-call\"}");
        writer.Enqueue(record.Record!, record.Elin, callAlert);
        await writer.FlushAsync();
        Assert.True(writer.Deferring);
        var alerts = Enumerable.Range(0, 3).Select(i => new StoredAlert($"alert-{i}", Tenant, "emergency-call", DateTime.UtcNow, $"{{\"id\":\"alert-{i}\",\"note\":\"caf\u00e9\"}}")).ToList();
        // Accepted while held: the task completes without the store.
        await Task.WhenAll(alerts.Select(writer.EnqueueAlert)).WaitAsync(TimeSpan.FromSeconds(60));
        await writer.StopAsync(CancellationToken.None);
        writer.Dispose();

        using (var journal = CallRecordJournal.Open(JournalPath))
            Assert.Equal(["alert-call", "alert-0", "alert-1", "alert-2"], journal.ReadAll().Entries.Where(e => e.Alert is not null).Select(e => e.Alert!.Id));

        await StorageSetup.MigrateAsync(_services);
        var next = Writer();
        await next.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        IReadOnlyList<StoredAlert> ledger = [];
        while (DateTime.UtcNow < deadline && (ledger = await Store.ListAlertsAsync(Tenant, open: true, limit: 100)).Count < alerts.Count + 1)
            await Task.Delay(50);
        await next.FlushAsync();
        await next.StopAsync(CancellationToken.None);

        Assert.Equal(alerts.Select(a => a.Id).Prepend(callAlert.Id).Order(), ledger.Select(a => a.Id).Order());
        Assert.Equal(alerts[1].SummaryJson, ledger.Single(a => a.Id == "alert-1").SummaryJson);
        Assert.Single(await Store.ListCallRecordsAsync(Tenant, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), 100));
        Assert.Equal(0, new FileInfo(JournalPath).Length);
    }
}
