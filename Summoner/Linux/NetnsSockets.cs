using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Summoner.Linux;

/// <summary>
/// Creates sockets inside a named network namespace. A socket belongs to the namespace of the
/// thread that created it, so one dedicated thread enters the namespace (setns) and makes sockets
/// on request; they can then be used from any thread. Lets the readiness probe reach a guest on a
/// bridge that lives in a namespace without moving the whole daemon there.
/// </summary>
public sealed partial class NetnsSockets : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly BlockingCollection<(AddressFamily Family, SocketType Type, TaskCompletionSource<Socket> Done)> _requests = [];
    private readonly Thread _thread;

    public NetnsSockets(string netns)
    {
        ArgumentException.ThrowIfNullOrEmpty(netns);
        string path = File.Exists("/run/netns/" + netns) ? "/run/netns/" + netns : "/var/run/netns/" + netns;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Run(path, entered)) { IsBackground = true, Name = "netns " + netns };
        _thread.Start();
        entered.Task.GetAwaiter().GetResult();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    private void Run(string path, TaskCompletionSource entered)
    {
        try
        {
            // nsfs files cannot seek, so FileStream refuses them: open a bare handle.
            using Microsoft.Win32.SafeHandles.SafeFileHandle ns = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            if (setns((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                throw new InvalidOperationException($"setns({path}) failed: errno {Marshal.GetLastPInvokeError()} (needs root)");
            entered.SetResult();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            entered.SetException(new InvalidOperationException($"cannot enter network namespace {path}: {ex.Message}", ex));
            return;
        }
        foreach (var (family, type, done) in _requests.GetConsumingEnumerable())
        {
            try { done.SetResult(type == SocketType.Dgram ? new Socket(family, SocketType.Dgram, ProtocolType.Udp) : new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }); }
            catch (SocketException ex) { done.SetException(ex); }
        }
    }

    public Socket Create(AddressFamily family) => Create(family, SocketType.Stream);

    /// <summary>A UDP socket in the namespace (the door's UDP ports).</summary>
    public Socket CreateDatagram(AddressFamily family) => Create(family, SocketType.Dgram);

    private Socket Create(AddressFamily family, SocketType type)
    {
        var done = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests.Add((family, type, done));
        return done.Task.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _requests.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(1));
        _requests.Dispose();
    }
}
