namespace Summoner.Testing;

public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    public static string Root => RootLazy.Value;

    public static string Images => Path.Combine(Root, "artifacts", "images");

    /// <summary>Path of a guest image built by <c>./summoner build</c>; fails with what to run if absent.</summary>
    public static string Image(string name)
    {
        string path = Path.Combine(Images, name + ".elf");
        if (!File.Exists(path))
            throw new FileNotFoundException($"guest image {path} is missing: run ./summoner build first", path);
        return path;
    }

    private static string FindRoot()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("SUMMONER_ROOT");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "summoner.toml")) && Directory.Exists(Path.Combine(dir, "Kernel")))
                return dir;
        }
        throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }
}
