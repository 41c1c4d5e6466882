using Summoner.Config;
using Summoner.Testing;

namespace Summoner.Tests.Config;

/// <summary>Images are validated where they are named: a file QEMU cannot boot as a guest is a config error.</summary>
[Trait("Category", "unit")]
public sealed class GuestImageTests
{
    private static byte[] Hello => File.ReadAllBytes(RepoPaths.Image("hello"));

    [Fact]
    public void Every_built_guest_image_passes()
    {
        foreach (string image in Directory.GetFiles(RepoPaths.Images, "*.elf"))
            Assert.True(GuestImage.Problem(image) is null, $"{image}: {GuestImage.Problem(image)}");
    }

    [Fact]
    public void Empty_truncated_junk_and_foreign_elf_files_are_named_for_what_they_are()
    {
        Assert.Equal("is empty", GuestImage.Problem([]));
        Assert.StartsWith("is truncated", GuestImage.Problem(Hello.AsSpan(0, Hello.Length / 2)), StringComparison.Ordinal);
        Assert.StartsWith("is truncated", GuestImage.Problem(Hello.AsSpan(0, 100)), StringComparison.Ordinal);
        Assert.Equal("is not an ELF file", GuestImage.Problem("#!/bin/sh\necho not a kernel, but long enough to hold an ELF header anyway\n"u8));
        // A host program: an x86-64 ELF, but a shared object (PIE) without the PVH note.
        Assert.NotNull(GuestImage.Problem(File.ReadAllBytes("/bin/true")));
        var noNote = Hello;
        int xen = noNote.AsSpan().IndexOf("Xen\0"u8);
        Assert.True(xen > 0);
        noNote[xen] = (byte)'Q';
        Assert.StartsWith("has no PVH entry note", GuestImage.Problem(noNote), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_config_rejects_an_empty_and_a_truncated_image_at_the_image_key()
    {
        string dir = Directory.CreateTempSubdirectory("summoner-image-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "empty.elf"), []);
            File.WriteAllBytes(Path.Combine(dir, "cut.elf"), Hello.AsSpan(0, Hello.Length / 3).ToArray());
            string text = "[[service]]\nname = \"a\"\nimage = \"empty.elf\"\nports = [80]\n[[service]]\nname = \"b\"\nimage = \"cut.elf\"\nports = [80]\n";
            var e = Assert.Throws<ConfigException>(() => SummonerConfig.Parse(text, Path.Combine(dir, "summoner.toml")));
            Assert.Equal(2, e.Errors.Count);
            Assert.Equal((3, 9), (e.Errors[0].Line, e.Errors[0].Column));
            Assert.Contains("is empty", e.Errors[0].Message, StringComparison.Ordinal);
            Assert.Equal((7, 9), (e.Errors[1].Line, e.Errors[1].Column));
            Assert.Contains("is truncated", e.Errors[1].Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
