using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Summoner.Keeper;

/// <summary>Listening sockets that outlive the daemon: what the door and the DNS server bind through.</summary>
public interface IListeningSockets
{
    /// <summary>A socket of <paramref name="protocol"/> bound to <paramref name="endpoint"/> (and listening, for TCP) that an earlier daemon left with the keeper; null when there is none.</summary>
    Socket? TakeBack(ProtocolType protocol, IPEndPoint endpoint);

    /// <summary>The socket now serves <paramref name="endpoint"/>: the keeper holds a copy from now on.</summary>
    void Keep(ProtocolType protocol, IPEndPoint endpoint, Socket socket);

    /// <summary>The daemon closes the socket for good: the keeper lets go of its copy, so the port is closed.</summary>
    void Drop(ProtocolType protocol, IPEndPoint endpoint);
}

/// <summary>
/// The daemon's side of the keeper (<see cref="KeeperProcess"/>), a process started detached that
/// holds a copy of every listening socket, as systemd's file descriptor store would: after a
/// SIGKILL of the daemon its ports go on accepting into their backlogs, and the next daemon on the
/// same state directory takes them back (<see cref="Open"/>) and serves what queued meanwhile.
/// The keeper's set follows the daemon's (<see cref="IListeningSockets.Keep"/> on open,
/// <see cref="IListeningSockets.Drop"/> on close, each answered before it returns); a daemon that
/// exits by its own code ends it (<see cref="End"/>). A keeper that fails never stops the daemon:
/// it logs once and the daemon serves on without one (a crash then closes the ports as before).
/// </summary>
public sealed class SocketKeeper : IDisposable
{
    /// <summary>How long the keeper holds the sockets once no daemon is connected, then closes them (ports free again).</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromSeconds(60);

    /// <summary>A keeper that does not answer within this is given up (the daemon serves on without it).</summary>
    private static readonly TimeSpan Reply = TimeSpan.FromSeconds(5);

    private readonly object _lock = new();
    private readonly ILogger _log;
    private readonly Dictionary<string, Socket?> _inherited = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _labels = new(StringComparer.Ordinal);
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private Socket? _connection;
    private Process? _started;
    private int _takenBack;

    internal SocketKeeper(ILogger log) => _log = log;

    /// <summary>The keeper's pid, or 0 when this daemon runs without one.</summary>
    public int Pid { get; private set; }

    /// <summary>
    /// Connects to the keeper of <paramref name="stateDirectory"/> and takes back every socket it
    /// holds, or starts one when none runs. Throws <see cref="InvalidOperationException"/> when
    /// another live daemon is connected to it (two daemons on one state directory).
    /// </summary>
    public static SocketKeeper Open(string stateDirectory, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the keeper passes sockets with SCM_RIGHTS: Linux only");
        var keeper = new SocketKeeper(log);
        string directory = Path.Combine(Path.GetFullPath(stateDirectory), "keeper");
        try
        {
            Directory.CreateDirectory(directory);
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            log.LogWarning("keeper: cannot use {Directory}: {Message}; ports close while no daemon runs", directory, ex.Message);
            return keeper;
        }
        string path = Path.Combine(directory, KeeperProcess.SocketFile);
        var started = Stopwatch.StartNew();
        while (true)
        {
            Socket? connection = Connect(path);
            if (connection is null && keeper._started is null)
            {
                keeper._started = Spawn(directory, log);
                if (keeper._started is null) return keeper;
            }
            if (connection is null)
            {
                if (started.Elapsed > TimeSpan.FromSeconds(15) || keeper._started is { HasExited: true })
                {
                    log.LogWarning("keeper: did not start (see {Log}); ports close while no daemon runs", Path.Combine(directory, KeeperProcess.LogFile));
                    return keeper;
                }
                Thread.Sleep(20);
                continue;
            }
            string? busy = keeper.TakeAll(connection, path);
            if (busy is null) return keeper;
            // A daemon killed just now: the keeper sees its end at its next look.
            if (started.Elapsed > TimeSpan.FromSeconds(3))
                throw new InvalidOperationException($"another summoner serve (pid {busy}) is running on state directory {stateDirectory}: stop it first, or give this one its own state_dir");
            Thread.Sleep(100);
        }
    }

