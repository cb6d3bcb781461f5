using System.Text.RegularExpressions;

namespace LocationServer.Tests.Architecture;

/// <summary>Every log event has its own id, so an operator's filter or alert on an EventId means one thing.</summary>
public sealed partial class EventIdTests
{
    [Fact]
    public void LoggerMessages_AcrossAllSourceProjects_HaveDistinctEventIds()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "LocationServer.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var seen = new Dictionary<int, string>();
        var duplicates = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(root.FullName, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            foreach (Match match in EventId().Matches(File.ReadAllText(file)))
            {
                var id = int.Parse(match.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture);
                var where = Path.GetRelativePath(root.FullName, file);
                if (!seen.TryAdd(id, where)) duplicates.Add($"{id}: {seen[id]} and {where}");
            }
        }
        Assert.True(seen.Count > 20, "no LoggerMessage event ids found under src/");
        Assert.Empty(duplicates);
    }

    [GeneratedRegex(@"LoggerMessage\(EventId = (?<id>\d+)")]
    private static partial Regex EventId();
}
