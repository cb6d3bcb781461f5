using System.Collections.Concurrent;
using LocationServer.Data.Storage;
using LocationServer.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using CallRecord = LocationServer.Data.Storage.CallRecord;
using ElinAssignment = LocationServer.Data.Storage.ElinAssignment;

namespace LocationServer.Tests.Routing;

/// <summary>
/// The background call-record writer against a real SQLite store. "The store is away" is a database file in a
/// directory that does not exist yet (SQLite cannot open it); "it returns" is the migration creating it.
/// </summary>
public sealed class CallRecordWriterTests : IAsyncLifetime
{
    private const string Tenant = "acme";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ls-writer-" + Guid.NewGuid().ToString("N"));
    private readonly CommitLog _log = new();
    private ServiceProvider _services = null!;

    private string DatabasePath => Path.Combine(_directory, "db", "calls.db");

    private WiremapStore Store => _services.GetRequiredService<WiremapStore>();

    public Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:SqlitePath"] = DatabasePath }).Build();
        _services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(_log))
            .AddLocationStorage(configuration)
            .AddSingleton(TimeProvider.System)
            .AddSingleton<CallRecordWriter>()
            .BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    /// <summary>
    /// Migrates a database aside and renames its directory into place: a retry by the writer never meets a
    /// half-migrated database (a missing table is a refusal, not the store being away, and drops the batch).
    /// </summary>
    private async Task BringStoreUpAsync()
    {
        var aside = _directory + "-aside";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:SqlitePath"] = Path.Combine(aside, "calls.db") }).Build();
        await using (var services = new ServiceCollection().AddLogging().AddLocationStorage(configuration).BuildServiceProvider())
            await StorageSetup.MigrateAsync(services);
        SqliteConnection.ClearAllPools();
        Directory.CreateDirectory(_directory);
        Directory.Move(aside, Path.GetDirectoryName(DatabasePath)!);
    }

    private static CallRecord Record(int i) =>
        new(Guid.CreateVersion7(), Tenant, DateTime.UtcNow, "911", $"+1512555{i:D4}", null, "did", "hq-3", "100 Congress Ave", "psap",
            "sip:austin@esinet.example", "Austin", $"+1512555{i:D4}", false, $"call-{i}");

    private async Task<List<CallRecord>> StoredAsync() =>
        [.. await Store.ListCallRecordsAsync(Tenant, DateTime.UtcNow.AddHours(-1), DateTime.UtcNow.AddHours(1), 1_000_000)];

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Enqueue_RecordsQueuedTogether_CommittedInOneTransaction()
    {
        await BringStoreUpAsync();
        var writer = _services.GetRequiredService<CallRecordWriter>();
        var records = Enumerable.Range(0, 300).Select(Record).ToList();
        foreach (var record in records) Assert.True(writer.Enqueue(record, null));

        await writer.StartAsync(CancellationToken.None);
        await writer.FlushAsync();

        Assert.Equal(records.Select(r => r.Id).Order(), (await StoredAsync()).Select(r => r.Id).Order());
        Assert.Equal([300], _log.Commits);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_MoreThanOneBatchQueued_SplitIntoTransactionsOf512()
    {
        await BringStoreUpAsync();
        var writer = _services.GetRequiredService<CallRecordWriter>();
        foreach (var record in Enumerable.Range(0, 600).Select(Record)) writer.Enqueue(record, null);

        await writer.StartAsync(CancellationToken.None);
        await writer.FlushAsync();

        Assert.Equal(600, (await StoredAsync()).Count);
        Assert.Equal([512, 88], _log.Commits);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_RecordsArriveDuringACommit_TheyFormTheNextGroup()
    {
        await BringStoreUpAsync();
        var writer = _services.GetRequiredService<CallRecordWriter>();
        await writer.StartAsync(CancellationToken.None);
        // Another connection holds SQLite's write lock, so the first commit waits while the others arrive.
        await using var blocker = new SqliteConnection($"Data Source={DatabasePath}");
        await blocker.OpenAsync();
        await using (var begin = new SqliteCommand("BEGIN IMMEDIATE;", blocker)) await begin.ExecuteNonQueryAsync();

        Assert.True(writer.Enqueue(Record(0), null));
        await EventuallyAsync(() => writer.QueueLength == 0, "the writer never took the first record");
        for (var i = 1; i <= 200; i++) writer.Enqueue(Record(i), null);
        await using (var commit = new SqliteCommand("COMMIT;", blocker)) await commit.ExecuteNonQueryAsync();
        await writer.FlushAsync();

        Assert.Equal(201, (await StoredAsync()).Count);
        Assert.Equal([1, 200], _log.Commits);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_StoreAway_HeldAndWrittenWhenItReturns()
    {
        var writer = _services.GetRequiredService<CallRecordWriter>();
        await writer.StartAsync(CancellationToken.None);
        var first = Record(1);
        writer.Enqueue(first, new ElinAssignment(Tenant, "+15125550001", "+15125550101", "hq-3", DateTime.UtcNow, DateTime.UtcNow.AddHours(1)));
        await EventuallyAsync(() => writer.Deferring, "the writer never reported the store away");
        // While the store is away the answer says so (the caller logs the record as held).
        Assert.False(writer.Enqueue(Record(2), null));
        await writer.FlushAsync();

        await BringStoreUpAsync();
        await EventuallyAsync(() => !writer.Deferring, "the writer never saw the store return");
        await writer.FlushAsync();

        Assert.Equal(2, (await StoredAsync()).Count);
        Assert.Equal("+15125550101", (await Store.FindElinAsync(Tenant, "+15125550001", DateTime.UtcNow))?.CallerNumber);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_BacklogOverCap_OldestGivenUpRestKept()
    {
        var writer = _services.GetRequiredService<CallRecordWriter>();
        var records = Enumerable.Range(0, CallRecordWriter.MaxBacklog + 5).Select(Record).ToList();
        foreach (var record in records) writer.Enqueue(record, null);

        await writer.StartAsync(CancellationToken.None);
        await EventuallyAsync(() => writer.Deferring, "the writer never reported the store away");
        Assert.Contains(_log.Messages, m => m.Contains("5 held call records and alerts were given up", StringComparison.Ordinal));
        await BringStoreUpAsync();
        await EventuallyAsync(() => !writer.Deferring, "the writer never saw the store return");
        await writer.FlushAsync();

        var stored = (await StoredAsync()).Select(r => r.Id).ToHashSet();
        Assert.Equal(CallRecordWriter.MaxBacklog, stored.Count);
        Assert.All(records.Take(5), r => Assert.DoesNotContain(r.Id, stored));
        Assert.All(records.Skip(5), r => Assert.Contains(r.Id, stored));
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Enqueue_StoreUpButFloodedPastTheCap_OldestKeptInTheJournalNoneGivenUp()
    {
        // Calls arriving faster than the store commits (a flood) are held like calls during an outage: past the cap
        // the oldest go to the journal, not away.
        await BringStoreUpAsync();
        var journal = Path.Combine(_directory, "call-records.journal");
        using var writer = new CallRecordWriter(Store, TimeProvider.System, _services.GetRequiredService<ILogger<CallRecordWriter>>(),
            Microsoft.Extensions.Options.Options.Create(new CallRecordOptions { JournalPath = journal }));
        var records = Enumerable.Range(0, CallRecordWriter.MaxBacklog + 7).Select(Record).ToList();
        foreach (var record in records) Assert.True(writer.Enqueue(record, null));

        await writer.StartAsync(CancellationToken.None);
        await writer.FlushAsync().WaitAsync(Patience);
        await writer.StopAsync(CancellationToken.None);

        var stored = (await StoredAsync()).Select(r => r.Id).ToHashSet();
        Assert.Equal(records.Count, stored.Count);
        Assert.All(records.Take(7), r => Assert.Contains(r.Id, stored));
        Assert.Contains(_log.Messages, m => m.Contains("the oldest are kept in the journal", StringComparison.Ordinal));
        Assert.DoesNotContain(_log.Messages, m => m.Contains("given up", StringComparison.Ordinal));
        Assert.Equal(0, new FileInfo(journal).Length);
    }

    [Fact]
    public async Task StopAsync_RecordsStillQueued_WrittenBeforeStopReturns()
    {
        await BringStoreUpAsync();
        var writer = _services.GetRequiredService<CallRecordWriter>();
        await writer.StartAsync(CancellationToken.None);
        await using var blocker = new SqliteConnection($"Data Source={DatabasePath}");
        await blocker.OpenAsync();
        await using (var begin = new SqliteCommand("BEGIN IMMEDIATE;", blocker)) await begin.ExecuteNonQueryAsync();
        writer.Enqueue(Record(0), null);
        await EventuallyAsync(() => writer.QueueLength == 0, "the writer never took the first record");
        for (var i = 1; i <= 50; i++) writer.Enqueue(Record(i), null);

        // The stop begins while the records are still queued behind a commit that cannot finish yet.
        var stopping = writer.StopAsync(CancellationToken.None);
        Assert.False(stopping.IsCompleted);
        await using (var commit = new SqliteCommand("COMMIT;", blocker)) await commit.ExecuteNonQueryAsync();
        await stopping;

        Assert.Equal(51, (await StoredAsync()).Count);
        Assert.Contains(_log.Messages, m => m.Contains("Stopping: 50 queued call records written", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enqueue_RecordAlreadyStored_RetryWritesNothingTwice()
    {
        await BringStoreUpAsync();
        var writer = _services.GetRequiredService<CallRecordWriter>();
        var now = DateTime.UtcNow;
        var committed = Record(1);
        var newer = new ElinAssignment(Tenant, "+15125550001", "+15125550102", "hq-3", now, now.AddHours(1));
        // A batch whose commit reached the store although its acknowledgement was lost, and a newer ELIN loan made elsewhere.
        await Store.CommitCallsAsync([committed], [newer with { CallerNumber = "+15125550999", AssignedUtc = now.AddSeconds(1) }]);

        await writer.StartAsync(CancellationToken.None);
        var fresh = Record(2);
        writer.Enqueue(committed, newer);
        writer.Enqueue(fresh, null);
        await writer.FlushAsync();

        var stored = await StoredAsync();
        Assert.Equal([committed.Id, fresh.Id], stored.Select(r => r.Id).Order());
        Assert.Equal("+15125550999", (await Store.FindElinAsync(Tenant, "+15125550001", DateTime.UtcNow))?.CallerNumber);
        Assert.DoesNotContain(_log.Messages, m => m.Contains("refused", StringComparison.Ordinal));
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task EnqueueAlert_WithRecords_CommittedInTheSameTransaction()
    {
        await BringStoreUpAsync();
        var writer = _services.GetRequiredService<CallRecordWriter>();
        var records = Enumerable.Range(0, 20).Select(Record).ToList();
        var recorded = new List<Task>();
        foreach (var record in records)
        {
            writer.Enqueue(record, null);
            recorded.Add(writer.EnqueueAlert(Alert(record.Id.ToString("N"))));
        }

        await writer.StartAsync(CancellationToken.None);
        await Task.WhenAll(recorded).WaitAsync(Patience);

        Assert.Equal([20], _log.Commits);
        var alerts = await Store.ListAlertsAsync(Tenant, open: false, limit: 100);
        Assert.Equal(records.Select(r => r.Id.ToString("N")).Order(), alerts.Select(a => a.Id).Order());
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task EnqueueAlert_AlreadyAcknowledged_RetryKeepsTheAcknowledgement()
    {
        await BringStoreUpAsync();
        var writer = _services.GetRequiredService<CallRecordWriter>();
        await writer.StartAsync(CancellationToken.None);
        var alert = Alert("a1");
        await writer.EnqueueAlert(alert).WaitAsync(Patience);
        Assert.NotNull(await Store.AcknowledgeAlertAsync(Tenant, "a1", "front desk", DateTime.UtcNow));

        await writer.EnqueueAlert(alert).WaitAsync(Patience);

        Assert.Equal("front desk", (await Store.GetAlertAsync(Tenant, "a1"))?.AcknowledgedBy);
        await writer.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task EnqueueAlert_StoreAway_HeldAndRecordedWhenItReturns()
    {
        var writer = _services.GetRequiredService<CallRecordWriter>();
        await writer.StartAsync(CancellationToken.None);
        writer.Enqueue(Record(1), null);
        var first = writer.EnqueueAlert(Alert("a1"));
        await EventuallyAsync(() => writer.Deferring, "the writer never reported the store away");

        // Held, as the call records are: accepted now, written when the store returns.
        await first.WaitAsync(Patience);
        await writer.EnqueueAlert(Alert("a2")).WaitAsync(Patience);
        await BringStoreUpAsync();
        await EventuallyAsync(() => !writer.Deferring, "the writer never saw the store return");
        await writer.FlushAsync();

        Assert.Single(await StoredAsync());
        Assert.Equal(["a1", "a2"], (await Store.ListAlertsAsync(Tenant, open: true, limit: 10)).Select(a => a.Id).Order());
        await writer.StopAsync(CancellationToken.None);
    }

    private static StoredAlert Alert(string id) => new(id, Tenant, "emergency-call", DateTime.UtcNow, "{}");

    /// <summary>Collects the writer's log: every message, and the size of each commit (EventId 2227).</summary>
    private sealed class CommitLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _messages = new();
        private readonly ConcurrentQueue<int> _commits = new();

        public IReadOnlyList<string> Messages => [.. _messages];

        public IReadOnlyList<int> Commits => [.. _commits];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CommitLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => category == typeof(CallRecordWriter).FullName;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!IsEnabled(logLevel)) return;
                log._messages.Enqueue(formatter(state, exception));
                if (eventId.Id == 2227 && state is IReadOnlyList<KeyValuePair<string, object?>> values)
                    log._commits.Enqueue((int)values.First(v => v.Key == "Count").Value!);
            }
        }
    }
}
