using Summoner.Testing;

namespace Summoner.Tests.Toml;

/// <summary>
/// Locates the toml-test conformance corpus: $TOML_TEST_DIR, else ../shared/toml-test beside
/// the repository (or beside any folder above it, so git worktrees find it too).
/// </summary>
internal static class TomlTestCorpus
{
    public const string HowToGet =
        "clone https://github.com/toml-lang/toml-test and put it (at least its tests/ folder with files-toml-1.0.0) at ../shared/toml-test next to the repository, or set TOML_TEST_DIR to its path";

    public static string Directory()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("TOML_TEST_DIR");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            if (File.Exists(Path.Combine(fromEnv, "tests", "files-toml-1.0.0"))) return fromEnv;
            throw new InvalidOperationException($"TOML_TEST_DIR={fromEnv} has no tests/files-toml-1.0.0: {HowToGet}");
        }
        var tried = new List<string>();
        for (string? dir = Path.GetDirectoryName(RepoPaths.Root); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, "shared", "toml-test");
            tried.Add(candidate);
            if (File.Exists(Path.Combine(candidate, "tests", "files-toml-1.0.0"))) return candidate;
        }
        throw new InvalidOperationException($"the TOML conformance corpus is missing (looked in {string.Join(", ", tried)}): {HowToGet}");
    }

    /// <summary>The corpus files that apply to TOML 1.0.0, relative to tests/ (e.g. "valid/array/array.toml").</summary>
    public static IReadOnlyList<string> Files(string prefix)
    {
        string list = Path.Combine(Directory(), "tests", "files-toml-1.0.0");
        return File.ReadAllLines(list)
            .Select(l => l.Trim())
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.EndsWith(".toml", StringComparison.Ordinal))
            .ToList();
    }

    public static string PathOf(string relative) => Path.Combine(Directory(), "tests", relative);
}
