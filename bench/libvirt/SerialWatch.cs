using System.Diagnostics;

namespace Summoner.Bench.Libvirt;

/// <summary>
/// Times the growth of a serial log file by polling its length on a dedicated spinning thread
/// (about every 0.1 ms): libvirt hands QEMU the file itself, so there is no pipe to block on.
/// </summary>
internal static class SerialWatch
{
    /// <summary>Starts watching now; the task completes with the elapsed time when the file grows past <paramref name="length"/>.</summary>
    public static Task<TimeSpan> WhenLongerThan(string path, long length, Stopwatch clock, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var info = new FileInfo(path);
            while (clock.Elapsed < timeout)
            {
                info.Refresh();
                if (info.Exists && info.Length > length)
                {
                    done.SetResult(clock.Elapsed);
                    return;
                }
                Thread.SpinWait(200);
            }
            done.SetException(new TimeoutException($"{path} did not grow past {length} bytes within {timeout.TotalSeconds} s"));
        }) { IsBackground = true, Name = "serial watch" };
        thread.Start();
        return done.Task;
    }

    public static long LengthOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }
}

/// <summary>min / median / max of a series of milliseconds.</summary>
internal sealed class Series(string label)
{
    private readonly List<double> values = [];

    public string Label { get; } = label;

    public void Add(TimeSpan t) => values.Add(t.TotalMilliseconds);

    public double Median
    {
        get
        {
            var s = values.Order().ToArray();
            return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
        }
    }

    public string Row(double baseline) =>
        values.Count == 0
            ? $"| {Label} | - | - | - | - |"
            : FormattableString.Invariant($"| {Label} | {values.Min():F1} | {Median:F1} | {values.Max():F1} | {Median / baseline:F2}x |");
}
