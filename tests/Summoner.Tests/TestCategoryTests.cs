using System.Text.RegularExpressions;
using Summoner.Testing;

namespace Summoner.Tests;

/// <summary>
/// `./summoner test --fast` selects tests by their Category trait, so a test class without one
/// would silently drop out of the fast run: every class with tests must say what it needs.
/// </summary>
[Trait("Category", "unit")]
public sealed partial class TestCategoryTests
{
    private static readonly string[] Categories = ["unit", "qemu", "root"];

    [Fact]
    public void Every_test_class_under_tests_carries_a_known_category_trait()
    {
        string tests = Path.Combine(RepoPaths.Root, "tests");
        var untagged = new List<string>();
        int classes = 0;
        foreach (string file in Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(tests, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "guests")) continue;
            string[] lines = File.ReadAllLines(file);
            // Top-level classes are the least indented declarations; a nested helper class must not
            // split its outer class's tests from the outer class's attributes.
            var declarations = lines.Select((line, index) => (Match: ClassDeclaration().Match(line), Index: index))
                .Where(d => d.Match.Success).ToList();
            if (declarations.Count == 0) continue;
            int indent = declarations.Min(d => d.Match.Groups["indent"].Length);
            var topLevel = declarations.Where(d => d.Match.Groups["indent"].Length == indent).ToList();
            for (int i = 0; i < topLevel.Count; i++)
            {
                int start = topLevel[i].Index, end = i + 1 < topLevel.Count ? topLevel[i + 1].Index : lines.Length;
                if (!lines[start..end].Any(l => TestAttribute().IsMatch(l))) continue;
                classes++;
                var attributes = new List<string>();
                for (int j = start - 1; j >= 0 && (lines[j].TrimStart().StartsWith('[') || lines[j].TrimStart().StartsWith("///", StringComparison.Ordinal)); j--)
                    attributes.Add(lines[j]);
                var found = attributes.Select(a => CategoryTrait().Match(a)).Where(m => m.Success).Select(m => m.Groups["value"].Value).ToList();
                if (found.Count == 0 || found.Any(v => !Categories.Contains(v)))
                    untagged.Add($"{relative}: class {topLevel[i].Match.Groups["name"].Value} ({(found.Count == 0 ? "no Category trait" : "unknown category " + string.Join(", ", found))})");
            }
        }
        Assert.True(classes > 40, $"only {classes} test classes found under {tests}: the scan looks broken");
        Assert.True(untagged.Count == 0,
            "add [Trait(\"Category\", \"unit\" | \"qemu\" | \"root\")] to:\n" + string.Join('\n', untagged));
    }

    [GeneratedRegex(@"^(?<indent>\s*)(public|internal)\s+((sealed|static|abstract|partial)\s+)*class\s+(?<name>\w+)")]
    private static partial Regex ClassDeclaration();

    [GeneratedRegex(@"^\s*\[(Fact|Theory)\b")]
    private static partial Regex TestAttribute();

    [GeneratedRegex(@"\[Trait\(""Category"", ""(?<value>[^""]*)""\)\]")]
    private static partial Regex CategoryTrait();
}
