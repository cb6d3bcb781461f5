using System.Diagnostics;
using LocationServer.Core.Wiremap;

namespace LocationServer.Tests.Scale;

/// <summary>
/// Imports a wiremap on one replica while other clients poll another replica continuously, and reports how long
/// after the committed import the other replica first answered with the change, and every answer it gave meanwhile.
/// </summary>
internal static class Propagation
{
    public sealed record Answer(int Poller, TimeSpan At, string? Street, string? Floor, string Raw);

    public sealed record Result(TimeSpan Latency, IReadOnlyList<Answer> Answers, long Version);

    public static async Task<Result> MeasureAsync(HttpClient importer, IReadOnlyList<HttpClient> pollers, TenantWiremap next, string newStreet, string newFloor)
    {
        var clock = Stopwatch.StartNew();
        var answers = new List<Answer>();
        TimeSpan? firstNew = null;
        var ackAt = TimeSpan.MaxValue;
        using var stop = new CancellationTokenSource();
        var polling = pollers.Select((client, number) => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (street, floor, raw) = await Cluster.AskHqAsync(client);
                var at = clock.Elapsed;
                lock (answers)
                {
                    answers.Add(new Answer(number, at, street, floor, raw));
                    if (street == newStreet && floor == newFloor && firstNew is null) firstNew = at;
                }
            }
        })).ToList();

        // Let the pollers see the wiremap in force first.
        await Task.Delay(100);
        var version = await Cluster.ImportAsync(importer, next);
        ackAt = clock.Elapsed;
        var deadline = ackAt + TimeSpan.FromSeconds(5);
        while (clock.Elapsed < deadline)
        {
            TimeSpan? seen;
            lock (answers) seen = firstNew;
            // Keep polling a little after the change so a replica flapping back to the old index would show.
            if (seen is { } s && clock.Elapsed > s + TimeSpan.FromMilliseconds(200)) break;
            await Task.Delay(10);
        }
        await stop.CancelAsync();
        await Task.WhenAll(polling);
        lock (answers)
        {
            var latency = firstNew is { } f ? (f > ackAt ? f - ackAt : TimeSpan.Zero) : TimeSpan.MaxValue;
            return new Result(latency, [.. answers.OrderBy(a => a.At)], version);
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
