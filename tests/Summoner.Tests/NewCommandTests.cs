using Summoner.Cli;
using Summoner.Testing;

namespace Summoner.Tests;

/// <summary>`summoner new`: bad input gets a clear error and changes nothing.</summary>
[Trait("Category", "unit")]
public sealed class NewCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("summoner-new-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Errors) Run(string template, string path)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = NewCommand.Run(template, path, RepoPaths.Root, output, errors);
        return (exit, errors.ToString());
    }

    [Fact]
    public void Unknown_template_invalid_name_and_non_empty_folder_are_refused_and_nothing_is_written()
    {
        var unknown = Run("grpc", Path.Combine(_dir, "svc"));
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("unknown template 'grpc': use one of http", unknown.Errors, StringComparison.Ordinal);

        var badName = Run("http", Path.Combine(_dir, "My_Service"));
        Assert.Equal(2, badName.Exit);
        Assert.Contains("'My_Service' cannot be a service name", badName.Errors, StringComparison.Ordinal);

        string busy = Path.Combine(_dir, "busy");
        Directory.CreateDirectory(busy);
        File.WriteAllText(Path.Combine(busy, "keep.txt"), "mine");
        var nonEmpty = Run("tcp", busy);
        Assert.Equal(2, nonEmpty.Exit);
        Assert.Contains("already exists and is not empty", nonEmpty.Errors, StringComparison.Ordinal);

        Assert.Equal(["busy"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(busy).Select(Path.GetFileName));
    }

    [Fact]
    public void A_tcp_project_gets_guest_hosted_and_test_projects_and_a_snippet_naming_its_image()
    {
        string path = Path.Combine(_dir, "line-shout");
        Assert.Equal(0, Run("tcp", path).Exit);
        string[] files = [.. Directory.GetFiles(path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(path, f)).Order(StringComparer.Ordinal)];
        Assert.Equal([".gitignore", "Hosted/Program.cs", "Hosted/line-shout.Hosted.csproj", "Program.cs", "Service/Service.cs", "Tests/ServiceTests.cs",
            "Tests/line-shout.Tests.csproj", "line-shout.csproj", "nuget.config", "summoner.service.toml"], files);
        Assert.Contains("<Project Sdk=\"Summoner.Guest.Sdk/0.1.0\">", File.ReadAllText(Path.Combine(path, "line-shout.csproj")), StringComparison.Ordinal);
        Assert.Contains("namespace LineShout", File.ReadAllText(Path.Combine(path, "Service", "Service.cs")), StringComparison.Ordinal);
        Assert.Contains($"image = \"{path}/bin/line-shout.elf\"", File.ReadAllText(Path.Combine(path, "summoner.service.toml")), StringComparison.Ordinal);
        Assert.Contains(Path.Combine(RepoPaths.Root, "artifacts", "packages"), File.ReadAllText(Path.Combine(path, "nuget.config")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_printed_next_steps_work_typed_line_by_line_from_the_cd_on()
    {
        string path = Path.Combine(_dir, "greeter");
        var output = new StringWriter();
        Assert.Equal(0, NewCommand.Run("http", path, RepoPaths.Root, output, new StringWriter()));
        string[] steps = [.. output.ToString().Split('\n').Skip(1).Select(l => l.Split('#')[0].Trim()).Where(l => l.Length > 0)];
        string summoner = Path.Combine(RepoPaths.Root, "summoner");
        // After the cd every operand is relative to the project (a step naming the project's
        // folder again would look for a folder inside it).
        Assert.Equal([$"cd {path}", "dotnet build", $"{summoner} run . --hosted", $"{summoner} run .", "dotnet test Tests",
            "then paste summoner.service.toml into your summoner.toml"], steps);
        Assert.True(Directory.Exists(Path.Combine(path, "Tests")));
        Assert.True(File.Exists(Path.Combine(path, "summoner.service.toml")));
    }
}
