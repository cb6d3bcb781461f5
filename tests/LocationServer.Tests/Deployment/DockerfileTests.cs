using System.Text.RegularExpressions;

namespace LocationServer.Tests.Deployment;

/// <summary>No container engine runs here, so the Dockerfile's hand-written restore layer is checked against the solution.</summary>
public sealed partial class DockerfileTests
{
    [Fact]
    public void Dockerfile_RestoreLayer_CopiesEverySourceProjectOfTheSolution()
    {
        var root = RepositoryRoot();
        var solution = File.ReadAllText(Path.Combine(root, "LocationServer.sln"));
        var projects = ProjectPath().Matches(solution).Select(m => m.Groups["path"].Value.Replace('\\', '/'))
            .Where(p => p.StartsWith("src/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(projects);
        var dockerfile = File.ReadAllLines(Path.Combine(root, "Dockerfile"));
        foreach (var project in projects)
        {
            var directory = project[..(project.LastIndexOf('/') + 1)];
            Assert.True(dockerfile.Any(line => line.Trim() == $"COPY {project} {directory}"),
                $"the Dockerfile's restore layer does not copy {project} (add: COPY {project} {directory})");
            Assert.True(File.Exists(Path.Combine(root, project)), $"{project} is in the solution but not on disk");
        }
        var onDisk = Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'));
        Assert.Equal(onDisk.Order(StringComparer.Ordinal), projects.Order(StringComparer.Ordinal));
    }

    [GeneratedRegex("""Project\("\{[^}]+\}"\) = "[^"]+", "(?<path>[^"]+\.csproj)",""")]
    private static partial Regex ProjectPath();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LocationServer.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("LocationServer.sln not found above the test output.");
    }
}
