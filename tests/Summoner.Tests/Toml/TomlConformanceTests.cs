using System.Text.Json;
using Summoner.Toml;
using Xunit.Abstractions;

namespace Summoner.Tests.Toml;

/// <summary>Every TOML 1.0.0 case of toml-test: valid files give exactly the expected values, invalid ones are rejected.</summary>
[Trait("Category", "unit")]
public sealed class TomlConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void Every_valid_TOML_1_0_0_case_parses_to_its_expected_value()
    {
        IReadOnlyList<string> cases = TomlTestCorpus.Files("valid/");
        Assert.True(cases.Count > 90, $"only {cases.Count} valid cases listed: the corpus looks truncated; {TomlTestCorpus.HowToGet}");
        var failures = new List<string>();
        foreach (string name in cases)
        {
            string tomlPath = TomlTestCorpus.PathOf(name);
            string jsonPath = Path.ChangeExtension(tomlPath, ".json");
            try
            {
                TomlTable table = TomlReader.ReadFile(tomlPath);
                using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(jsonPath));
                string? diff = TaggedJson.Compare(table, expected.RootElement);
                if (diff is not null) failures.Add($"{name}: {diff}");
            }
            catch (TomlException e)
            {
                failures.Add($"{name}: rejected: {e.Message}");
            }
        }
        output.WriteLine($"valid: {cases.Count - failures.Count}/{cases.Count} pass");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} valid cases fail:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void Every_invalid_TOML_1_0_0_case_is_rejected_with_a_located_error()
    {
        IReadOnlyList<string> cases = TomlTestCorpus.Files("invalid/");
        Assert.True(cases.Count > 90, $"only {cases.Count} invalid cases listed: the corpus looks truncated; {TomlTestCorpus.HowToGet}");
        var failures = new List<string>();
        foreach (string name in cases)
        {
            string path = TomlTestCorpus.PathOf(name);
            try
            {
                TomlReader.ReadFile(path);
                failures.Add($"{name}: accepted");
            }
            catch (TomlException e)
            {
                if (e.Line < 1 || e.Column < 1 || !e.Message.StartsWith(path + ":", StringComparison.Ordinal))
                    failures.Add($"{name}: error is not located as file:line:column: {e.Message}");
            }
            catch (Exception e)
            {
                failures.Add($"{name}: crashed with {e.GetType().Name}: {e.Message}");
            }
        }
        output.WriteLine($"invalid: {cases.Count - failures.Count}/{cases.Count} rejected");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} invalid cases are not rejected properly:\n" + string.Join('\n', failures));
    }
}
