using Xunit;

namespace Summoner.Libvirt.Tests;

/// <summary>
/// The guest's serial console read through libvirt (virDomainOpenConsole into a virStream) on the
/// embedded driver: no console file exists, the readiness line still arrives.
/// </summary>
[Collection("libvirt")]
[Trait("Category", "qemu")]
[Trait("Category", "root")]
public sealed class DomainConsoleTests(EmbeddedHost host) : IDisposable
{
    private readonly string scratch = TestGuests.NewScratchDirectory("cons");

    [Fact]
    public async Task Ready_line_of_an_echo_guest_arrives_through_the_console_stream_and_a_waiting_reader_ends_on_dispose()
    {
        string name = TestGuests.Name("cons-echo");
        using var domain = await host.Connection.CreateDomainAsync(ConsoleGuests.Echo(name, Summoner.Testing.RepoPaths.Image("echo")), startPaused: true);
        try
        {
            Assert.DoesNotContain("type='file'", domain.GetXml(), StringComparison.Ordinal);
            var console = await host.Connection.OpenConsoleAsync(domain);
            await domain.ResumeAsync();
            var (line, seen) = await ConsoleGuests.ReadUntilAsync(console, "summoner: ready tcp/", ConsoleGuests.Boot);
            Assert.StartsWith("summoner: ready tcp/7 ", line, StringComparison.Ordinal);
            Assert.Contains("echo from C#", seen);

            // The guest keeps running and prints nothing more: a reader waits, and disposing ends it with null.
            var waiting = console.ReadLineAsync().AsTask();
            await Task.Delay(200);
            Assert.False(waiting.IsCompleted, "nothing more was printed, yet a read returned");
            console.Dispose();
            Assert.Null(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(0, console.DroppedLines);
        }
        finally
        {
            await domain.DestroyAsync();
        }
    }

    [Fact]
    public async Task Console_of_a_guest_that_stops_by_itself_ends_after_its_last_line()
    {
        string name = TestGuests.Name("cons-hello");
        var spec = TestGuests.Spec(name, TestGuests.HelloImage(), "/unused") with { Serial = new SerialConsole.ToPty() };
        using var domain = await host.Connection.CreateDomainAsync(spec, startPaused: true);
        using var console = await host.Connection.OpenConsoleAsync(domain);
        await domain.ResumeAsync();
        // hello prints, then its power-off resets the machine and libvirt ends the domain: the stream ends with it.
        var lines = await ConsoleGuests.ReadToEndAsync(console, ConsoleGuests.Boot);
        Assert.Contains(lines, l => l.StartsWith("hello from C# (", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Console_of_a_guest_whose_serial_goes_to_a_file_is_refused_with_what_to_do()
    {
        string name = TestGuests.Name("cons-file");
        using var domain = await host.Connection.CreateDomainAsync(
            TestGuests.Spec(name, TestGuests.HaltingImage(scratch), Path.Combine(scratch, "file.serial")), startPaused: true);
        try
        {
            var error = await Assert.ThrowsAsync<LibvirtException>(() => host.Connection.OpenConsoleAsync(domain));
            Assert.NotNull(error.Remedy);
            Assert.Contains("SerialConsole.ToPty", error.Remedy, StringComparison.Ordinal);
        }
        finally
        {
            await domain.DestroyAsync();
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
    }
}
