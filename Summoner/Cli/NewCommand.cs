using System.CommandLine;
using System.Globalization;
using System.Text;

namespace Summoner.Cli;

/// <summary>
/// `summoner new TEMPLATE PATH`: scaffolds a service project outside this repository, built by
/// the Summoner.Guest.Sdk package (artifacts/packages of this checkout, named in the project's
/// nuget.config). Every check runs before the first file is written, so bad input changes nothing.
/// </summary>
public static class NewCommand
{
    public static readonly IReadOnlyDictionary<string, (string Description, int Port)> Templates = new Dictionary<string, (string, int)>(StringComparer.Ordinal)
    {
        ["http"] = ("an HTTP service (a page showing the GREETING setting)", 80),
        ["tcp"] = ("a raw TCP service (greets, then echoes lines upper-cased)", 7000),
    };

    public static Command Create()
    {
        var template = new Argument<string>("template") { Description = "http or tcp" };
        var path = new Argument<string>("path") { Description = "the new project's folder (its name is the service name)" };
        var command = new Command("new", "Create a service project: guest image, hosted dev build, tests and a summoner.toml snippet.") { template, path };
        command.SetAction(result => Run(result.GetValue(template)!, result.GetValue(path)!, Config.Checkout.Root(), Console.Out, Console.Error));
        return command;
    }

    public static int Run(string template, string path, string? repositoryRoot, TextWriter output, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        if (Validate(template, path, repositoryRoot) is { } problem)
        {
            errors.WriteLine("summoner new: " + problem);
            return 2;
        }
        string target = Path.GetFullPath(path);
        string name = Path.GetFileName(target.TrimEnd('/'));
        string feed = Path.Combine(repositoryRoot!, "artifacts", "packages");
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["__NAME__"] = name,
            ["__NAMESPACE__"] = Namespace(name),
            ["__SDK_VERSION__"] = SdkVersion(repositoryRoot!),
            ["__FEED__"] = feed,
            ["__PORT__"] = Templates[template].Port.ToString(CultureInfo.InvariantCulture),
            ["__IMAGE__"] = Path.Combine(target, "bin", name + ".elf"),
        };
        var files = new List<(string Path, string Text)>();
        foreach ((string resource, string relative) in TemplateFiles(template))
        {
            string text = Read(resource);
            string file = relative == "gitignore" ? ".gitignore" : relative;
            foreach (var (key, value) in values)
            {
                text = text.Replace(key, value, StringComparison.Ordinal);
                file = file.Replace(key, value, StringComparison.Ordinal);
            }
            files.Add((Path.Combine(target, file), text));
        }
        foreach (var (file, text) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text, new UTF8Encoding(false));
        }
        output.WriteLine($"summoner: created {template} service '{name}' in {target}");
        // One sequence to type line by line: every line after the cd runs inside the project.
        string summoner = Path.Combine(repositoryRoot!, "summoner");
        output.WriteLine($"  cd {path}");
        output.WriteLine($"  dotnet build                 # guest image: bin/{name}.elf");
        output.WriteLine($"  {summoner} run . --hosted    # the same service as a process");
        output.WriteLine($"  {summoner} run .             # the image under QEMU");
        output.WriteLine("  dotnet test Tests");
        output.WriteLine("  then paste summoner.service.toml into your summoner.toml");
        return 0;
    }

    /// <summary>Null when the input is usable; otherwise what is wrong and what to do.</summary>
    internal static string? Validate(string template, string path, string? repositoryRoot)
    {
        if (!Templates.ContainsKey(template ?? ""))
            return $"unknown template '{template}': use one of " + string.Join(", ", Templates.Select(t => $"{t.Key} ({t.Value.Description})"));
        if (string.IsNullOrWhiteSpace(path))
            return "give the new project's folder, e.g. summoner new http ~/src/greeter";
        string target = Path.GetFullPath(path);
        string name = Path.GetFileName(target.TrimEnd('/'));
        if (!IsServiceName(name))
            return $"'{name}' cannot be a service name: the folder's name must be a lower-case DNS label starting with a letter (a-z, 0-9, '-'; at most 63), e.g. greeter";
        if (File.Exists(target))
            return $"{target} is a file: pick a new folder";
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            return $"{target} already exists and is not empty: pick a new folder (nothing was changed)";
        if (repositoryRoot is null)
            return "cannot find the Summoner checkout (its artifacts/packages feed): run this through ./summoner in the checkout, or set SUMMONER_ROOT";
        if (!File.Exists(Path.Combine(repositoryRoot, "artifacts", "packages", $"Summoner.Guest.Sdk.{SdkVersion(repositoryRoot)}.nupkg")))
            return $"the guest SDK package is not built yet: run {Path.Combine(repositoryRoot, "summoner")} build first";
        return null;
    }

    internal static bool IsServiceName(string name) =>
        name.Length is >= 1 and <= 63 && char.IsAsciiLetterLower(name[0]) && name[^1] != '-'
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>"my-app" becomes "MyApp": a C# namespace from a DNS label.</summary>
    internal static string Namespace(string name)
    {
        var sb = new StringBuilder();
        foreach (string part in name.Split('-', StringSplitOptions.RemoveEmptyEntries))
            sb.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        string ns = sb.ToString();
        return char.IsAsciiDigit(ns[0]) ? "App" + ns : ns;
    }

    /// <summary>The version the checkout packs (Directory.Build.props, GuestSdkVersion).</summary>
    internal static string SdkVersion(string repositoryRoot)
    {
        string props = File.ReadAllText(Path.Combine(repositoryRoot, "Directory.Build.props"));
        int at = props.IndexOf("<GuestSdkVersion>", StringComparison.Ordinal);
        int end = at < 0 ? -1 : props.IndexOf("</GuestSdkVersion>", at, StringComparison.Ordinal);
        return end < 0 ? "0.1.0" : props[(at + "<GuestSdkVersion>".Length)..end].Trim();
    }

    private static IEnumerable<(string Resource, string Relative)> TemplateFiles(string template)
    {
        foreach (string r in typeof(NewCommand).Assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            foreach (string folder in new[] { "common", template })
            {
                string prefix = "Templates/" + folder + "/";
                if (r.StartsWith(prefix, StringComparison.Ordinal)) yield return (r, r[prefix.Length..]);
            }
        }
    }

    private static string Read(string resource)
    {
        using Stream s = typeof(NewCommand).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException("template resource missing: " + resource);
        using var reader = new StreamReader(s, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
