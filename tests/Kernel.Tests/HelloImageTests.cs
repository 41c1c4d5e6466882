using Summoner.Testing;
using Xunit;

namespace Kernel.Tests;

[Trait("Category", "qemu")]
public class HelloImageTests
{
    [Fact]
    public void Image_carries_a_PVH_entry_note()
    {
        byte[] elf = File.ReadAllBytes(RepoPaths.Image("hello"));
        // XEN_ELFNOTE_PHYS32_ENTRY note: namesz=4, descsz=8, type=18, "Xen\0".
        byte[] note = [4, 0, 0, 0, 8, 0, 0, 0, 18, 0, 0, 0, (byte)'X', (byte)'e', (byte)'n', 0];
        Assert.True(elf.AsSpan().IndexOf(note) > 0, "hello.elf has no PVH note");
    }

    [Fact]
    public async Task Hello_boots_prints_its_banner_and_powers_off_with_success()
    {
        GuestRun run = await QemuGuest.RunAsync(RepoPaths.Image("hello"), TimeSpan.FromSeconds(30));
        Assert.False(run.TimedOut, run.ToString());
        Assert.Contains("hello from C#", run.Serial, StringComparison.Ordinal);
        Assert.Matches(@"hello from C# \(\d+ us after kernel entry\)", run.Serial);
        Assert.Equal(0, run.GuestExitCode);
    }
}
