using System.Reflection;
using System.Xml.Linq;
using Summoner.Testing;

namespace Summoner.Tests;

/// <summary>
/// Boundaries ARCHITECTURE.md promises ("Who owns what", "Benchmarks") and the compiler keeps only
/// while the project files say so: the TOML reader and the metric primitives reference nothing of
/// Summoner's, and the daemon ships nothing of bench/.
/// </summary>
[Trait("Category", "unit")]
public sealed class ProjectBoundaryTests
{
    [Theory]
    [InlineData("Summoner.Toml/Summoner.Toml.csproj")]
    [InlineData("Summoner.Metrics/Summoner.Metrics.csproj")]
    public void A_format_project_references_no_other_project(string project) =>
        Assert.Empty(ProjectReferences(project));

    [Fact]
    public void The_format_assemblies_reference_no_assembly_of_summoners()
    {
        foreach (Assembly format in new[] { typeof(Summoner.Toml.TomlReader).Assembly, typeof(Summoner.Metrics.MetricRegistry).Assembly })
        {
            string[] ours = [.. format.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Summoner", StringComparison.OrdinalIgnoreCase))];
            Assert.True(ours.Length == 0, $"{format.GetName().Name} references {string.Join(", ", ours)}");
        }
    }

    [Fact]
    public void The_daemon_references_nothing_under_bench()
    {
        List<string> references = ProjectReferences("Summoner/Summoner.csproj");
        Assert.Contains("Summoner.Toml/Summoner.Toml.csproj", references); // the scan reads the real file
        Assert.DoesNotContain(references, r => r.StartsWith("bench/", StringComparison.Ordinal));
        Assert.DoesNotContain(typeof(Summoner.Engine.SummonEngine).Assembly.GetReferencedAssemblies(), a => a.Name == "summoner-bench");
    }

    /// <summary>A project's ProjectReferences as paths from the repository's root.</summary>
    private static List<string> ProjectReferences(string project)
    {
        string path = Path.Combine(RepoPaths.Root, project);
        string directory = Path.GetDirectoryName(path)!;
        return [.. XDocument.Load(path).Descendants("ProjectReference")
            .Select(r => Path.GetRelativePath(RepoPaths.Root, Path.GetFullPath(Path.Combine(directory, (string)r.Attribute("Include")!))).Replace('\\', '/'))];
    }
}
