using System.Diagnostics;
using LocationServer.Core.Wiremap;

namespace LocationServer.Tests.Scale;

/// <summary>
/// Imports a wiremap on one replica while other clients poll another replica continuously, and reports how long
/// after the committed import the other replica first answered with the change, and every answer it gave meanwhile.
/// The latency is a figure to print: the waits are for answers, with a generous deadline, never a time limit.
/// </summary>
internal static class Propagation
{
    /// <summary>How long the change may take to be seen before the measurement fails: far above any expected figure.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>Answers each poller gives after its first new one, so a replica flapping back to the old index would show.</summary>
    private const int AnswersAfterChange = 10;

    public sealed record Answer(int Poller, TimeSpan At, string? Street, string? Floor, string Raw);

    public sealed record Result(TimeSpan Latency, IReadOnlyList<Answer> Answers, long Version);

    public static async Task<Result> MeasureAsync(
        Func<TenantWiremap, Task<long>> import,
        IReadOnlyList<HttpClient> pollers,
        Func<HttpClient, Task<(string? Street, string? Floor, string Raw)>> ask,
        TenantWiremap next,
        string newStreet,
        string newFloor)
    {
        var clock = Stopwatch.StartNew();
        var answers = new List<Answer>();
        TimeSpan? firstNew = null;
        using var stop = new CancellationTokenSource();
        var polling = pollers.Select((client, number) => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (street, floor, raw) = await ask(client);
                var at = clock.Elapsed;
                lock (answers)
                {
                    answers.Add(new Answer(number, at, street, floor, raw));
                    if (street == newStreet && floor == newFloor && firstNew is null) firstNew = at;
                }
            }
        })).ToList();

        // Every poller has seen the wiremap in force before the import.
        await WaitAsync(() => Enumerable.Range(0, pollers.Count).All(p => answers.Any(a => a.Poller == p)), "every poller answered once");
        var version = await import(next);
        var ackAt = clock.Elapsed;
        await WaitAsync(() => Enumerable.Range(0, pollers.Count).All(p =>
            answers.Count(a => a.Poller == p && a.At > ackAt && a.Street == newStreet && a.Floor == newFloor) >= AnswersAfterChange),
            $"every poller answered {newStreet} floor {newFloor} {AnswersAfterChange} times");
        await stop.CancelAsync();
        await Task.WhenAll(polling);
        lock (answers)
        {
            var latency = firstNew is { } f ? (f > ackAt ? f - ackAt : TimeSpan.Zero) : TimeSpan.MaxValue;
            return new Result(latency, [.. answers.OrderBy(a => a.At)], version);
        }

        async Task WaitAsync(Func<bool> condition, string what)
        {
            var deadline = DateTime.UtcNow + Deadline;
            while (true)
            {
                lock (answers)
                {
                    if (condition()) return;
                }
                if (polling.FirstOrDefault(t => t.IsFaulted) is { } failed) await failed;
                if (DateTime.UtcNow > deadline)
                {
                    await stop.CancelAsync();
                    lock (answers) Assert.Fail($"Within {Deadline.TotalSeconds} s not {what}; last answers: {string.Join(" | ", answers.TakeLast(3).Select(a => a.Raw))}");
                }
                await Task.Delay(10);
            }
        }
    }

    /// <summary>Every answer is entirely the old or entirely the new wiremap, and no poller goes back to the old one.</summary>
    public static void AssertNoMixedState(Result result, string oldStreet, string oldFloor, string newStreet, string newFloor)
    {
        Assert.NotEmpty(result.Answers);
        foreach (var answer in result.Answers)
        {
            var isOld = answer.Street == oldStreet && answer.Floor == oldFloor;
            var isNew = answer.Street == newStreet && answer.Floor == newFloor;
            Assert.True(isOld || isNew, $"Answer at {answer.At.TotalMilliseconds:F0} ms is neither the old ({oldStreet}, floor {oldFloor}) nor the new ({newStreet}, floor {newFloor}) wiremap: {answer.Street}, floor {answer.Floor}: {answer.Raw}");
        }
        foreach (var poller in result.Answers.GroupBy(a => a.Poller))
        {
            var sawNew = false;
            foreach (var answer in poller)
            {
                if (answer.Street == newStreet) sawNew = true;
                else Assert.False(sawNew, $"Poller {poller.Key} saw the old wiremap again at {answer.At.TotalMilliseconds:F0} ms after seeing the new one.");
            }
        }
    }
}
