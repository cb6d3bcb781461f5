using System.Diagnostics;
using System.Globalization;
using LocationServer.Core.Matching;

namespace LocationServer.Benchmarks;

/// <summary>
/// One-shot measurement of index build time and memory: generates the wiremap, then builds the index once to warm
/// up and once measured, and reports elapsed time, memory retained by the index (GC heap after minus before,
/// full collections either side) and bytes allocated while building.
/// </summary>
internal static class BuildReport
{
    public static int Run(int elements)
    {
        var generator = new WiremapGenerator(elements);
        var generateWatch = Stopwatch.StartNew();
        var wiremap = generator.Generate();
        generateWatch.Stop();
        WiremapIndex.Build([new WiremapGenerator(1_000).Generate()], 0);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        var index = WiremapIndex.Build([wiremap], 1);
        watch.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        index.TryGetTenant(generator.TenantId, out var tenant);

        var mb = 1024.0 * 1024.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            elements requested   {elements:N0}
            elements indexed     {index.ElementCount:N0} (skipped {tenant.SkippedElements:N0})
            locations            {tenant.Locations.Count():N0}
            generate wiremap     {generateWatch.Elapsed.TotalMilliseconds:N0} ms
            build index          {watch.Elapsed.TotalMilliseconds:N0} ms
            retained by index    {(after - before) / mb:N1} MB
            allocated in build   {allocated / mb:N1} MB
            GC heap after build  {after / mb:N1} MB (wiremap input + index)
            process peak WS      {Environment.WorkingSet / mb:N1} MB
            """));
        GC.KeepAlive(wiremap);
        GC.KeepAlive(index);
        return tenant.SkippedElements == 0 ? 0 : 1;
    }
}
