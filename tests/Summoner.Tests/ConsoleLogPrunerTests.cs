using Summoner.Serve;

namespace Summoner.Tests;

/// <summary>The state directory keeps keep_logs logs per service, plus those of guests still running anywhere.</summary>
[Trait("Category", "unit")]
public sealed class ConsoleLogPrunerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("summoner-prune-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Log(string guest, int minutesAgo)
    {
        string path = Path.Combine(_dir, guest + ".log");
        File.WriteAllText(path, guest);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-minutesAgo));
    }

    private string[] Left() => [.. Directory.GetFiles(_dir).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!];

    [Fact]
    public void The_newest_logs_per_service_stay_and_so_does_a_running_guests_however_old()
    {
        for (int i = 1; i <= 5; i++) Log($"summoner-hello-{i}", minutesAgo: 10 - i);
        Log("summoner-hello-api-1", minutesAgo: 60); // another service whose name starts like hello's
        Log("other-hello-9", minutesAgo: 60); // another prefix: not ours
        // hello-1 is the oldest but still runs, for example on another [[host]], whose console streams here.
        var pruner = new ConsoleLogPruner([_dir], "summoner-", () => ["hello", "hello-api"], keep: 2);

        int deleted = pruner.Prune(guest => guest == "summoner-hello-1");

        Assert.Equal(2, deleted);
        Assert.Equal(["other-hello-9", "summoner-hello-1", "summoner-hello-4", "summoner-hello-5", "summoner-hello-api-1"], Left());
    }

    [Fact]
    public void Once_the_guest_is_gone_its_old_log_goes_too()
    {
        for (int i = 1; i <= 3; i++) Log($"summoner-web-{i}", minutesAgo: 10 - i);
        var pruner = new ConsoleLogPruner([_dir], "summoner-", () => ["web"], keep: 1);

        Assert.Equal(1, pruner.Prune(guest => guest == "summoner-web-1"));
        Assert.Equal(1, pruner.Prune(_ => false));
        Assert.Equal(["summoner-web-3"], Left());
    }
}
