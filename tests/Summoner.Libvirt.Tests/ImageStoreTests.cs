using System.Security.Cryptography;
using Summoner.Testing;
using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>One libvirtd of the tests' own (libvirt's storage driver does not run embedded).</summary>
public sealed class StorageDaemon : IAsyncLifetime
{
    internal IsolatedLibvirtd Daemon { get; private set; } = null!;

    public LibvirtConnection Connection { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Daemon = await TestGuests.StartLibvirtdAsync();
        Connection = await LibvirtConnection.OpenAsync(Daemon.Uri);
    }

    public async Task DisposeAsync()
    {
        Connection?.Dispose();
        if (Daemon is not null) await Daemon.DisposeAsync();
    }
}

/// <summary>
/// Images shipped through libvirt (storage pool, volume upload over a virStream, read back and
/// hashed) to a libvirtd the test starts, then booted from the volume with the console read back
/// through libvirt: the path a remote host takes, on this machine.
/// </summary>
[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class ImageStoreTests(EmbeddedHost embedded, StorageDaemon daemonFixture) : IClassFixture<StorageDaemon>, IDisposable
{
    private readonly string scratch = TestGuests.NewScratchDirectory("img");

    private ImagePool Pool(string tag) => new() { Name = "summoner-test-" + tag + "-" + Environment.ProcessId.ToString("x", System.Globalization.CultureInfo.InvariantCulture), Directory = Path.Combine(scratch, "pool") };

    [Fact]
    public async Task Image_is_uploaded_once_then_found_and_a_changed_image_gets_a_new_volume()
    {
        using var daemon = await DaemonConnection();
        string local = Path.Combine(scratch, "hello.elf");
        File.Copy(TestGuests.HelloImage(), local);
        byte[] original = await File.ReadAllBytesAsync(local);
        var pool = Pool("once");
        Assert.False(Directory.Exists(pool.Directory)); // the pool (and its directory) is made on first use

        var first = await ImageStore.EnsureAsync(daemon, local, pool);
        Assert.True(first.Uploaded);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(original)), first.Sha256);
        Assert.Equal($"hello-{first.Sha256[..16]}.elf", first.Name);
        Assert.Equal(Path.Combine(pool.Directory, first.Name), first.Path);
        Assert.Equal(original, await File.ReadAllBytesAsync(first.Path));
        var uploadedAt = File.GetLastWriteTimeUtc(first.Path);

        await Task.Delay(50); // a rewrite would move the mtime past this
        var second = await ImageStore.EnsureAsync(daemon, local, pool);
        Assert.False(second.Uploaded);
        Assert.Equal(first.Path, second.Path);
        Assert.Equal(uploadedAt, File.GetLastWriteTimeUtc(second.Path));

        await File.AppendAllTextAsync(local, "changed");
        var third = await ImageStore.EnsureAsync(daemon, local, pool);
        Assert.True(third.Uploaded);
        Assert.NotEqual(first.Name, third.Name);
        Assert.Equal(await File.ReadAllBytesAsync(local), await File.ReadAllBytesAsync(third.Path));
        Assert.Equal(original, await File.ReadAllBytesAsync(first.Path)); // the old image stays for guests that still use it
    }

    [Fact]
    public async Task Volume_whose_bytes_changed_on_the_host_is_replaced_not_used()
    {
        using var daemon = await DaemonConnection();
        string local = Path.Combine(scratch, "hello.elf");
        File.Copy(TestGuests.HelloImage(), local);
        var pool = Pool("corrupt");
        var first = await ImageStore.EnsureAsync(daemon, local, pool);

        // Same length, one byte flipped: what a half-finished upload or a tampered file looks like by name.
        byte[] bad = await File.ReadAllBytesAsync(first.Path);
        bad[bad.Length / 2] ^= 0xff;
        await File.WriteAllBytesAsync(first.Path, bad);

        var again = await ImageStore.EnsureAsync(daemon, local, pool);
        Assert.True(again.Uploaded);
        Assert.Equal(first.Path, again.Path);
        Assert.Equal(await File.ReadAllBytesAsync(local), await File.ReadAllBytesAsync(again.Path));
    }

    [Fact]
    public async Task Echo_image_boots_from_its_volume_and_its_ready_line_arrives_over_the_daemon_console()
    {
        using var daemon = await DaemonConnection();
        var volume = await ImageStore.EnsureAsync(daemon, Summoner.Testing.RepoPaths.Image("echo"), Pool("boot"));
        string name = TestGuests.Name("img-echo");
        var spec = ConsoleGuests.Echo(name, volume.Path) with { CheckPathsHere = false };
        using var domain = await daemon.CreateDomainAsync(spec, startPaused: true);
        try
        {
            using var console = await daemon.OpenConsoleAsync(domain);
            await domain.ResumeAsync();
            var (line, _) = await ConsoleGuests.ReadUntilAsync(console, "summoner: ready tcp/", ConsoleGuests.Boot);
            Assert.StartsWith("summoner: ready tcp/7 ", line, StringComparison.Ordinal);

            // The guest's end reaches the console reader: the stream ends, it does not hang.
            await domain.DestroyAsync();
            await ConsoleGuests.ReadToEndAsync(console, TimeSpan.FromSeconds(15));
        }
        finally
        {
            try { await domain.DestroyAsync(); } catch (LibvirtException) { }
        }
    }

    [Fact]
    public async Task Embedded_driver_has_no_storage_and_says_to_pass_the_local_path()
    {
        var error = await Assert.ThrowsAsync<LibvirtException>(() => ImageStore.EnsureAsync(embedded.Connection, TestGuests.HelloImage(), Pool("emb")));
        Assert.Equal(LibvirtException.ErrNoSupport, error.Code);
        Assert.Contains("embedded", error.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_image_and_relative_pool_directory_are_refused_before_libvirt_is_called()
    {
        using var daemon = await DaemonConnection();
        await Assert.ThrowsAsync<FileNotFoundException>(() => ImageStore.EnsureAsync(daemon, Path.Combine(scratch, "absent.elf"), Pool("absent")));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => ImageStore.EnsureAsync(daemon, TestGuests.HelloImage(), new ImagePool { Directory = "images" }));
        Assert.Contains("absolute", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Volume_name_keeps_the_file_name_and_the_hash_prefix_and_nothing_libvirt_would_reject()
    {
        string sha = new('a', 64);
        Assert.Equal("hello-aaaaaaaaaaaaaaaa.elf", ImageStore.VolumeName("/x/hello.elf", sha));
        Assert.Equal("my_app-aaaaaaaaaaaaaaaa.elf", ImageStore.VolumeName("/x/my app.elf", sha));
        Assert.Equal("image-aaaaaaaaaaaaaaaa", ImageStore.VolumeName("/x/.", sha));
    }

    // A connection per test: the daemon is shared, and a test's failure must not leave the next with a closed one.
    private Task<LibvirtConnection> DaemonConnection() => LibvirtConnection.OpenAsync(daemonFixture.Daemon.Uri);

    public void Dispose()
    {
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}
