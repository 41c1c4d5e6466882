using Summoner.Engine;
using Summoner.Adapters;
using Xunit;

namespace Summoner.Engine.Tests;

/// <summary>The serial console file QEMU writes, read as lines behind <see cref="IConsoleReader"/>.</summary>
[Trait("Category", "unit")]
public sealed class SerialFileReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("summoner-serial-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Lines_come_as_the_file_grows_even_when_it_does_not_exist_yet_and_a_half_line_waits_for_its_end()
    {
        string path = Path.Combine(_dir, "g.log");
        using var reader = new SerialFileReader(path, fromStart: true);
        Task<string> first = reader.ReadLineAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token).AsTask();
        await Task.Delay(50);
        Assert.False(first.IsCompleted);
        await File.WriteAllTextAsync(path, "summoner: ready tc");
        await Task.Delay(100);
        Assert.False(first.IsCompleted);
        Assert.Equal("summoner: ready tc", reader.Tail(5));
        await File.AppendAllTextAsync(path, "p/80 in 1.0 ms\r\nsecond\n");
        Assert.Equal("summoner: ready tcp/80 in 1.0 ms", await first);
        Assert.Equal("second", await reader.ReadLineAsync(CancellationToken.None));
        Assert.Equal("summoner: ready tcp/80 in 1.0 ms\nsecond", reader.Tail(5));
    }

    [Fact]
    public async Task A_reader_that_starts_now_reads_only_what_is_written_after_it_started()
    {
        string path = Path.Combine(_dir, "w.log");
        await File.WriteAllTextAsync(path, "summoner: accepted tcp/80\n");
        using var reader = new SerialFileReader(path, fromStart: false);
        await File.AppendAllTextAsync(path, "after\n");
        Assert.Equal("after", await reader.ReadLineAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token));
    }
}
