using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LocationServer.Tests.Architecture;

/// <summary>
/// The src projects stack in one direction (Core, Held and Data at the bottom, Routing and Locating above them, the
/// host on top) and their namespaces import one another without cycles.
/// </summary>
public sealed partial class LayeringTests
{
    private static readonly string Root = RepositoryRoot();

    [Fact]
    public void ProjectReferences_AcrossSrc_FormNoCycle()
    {
        var graph = Projects().ToDictionary(p => p.Name, p => p.References);
        Assert.Contains("LocationServer.Routing", graph.Keys);
        Assert.Contains("LocationServer.Locating", graph.Keys);
        Assert.Null(FindCycle(graph));
    }

    [Fact]
    public void LibraryProjects_ReferenceNeitherTheHostNorItsWebSdk()
    {
        foreach (var project in Projects().Where(p => p.Name != "LocationServer"))
        {
            Assert.DoesNotContain("LocationServer", project.References);
            Assert.False(project.WebSdk, $"{project.Name} uses the web SDK; only the host binds HTTP.");
        }
    }

    [Theory]
    [InlineData("LocationServer.Core", new[] { "AspNetCore", "EntityFrameworkCore", "Npgsql", "Redis", "Grpc" })]
    [InlineData("LocationServer.Held", new[] { "AspNetCore", "EntityFrameworkCore", "Npgsql", "Redis", "Grpc" })]
    [InlineData("LocationServer.Data", new[] { "AspNetCore", "Grpc" })]
    [InlineData("LocationServer.Locating", new[] { "AspNetCore", "EntityFrameworkCore", "Npgsql", "Redis" })]
    public void Project_Packages_IncludeNoneOfTheForbiddenFamilies(string name, string[] forbidden)
    {
        var project = Assert.Single(Projects(), p => p.Name == name);
        foreach (var package in project.Packages)
            Assert.DoesNotContain(forbidden, family => package.Contains(family, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Namespaces_AcrossSrc_ImportNoNamespaceThatImportsThemBack()
    {
        // A namespace is taken whole by its first segment under LocationServer (Routing.Alerts is Routing).
        var graph = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            var text = File.ReadAllText(file);
            var declared = FileNamespace().Match(text);
            if (!declared.Success) continue;
            var from = Area(declared.Groups["name"].Value);
            if (!graph.TryGetValue(from, out var imports)) graph[from] = imports = [];
            foreach (Match import in ProjectUsing().Matches(text))
            {
                var to = Area(import.Groups["name"].Value);
                if (to != from) imports.Add(to);
            }
        }
        Assert.Contains("Routing", graph.Keys);
        Assert.Null(FindCycle(graph.ToDictionary(kv => kv.Key, kv => (IReadOnlyCollection<string>)kv.Value)));
    }

    [Fact]
    public void Namespaces_InEachProject_NameTheProjectTheyLiveIn()
    {
        // A library's files live under its own name; the host's files under none of the libraries' names.
        var libraries = Projects().Select(p => p.Name).Where(n => n != "LocationServer").ToList();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            var declared = FileNamespace().Match(File.ReadAllText(file));
            if (!declared.Success) continue;
            var ns = declared.Groups["name"].Value;
            var project = Path.GetRelativePath(Path.Combine(Root, "src"), file).Split(Path.DirectorySeparatorChar)[0];
            bool Under(string name) => ns == name || ns.StartsWith(name + ".", StringComparison.Ordinal);
            if (project == "LocationServer")
                Assert.False(libraries.Any(Under), $"{file} declares {ns}, a library's namespace, in the host.");
            else
                Assert.True(Under(project), $"{file} declares {ns}, outside its project {project}.");
        }
    }

    [Fact]
    public void FindCycle_ThreeNamespacesInARing_NamesTheRing()
    {
        var ring = new Dictionary<string, IReadOnlyCollection<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        Assert.Equal("A -> B -> C -> A", FindCycle(ring));
        Assert.Null(FindCycle(new Dictionary<string, IReadOnlyCollection<string>> { ["A"] = ["B"], ["B"] = [], ["C"] = ["A", "B"] }));
    }

    private static string Area(string ns)
    {
        var parts = ns.Split('.');
        return parts.Length > 1 ? parts[1] : "(root)";
    }

    /// <summary>The first cycle found, as "A -> B -> A", or null when the graph has none.</summary>
    private static string? FindCycle(IReadOnlyDictionary<string, IReadOnlyCollection<string>> graph)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        var path = new List<string>();
        string? Visit(string node)
        {
            var at = path.IndexOf(node);
            if (at >= 0) return string.Join(" -> ", path.Skip(at).Append(node));
            if (!done.Add(node)) return null;
            path.Add(node);
            foreach (var next in graph.TryGetValue(node, out var edges) ? edges.Order(StringComparer.Ordinal) : Enumerable.Empty<string>())
            {
                if (Visit(next) is { } cycle) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (Visit(node) is { } cycle) return cycle;
        }
        return null;
    }

    private sealed record Project(string Name, IReadOnlyCollection<string> References, IReadOnlyList<string> Packages, bool WebSdk);

    private static List<Project> Projects() =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories).Select(path =>
        {
            var xml = XDocument.Load(path);
            var references = xml.Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/'))).ToList();
            var packages = xml.Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value)
                .Concat(xml.Descendants("FrameworkReference").Select(r => r.Attribute("Include")!.Value)).ToList();
            var web = (string?)xml.Root!.Attribute("Sdk") == "Microsoft.NET.Sdk.Web";
            return new Project(Path.GetFileNameWithoutExtension(path), references, packages, web);
        })];

    [GeneratedRegex(@"^namespace\s+(?<name>LocationServer[\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"^using\s+(?<name>LocationServer[\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex ProjectUsing();

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LocationServer.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("LocationServer.sln not found above the test output.");
    }
}
