namespace Summoner.Tests.Toml;

/// <summary>
/// Locates the toml-test conformance corpus. By default it is the copy that Debian's
/// golang-github-burntsushi-toml-dev ships (the launcher installs it), so a fresh clone needs
/// nothing beside it. $TOML_TEST_DIR may name a newer toml-test checkout instead (one with a
/// tests/files-toml-1.0.0 list), which has more cases.
/// </summary>
internal static class TomlTestCorpus
{
    /// <summary>Where golang-github-burntsushi-toml-dev puts toml-test's valid/ and invalid/ trees.</summary>
    public const string DebianTests = "/usr/share/gocode/src/github.com/BurntSushi/toml/internal/toml-test/tests";

    public const string HowToGet =
        "run ./summoner setup (it installs the Debian package golang-github-burntsushi-toml-dev), or set TOML_TEST_DIR to a toml-test checkout whose tests/ folder has files-toml-1.0.0";

    /// <summary>
    /// Cases in the Debian snapshot that are not TOML 1.0.0: the snapshot's own runner
    /// (internal/toml-test/version.go) leaves exactly these out of its "1.0.0" set.
    /// </summary>
    private static readonly string[] NotTomlOneZero = ["valid/string/escape-esc.toml"];

    /// <summary>The tests/ folder: it holds valid/ and invalid/.</summary>
    public static string Directory()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("TOML_TEST_DIR");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            string tests = Path.Combine(fromEnv, "tests");
            if (File.Exists(Path.Combine(tests, "files-toml-1.0.0"))) return tests;
            throw new InvalidOperationException($"TOML_TEST_DIR={fromEnv} has no tests/files-toml-1.0.0: {HowToGet}");
        }
        if (System.IO.Directory.Exists(Path.Combine(DebianTests, "valid")) && System.IO.Directory.Exists(Path.Combine(DebianTests, "invalid")))
            return DebianTests;
        throw new InvalidOperationException($"the TOML conformance corpus is missing (no {DebianTests}/valid and invalid): {HowToGet}");
    }

    /// <summary>The corpus files that apply to TOML 1.0.0, relative to tests/ (e.g. "valid/array/array.toml").</summary>
    public static IReadOnlyList<string> Files(string prefix)
    {
        string root = Directory();
        string list = Path.Combine(root, "files-toml-1.0.0");
        IEnumerable<string> all = File.Exists(list)
            ? File.ReadAllLines(list).Select(l => l.Trim())
            : System.IO.Directory.EnumerateFiles(root, "*.toml", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
                .Except(NotTomlOneZero, StringComparer.Ordinal);
        return all
            .Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.EndsWith(".toml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static string PathOf(string relative) => Path.Combine(Directory(), relative);
}
