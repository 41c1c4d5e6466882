using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// One embedded QEMU driver for the whole test run: libvirt allows a single embedded root per
/// process. Its first start probes QEMU's capabilities (~4 s), cached under root/cache.
/// </summary>
public sealed class EmbeddedHost : IAsyncLifetime
{
    public string Root { get; } = TestGuests.NewScratchDirectory("emb");

    public LibvirtConnection Connection { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Connection = await EmbeddedDriver.OpenAsync(new EmbeddedDriverOptions { StateDirectory = Root });

    public Task DisposeAsync()
    {
        foreach (var d in Connection.ListDomains())
        {
            using (d)
            {
                try { d.Destroy(); } catch (LibvirtException) { }
            }
        }
        Connection.Dispose();
        if (EmbeddedDriver.RunPlacement(Root) is { OnTmpfs: true } run && run.Target != Path.Combine(Root, "run"))
        {
            try { Directory.Delete(run.Target, recursive: true); } catch (IOException) { }
        }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

[CollectionDefinition("libvirt")]
public sealed class LibvirtTestGroup : ICollectionFixture<EmbeddedHost>;
