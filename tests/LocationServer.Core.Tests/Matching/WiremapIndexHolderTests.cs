using LocationServer.Core.Matching;
using LocationServer.Core.Wiremap;
using static LocationServer.Core.Tests.Matching.TestWiremaps;

namespace LocationServer.Core.Tests.Matching;

public class WiremapIndexHolderTests
{
    private static WiremapIndex Version(long version, string locationId = "loc-a") =>
        WiremapIndex.Build([Tenant("acme", [At(ElementKind.Subnet, "10.0.0.0/8", locationId)], Locations("hq", locationId))], version);

    [Fact]
    public void Current_BeforeFirstSwap_IsEmptyNotNull()
    {
        var holder = new WiremapIndexHolder();

        Assert.Same(WiremapIndex.Empty, holder.Current);
        Assert.False(holder.IsLoaded);
    }

    [Fact]
    public void Swap_NewerVersion_InstallsAndRaisesSwapped()
    {
        var holder = new WiremapIndexHolder();
        WiremapIndex? raised = null;
        holder.Swapped += index => raised = index;
        var v2 = Version(2);

        Assert.True(holder.Swap(v2));

        Assert.Same(v2, holder.Current);
        Assert.Same(v2, raised);
        Assert.True(holder.IsLoaded);
    }

    [Fact]
    public void Swap_OlderVersion_IsRefused()
    {
        var holder = new WiremapIndexHolder();
        var v5 = Version(5);
        holder.Swap(v5);
        var raised = 0;
        holder.Swapped += _ => raised++;

        Assert.False(holder.Swap(Version(4)));

        Assert.Same(v5, holder.Current);
        Assert.Equal(0, raised);
    }

    [Fact]
    public void Swap_SameVersion_Replaces()
    {
        var holder = new WiremapIndexHolder();
        holder.Swap(Version(5));
        var rebuilt = Version(5);

        Assert.True(holder.Swap(rebuilt));
        Assert.Same(rebuilt, holder.Current);
    }

    [Fact]
    public void Swap_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new WiremapIndexHolder().Swap(null!));
    }

    [Fact]
    public async Task Swap_ConcurrentSwappers_NewestVersionEndsInForce()
    {
        var holder = new WiremapIndexHolder();
        var indexes = Enumerable.Range(1, 64).Select(v => Version(v)).ToArray();

        await Task.WhenAll(indexes.Reverse().Select(index => Task.Run(() => holder.Swap(index))));

        Assert.Equal(64, holder.Current.Version);
    }

    [Fact]
    public async Task Current_ReadersDuringSwaps_AlwaysSeeWholeIndex()
    {
        var holder = new WiremapIndexHolder();
        holder.Swap(Version(1, "loc-1"));
        var evidence = new Evidence { SourceAddress = Ip("10.1.2.3") };
        using var stop = new CancellationTokenSource();
        var failures = 0;
        long reads = 0;

        // Every reader has read once before the first swap, and each swap waits for further reads, so readers and
        // swaps interleave however busy the machine is.
        using var started = new CountdownEvent(4);
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var lastVersion = 0L;
            var first = true;
            while (!stop.IsCancellationRequested)
            {
                var index = holder.Current;
                if (index is null || !index.TryGetTenant("acme", out var tenant) ||
                    tenant.Match(evidence).Location?.Id != "loc-" + index.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) ||
                    index.Version < lastVersion)
                {
                    Interlocked.Increment(ref failures);
                }
                lastVersion = index?.Version ?? lastVersion;
                Interlocked.Increment(ref reads);
                if (first)
                {
                    started.Signal();
                    first = false;
                }
            }
        })).ToArray();
        Assert.True(started.Wait(TimeSpan.FromSeconds(60)), "the readers did not start");

        var versions = Enumerable.Range(2, 200).Select(v => Version(v, "loc-" + v.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        foreach (var index in versions)
        {
            var before = Interlocked.Read(ref reads);
            Assert.True(holder.Swap(index));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (Interlocked.Read(ref reads) < before + 4 && DateTime.UtcNow < deadline) await Task.Yield();
        }
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Equal(0, failures);
        Assert.True(Interlocked.Read(ref reads) >= 4 * 200);
        Assert.Equal(201, holder.Current.Version);
    }
}