    private static Socket? Connect(string path)
    {
        if (!File.Exists(path)) return null;
        var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            // Only a keeper of this user: the directory is owner-only, and this checks the process behind it.
            if (FdPassing.PeerCredentials(socket).Uid != FdPassing.geteuid()) throw new SocketException((int)SocketError.AccessDenied);
            FdPassing.SetReceiveTimeout(socket, Reply);
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>Starts `summoner keeper` with this program (apphost or `dotnet summoner.dll`); it detaches itself.</summary>
    private static Process? Spawn(string directory, ILogger log)
    {
        string self = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(self)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(SocketKeeper).Assembly.Location);
        foreach (string a in new[] { "keeper", "--dir", directory, "--linger", ((int)Linger.TotalSeconds).ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        try
        {
            Process process = Process.Start(psi) ?? throw new InvalidOperationException("no process");
            // It sets up its own stdio; our ends of its pipes go now, so nothing waits on them.
            process.StandardInput.Close();
            process.StandardOutput.Close();
            process.StandardError.Close();
            return process;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log.LogWarning("keeper: cannot start {Program}: {Message}; ports close while no daemon runs", self, ex.Message);
            return null;
        }
    }

    /// <summary>Asks for every socket held; null when done (this daemon is now the keeper's), else the pid of the daemon it serves.</summary>
    internal string? TakeAll(Socket connection, string path)
    {
        Ask(connection);
        return ReadAnswer(connection, path);
    }

    /// <summary>Sends <c>take</c>; a failure is left to <see cref="ReadAnswer"/>.</summary>
    internal static void Ask(Socket connection)
    {
        try
        {
            FdPassing.Send(connection, "take");
        }
        catch (SocketException)
        {
            // A keeper that serves another daemon answers "busy PID" and closes as soon as it
            // accepts, often before this send (a new daemon's first send also waits for the JIT),
            // which then fails with EPIPE. Its answer is still queued: read on. A keeper gone
            // without one ends the read like any other broken keeper.
        }
    }

    /// <summary>Reads the keeper's answer to <c>take</c>: the sockets it holds, or <c>busy PID</c> (returned).</summary>
    internal string? ReadAnswer(Socket connection, string path)
    {
        try
        {
            while (true)
            {
                if (ReceivePastReset(connection) is not { } m) throw new SocketException((int)SocketError.ConnectionReset);
                if (m.Line.StartsWith("busy ", StringComparison.Ordinal))
                {
                    connection.Dispose();
                    return m.Line[5..];
                }
                if (m.Line == "end") break;
                if (m.Line.StartsWith("sock ", StringComparison.Ordinal) && m.Fd >= 0) Adopt(m.Line[5..], m.Fd);
                else if (m.Fd >= 0) FdPassing.close(m.Fd);
            }
        }
        catch (SocketException ex)
        {
            connection.Dispose();
            _log.LogWarning("keeper: {Path}: {Message}; serving without it (ports close while no daemon runs)", path, ex.Message);
            return null;
        }
        _connection = connection;
        Pid = FdPassing.PeerCredentials(connection).Pid;
        return null;
    }

    /// <summary>
    /// One message from the keeper. A keeper that closes with our <c>take</c> unread makes the kernel
    /// report a reset once, ahead of what it sent before it closed (<c>busy PID</c>): the read after
    /// it returns that, or the end.
    /// </summary>
    private static (string Line, int Fd)? ReceivePastReset(Socket connection)
    {
        try
        {
            return FdPassing.Receive(connection);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return FdPassing.Receive(connection);
        }
    }

    /// <summary>Wraps a socket handed back; it is matched by what it really is (protocol, bound address and port), not by its label.</summary>
    private void Adopt(string label, int fd)
    {
        Socket socket;
        try
        {
            socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        }
        catch (SocketException)
        {
            FdPassing.close(fd);
            Unusable(label);
            return;
        }
        bool usable = socket.LocalEndPoint is IPEndPoint
            && (socket.ProtocolType == ProtocolType.Udp
                || (socket.ProtocolType == ProtocolType.Tcp && (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.AcceptConnection)! != 0));
        string key = usable ? Key(Scope(label), socket.ProtocolType, (IPEndPoint)socket.LocalEndPoint!) : label;
        if (!usable || _inherited.ContainsKey(key))
        {
            socket.Dispose();
            Unusable(label);
            return;
        }
        _labels[key] = label;
        _inherited[key] = socket;
    }

    /// <summary>A socket handed back that nothing can serve on: kept only as a label, so <see cref="ReleaseUnclaimed"/> tells the keeper to drop it.</summary>
    private void Unusable(string label)
    {
        _labels[label] = label;
        _inherited[label] = null;
    }

    private static string Key(string scope, ProtocolType protocol, IPEndPoint endpoint) =>
        (protocol == ProtocolType.Tcp ? "tcp " : "udp ") + endpoint.ToString() + scope;

    /// <summary>The part of a key after the endpoint: where the socket was made (" in NETNS" for a bridge's namespace).</summary>
    private static string Scope(string label)
    {
        int at = label.IndexOf(" in ", StringComparison.Ordinal);
        return at < 0 ? "" : label[at..];
    }

    /// <summary>The sockets of one network namespace (null: the daemon's own), keyed apart from other namespaces' same addresses.</summary>
    public IListeningSockets In(string? netns) => new Scoped(this, netns is null ? "" : " in " + netns);

    private sealed class Scoped(SocketKeeper keeper, string scope) : IListeningSockets
    {
        public Socket? TakeBack(ProtocolType protocol, IPEndPoint endpoint) => keeper.TakeBack(Key(scope, protocol, endpoint));
        public void Keep(ProtocolType protocol, IPEndPoint endpoint, Socket socket) => keeper.Keep(Key(scope, protocol, endpoint), socket);
        public void Drop(ProtocolType protocol, IPEndPoint endpoint) => keeper.Drop(Key(scope, protocol, endpoint));
    }

    private Socket? TakeBack(string key)
    {
        lock (_lock)
        {
            if (!_inherited.Remove(key, out Socket? socket) || socket is null) return null;
            _held.Add(_labels[key]);
            _takenBack++;
            return socket;
        }
    }

    private void Keep(string key, Socket socket)
    {
        lock (_lock)
        {
            // One taken back is in the keeper already (under the label it was kept with).
            if (_labels.TryGetValue(key, out string? label) && _held.Contains(label)) return;
            if (Ask("keep " + key, (int)socket.SafeHandle.DangerousGetHandle())) _held.Add(key);
        }
    }

    private void Drop(string key)
    {
        lock (_lock)
        {
            string label = _labels.GetValueOrDefault(key, key);
            _labels.Remove(key);
            if (_held.Remove(label)) Ask("drop " + label);
        }
    }

    /// <summary>
    /// Once the door and DNS have taken theirs: closes the sockets taken back that no configured
    /// address wants (a changed config), here and in the keeper. Logs how many were taken back.
    /// </summary>
    public void ReleaseUnclaimed()
    {
        lock (_lock)
        {
            int closed = 0;
            foreach (var (key, socket) in _inherited)
            {
                socket?.Dispose();
                string label = _labels[key];
                if (_connection is not null) Ask("drop " + label);
                closed++;
            }
            _inherited.Clear();
            if (_connection is null)
                _log.LogWarning("keeper: none: a crash of this daemon closes its ports until the next start");
            else if (_takenBack + closed == 0)
                _log.LogInformation("keeper: pid {Pid} holds this daemon's {Count} listening sockets across a crash; 0 taken back", Pid, _held.Count);
            else
                _log.LogInformation("keeper: took back {Count} listening sockets from pid {Pid} ({Closed} no longer configured, closed); connections and datagrams queued meanwhile are served now", _takenBack, Pid, closed);
        }
    }

    /// <summary>One request, answered before it returns; on any failure the keeper is given up (logged once).</summary>
    private bool Ask(string request, int fd = -1)
    {
        if (_connection is not { } connection) return false;
        try
        {
            FdPassing.Send(connection, request, fd);
            if (FdPassing.Receive(connection) is { } reply && reply.Line == "ok") return true;
            throw new SocketException((int)SocketError.ConnectionReset);
        }
        catch (SocketException ex)
        {
            _log.LogWarning("keeper: lost ({Request}: {Message}); serving on without it: a crash now closes the ports until the next start", request, ex.Message);
            connection.Dispose();
            _connection = null;
            return false;
        }
    }

    /// <summary>The daemon stops by its own code (SIGTERM, a failed start): the keeper closes its copies and exits.</summary>
    public void End()
    {
        lock (_lock)
        {
            if (_connection is not null)
            {
                Ask("bye");
                _connection?.Dispose(); // Ask leaves it null when the keeper was lost
                _connection = null;
            }
            foreach (Socket? s in _inherited.Values) s?.Dispose();
            _inherited.Clear();
        }
        if (_started is { } p)
        {
            // Reaped here, not left a zombie under this daemon (a child subreaper).
            p.WaitForExit(TimeSpan.FromSeconds(5));
            p.Dispose();
            _started = null;
        }
    }

    public void Dispose() => End();
}
