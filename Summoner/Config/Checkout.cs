namespace Summoner.Config;

/// <summary>The Summoner checkout this program was built in: its guest images, SDK packages and default configuration.</summary>
public static class Checkout
{
    /// <summary>SUMMONER_ROOT (set by ./summoner), else the first folder up from the binary that holds Kernel/Sdk.props; null when neither.</summary>
    public static string? Root()
    {
        string? env = Environment.GetEnvironmentVariable("SUMMONER_ROOT");
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Kernel", "Sdk.props"))) return d.FullName;
        return null;
    }

    /// <summary>Where ./summoner build writes the image of the app <paramref name="app"/> in the checkout at <paramref name="root"/>.</summary>
    public static string AppImage(string root, string app) => Path.GetFullPath(Path.Combine(root, "artifacts", "images", app + ".elf"));
}
