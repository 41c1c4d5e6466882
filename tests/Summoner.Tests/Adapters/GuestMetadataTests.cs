using Summoner.Adapters;
using Summoner.Libvirt;

namespace Summoner.Tests.Adapters;

/// <summary>What serve reads back from a running domain's XML after a restart besides its metadata: its memory.</summary>
[Trait("Category", "unit")]
public sealed class GuestMetadataTests
{
    [Fact]
    public void A_domains_memory_is_read_back_in_MiB_whatever_the_unit_and_unknown_reads_as_zero()
    {
        string rendered = DomainXml.Render(new DomainSpec
        {
            Name = "summoner-hello-1",
            KernelPath = "/x.elf",
            MemoryMiB = 48,
            CheckPathsHere = false, // no image needed: only the XML is read back
            Serial = new SerialConsole.ToFile("/c.log"),
        });
        Assert.Equal(48, GuestMetadata.MemoryMiB(rendered));
        Assert.Equal(64, GuestMetadata.MemoryMiB("<domain><memory unit='KiB'>65536</memory></domain>"));
        Assert.Equal(64, GuestMetadata.MemoryMiB("<domain><memory>65536</memory></domain>")); // libvirt's default unit is KiB
        Assert.Equal(2048, GuestMetadata.MemoryMiB("<domain><memory unit='GiB'>2</memory></domain>"));
        Assert.Equal(0, GuestMetadata.MemoryMiB("<domain><name>x</name></domain>"));
        Assert.Equal(0, GuestMetadata.MemoryMiB("<domain><memory unit='parsecs'>3</memory></domain>"));
        Assert.Equal(0, GuestMetadata.MemoryMiB("not xml"));
    }
}
