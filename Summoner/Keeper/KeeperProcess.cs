using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Summoner.Keeper;

/// <summary>
/// `summoner keeper` (hidden; `serve` starts it): holds a copy of every listening socket of one
/// daemon, so that while the daemon is down (killed, crashed) the kernel still completes TCP
/// handshakes into their backlogs and queues datagrams, and the next daemon on the same state
/// directory takes them back. It never reads from those sockets. It serves one daemon at a time
/// over <c>&lt;state_dir&gt;/keeper/keeper.sock</c> (SOCK_SEQPACKET, owner-only), one line per
/// message, a descriptor attached to <c>keep</c> and to each <c>sock</c> answer:
/// <list type="bullet">
/// <item><c>take</c> → <c>sock KEY</c> (with the descriptor) for each socket held, then <c>end</c>; or <c>busy PID</c> when another daemon is connected</item>
/// <item><c>keep KEY</c> (with a descriptor) → <c>ok</c>: holds it, replacing one kept under KEY</item>
/// <item><c>drop KEY</c> → <c>ok</c>: closes its copy</item>
/// <item><c>bye</c> → <c>ok</c>: closes everything and exits (the daemon stops cleanly)</item>
/// </list>
/// A daemon's connection that ends without <c>bye</c> means the daemon died: the sockets are held
/// for <c>--linger</c> seconds more for a new daemon, then closed so the ports are free again.
/// </summary>
internal sealed class KeeperProcess
{
    public const string SocketFile = "keeper.sock";
    public const string LockFile = "keeper.lock";
    public const string LogFile = "keeper.log";

    private readonly Dictionary<string, int> _held = new(StringComparer.Ordinal);
    private readonly TimeSpan _linger;
    private Socket? _daemon;
    private int _daemonPid;
    private long _orphanSince = Stopwatch.GetTimestamp();

    private KeeperProcess(TimeSpan linger) => _linger = linger;

    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "The keeper's directory under the daemon's state directory", Required = true };
        var linger = new Option<int>("--linger") { Description = "Seconds to hold the sockets once no daemon is connected", DefaultValueFactory = _ => (int)SocketKeeper.Linger.TotalSeconds };
        var command = new Command("keeper", "Holds the daemon's listening sockets across its restarts (started by serve).") { dir, linger };
        command.Hidden = true;
        command.SetAction(r => Run(r.GetValue(dir)!, TimeSpan.FromSeconds(Math.Max(1, r.GetValue(linger)))));
        return command;
    }

    private static int Run(string directory, TimeSpan linger)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the keeper passes sockets with SCM_RIGHTS: Linux only");
        // Its own session: a terminal's Ctrl-C or hangup for the daemon's process group must not reach it.
        _ = FdPassing.setsid();
        // The daemon's pipes go (a test or supervisor waiting for the daemon's output to end must not wait for the keeper).
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle nul = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read);
            using Microsoft.Win32.SafeHandles.SafeFileHandle log = File.OpenHandle(Path.Combine(directory, LogFile), FileMode.Create, FileAccess.Write);
            FdPassing.dup2((int)nul.DangerousGetHandle(), 0);
            FdPassing.dup2((int)log.DangerousGetHandle(), 1);
            FdPassing.dup2((int)log.DangerousGetHandle(), 2);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 1;
        }
        FileStream lockFile;
        try
        {
            // .NET takes FileShare.None as an exclusive flock: one keeper per state directory.
            lockFile = new FileStream(Path.Combine(directory, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            Log("another keeper holds this state directory: exiting");
            return 0;
        }
        using var _lock = lockFile;
        string path = Path.Combine(directory, SocketFile);
        File.Delete(path);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        listener.Listen(8);
        Log($"pid {Environment.ProcessId}: listening on {path}; holds sockets for {linger.TotalSeconds:0} s once no daemon is connected");
        int code = new KeeperProcess(linger).Loop(listener);
        File.Delete(path);
        return code;
    }

    private static void Log(string line) => Console.WriteLine($"{DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} keeper: {line}");

    private int Loop(Socket listener)
    {
        while (true)
        {
            var readable = new List<Socket> { listener };
            if (_daemon is not null) readable.Add(_daemon);
            Socket.Select(readable, null, null, 1_000_000);
            // The daemon's socket first: a new daemon's connect right after the old one died finds it gone.
            if (_daemon is not null && readable.Contains(_daemon) && !ServeOne()) return 0;
            if (readable.Contains(listener)) Accept(listener);
            if (_daemon is null && Stopwatch.GetElapsedTime(_orphanSince) > _linger)
            {
                Log($"no daemon for {_linger.TotalSeconds:0} s: closing {_held.Count} socket(s) and exiting");
                CloseAll();
                return 0;
            }
        }
    }

    private void Accept(Socket listener)
    {
        Socket connection;
        try
        {
            connection = listener.Accept();
        }
        catch (SocketException)
        {
            return;
        }
        (int pid, uint uid) = FdPassing.PeerCredentials(connection);
        if (uid != FdPassing.geteuid())
        {
            Log($"refused pid {pid}: uid {uid} is not the keeper's");
            connection.Dispose();
            return;
        }
        if (_daemon is not null)
        {
            TrySend(connection, $"busy {_daemonPid}");
            connection.Dispose();
            return;
        }
        _daemon = connection;
        _daemonPid = pid;
        Log($"daemon pid {pid} connected ({_held.Count} socket(s) held)");
    }

    /// <summary>Handles one message from the daemon; false when the keeper should exit.</summary>
    private bool ServeOne()
    {
        Socket daemon = _daemon!;
        (string Line, int Fd)? message;
        try
        {
            message = FdPassing.Receive(daemon);
        }
        catch (SocketException)
        {
            message = null;
        }
        if (message is not { } m)
        {
            Log($"daemon pid {_daemonPid} went away without stopping: holding {_held.Count} socket(s) for up to {_linger.TotalSeconds:0} s");
            Orphan();
            return true;
        }
        string[] words = m.Line.Split(' ', 2);
        string? key = words.Length > 1 ? words[1] : null;
        int fd = m.Fd;
        string reply;
        switch (words[0])
        {
            case "take":
                foreach (var (k, held) in _held)
                {
                    if (!TrySend(daemon, "sock " + k, held))
                    {
                        Orphan();
                        return true;
                    }
                }
                reply = "end";
                break;
            case "keep" when key is not null && fd >= 0:
                if (_held.Remove(key, out int old)) FdPassing.close(old);
                _held[key] = fd;
                fd = -1;
                Log($"keeps {key}");
                reply = "ok";
                break;
            case "drop" when key is not null:
                if (_held.Remove(key, out int dropped))
                {
                    FdPassing.close(dropped);
                    Log($"dropped {key}");
                }
                reply = "ok";
                break;
            case "bye":
                TrySend(daemon, "ok");
                Log($"daemon pid {_daemonPid} stopped: closing {_held.Count} socket(s) and exiting");
                CloseAll();
                return false;
            default:
                reply = "error: unknown request " + words[0];
                break;
        }
        if (fd >= 0) FdPassing.close(fd);
        if (!TrySend(daemon, reply)) Orphan();
        return true;
    }

    private void Orphan()
    {
        _daemon?.Dispose();
        _daemon = null;
        _orphanSince = Stopwatch.GetTimestamp();
    }

    private static bool TrySend(Socket socket, string line, int fd = -1)
    {
        try
        {
            FdPassing.Send(socket, line, fd);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void CloseAll()
    {
        foreach (int fd in _held.Values) FdPassing.close(fd);
        _held.Clear();
        _daemon?.Dispose();
        _daemon = null;
    }
}
