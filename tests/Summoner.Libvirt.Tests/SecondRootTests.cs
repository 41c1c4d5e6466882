using Xunit;

namespace Summoner.Libvirt.Tests;

[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class SecondRootTests(EmbeddedHost host)
{
    [Fact]
    public void A_second_embedded_root_in_the_same_process_is_refused_with_a_clear_error()
    {
        _ = host.Connection;
        string other = TestGuests.NewScratchDirectory("root2");
        try
        {
            var e = Assert.Throws<LibvirtException>(() => EmbeddedDriver.Open(new EmbeddedDriverOptions { StateDirectory = other }));
            Assert.Contains("already open with path '" + host.Root + "'", e.Message);
            Assert.Contains("one embedded root per process", e.Message);
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }
}
