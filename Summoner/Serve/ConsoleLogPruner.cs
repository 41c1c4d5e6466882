using Summoner.Engine;

namespace Summoner.Serve;

/// <summary>
/// Keeps the state directory from growing by one console log and one QEMU log per summon: per service,
/// the newest <c>keep</c> files of each directory stay (and the files of guests still running, whatever
/// their age), the rest are deleted. A guest on another [[host]] still writes its console into the
/// local directory (read over libvirt's stream), so "running" must count those guests too.
/// </summary>
/// <param name="services">The configured services' names, read at each pruning (a reload changes them).</param>
internal sealed class ConsoleLogPruner(IReadOnlyList<string> directories, string guestPrefix, Func<IEnumerable<string>> services, int keep)
{
    /// <summary>Deletes what is over the limit and returns how many files went.</summary>
    /// <param name="isRunning">Whether a guest of that name still runs, on any host.</param>
    public int Prune(Func<string, bool> isRunning)
    {
        int deleted = 0;
        foreach (string directory in directories)
        {
            if (!Directory.Exists(directory)) continue;
            FileInfo[] files = new DirectoryInfo(directory).GetFiles(guestPrefix + "*.log");
            foreach (string service in services())
            {
                var mine = files
                    .Where(f => GuestNames.BelongsTo(f.Name.AsSpan(0, f.Name.Length - ".log".Length), guestPrefix, service))
                    .OrderByDescending(f => f.LastWriteTimeUtc)
                    .Skip(keep);
                foreach (FileInfo old in mine)
                {
                    if (isRunning(old.Name[..^".log".Length])) continue;
                    try
                    {
                        old.Delete();
                        deleted++;
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        // Gone already or not ours to delete: the next round tries again.
                    }
                }
            }
        }
        return deleted;
    }
}
