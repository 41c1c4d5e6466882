using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Summoner.Bench;

/// <summary>
/// The baselines every summon is compared with: qemu-system-x86_64 started directly (no libvirt)
/// with the same image, machine and user-mode NIC as Summoner's domains, a QMP socket for
/// <c>stop</c>/<c>cont</c>, and its serial console read continuously with a timestamp per chunk.
/// </summary>
public sealed class PlainQemu : IAsyncDisposable
{
    public const string ReadyMarker = "summoner: ready tcp/";
    public const string AcceptedMarker = "summoner: accepted tcp/";

    private readonly Process _process;
    private readonly string _dir;
    private readonly Task _pump;
    private readonly Task<string> _stderr;
    private Qmp? _qmp;

    private PlainQemu(Process process, string dir, IPEndPoint http, long launched)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync(); // drained so QEMU never blocks on a full pipe
        _dir = dir;
        Http = http;
        Launched = launched;
        Console = new ConsolePump();
        _pump = Console.PumpAsync(process.StandardOutput);
    }

    /// <summary>The forwarded guest port 80 on the host.</summary>
    public IPEndPoint Http { get; }

    /// <summary>Stopwatch timestamp just before the process was started.</summary>
    public long Launched { get; }

    public ConsolePump Console { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts QEMU; with <paramref name="paused"/> it is created stopped (<c>-S</c>) and runs on <c>cont</c>.</summary>
    public static PlainQemu Start(string imagePath, string accelerator, bool paused = false, int memoryMiB = 64)
    {
        string dir = Directory.CreateTempSubdirectory("summoner-bench-qemu-").FullName;
        var host = IPAddress.Loopback;
        int hostPort = ServeProcess.FreePort();
        var psi = new ProcessStartInfo("qemu-system-x86_64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[]
        {
            "-M", "microvm,x-option-roms=off,isa-serial=on,rtc=on", "-accel", accelerator,
            "-m", memoryMiB.ToString(CultureInfo.InvariantCulture) + "M", "-smp", "1",
            "-nographic", "-nodefaults", "-no-reboot", "-no-user-config", "-serial", "stdio", "-monitor", "none",
            "-qmp", $"unix:{Path.Combine(dir, "qmp.sock")},server=on,wait=off",
            "-netdev", $"user,id=n0,restrict=on,hostfwd=tcp:{host}:{hostPort}-:80",
            "-device", "virtio-net-device,netdev=n0",
            "-kernel", imagePath, "-append", "ip=10.0.2.15/24 gw=10.0.2.2 port=80",
        })
        {
            psi.ArgumentList.Add(a);
        }
        if (paused) psi.ArgumentList.Add("-S");
        long launched = Stopwatch.GetTimestamp();
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start qemu-system-x86_64");
        }
        catch
        {
            Directory.Delete(dir, recursive: true);
            throw;
        }
        return new PlainQemu(p, dir, new IPEndPoint(host, hostPort), launched);
    }

    /// <summary>Connects to QMP and leaves capability negotiation; QEMU has set the machine up by then.</summary>
    public async Task ConnectQmpAsync(CancellationToken cancellationToken)
    {
        string socket = Path.Combine(_dir, "qmp.sock");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (_qmp is null)
        {
            try
            {
                _qmp = await Qmp.ConnectAsync(socket, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex) when (_process.HasExited)
            {
                throw new InvalidOperationException($"qemu-system-x86_64 exited with status {_process.ExitCode} before its QMP socket took a connection: {(await _stderr.ConfigureAwait(false)).Trim()}", ex);
            }
        }
    }

    /// <summary>The timestamp of the console chunk that completed <paramref name="marker"/>; if QEMU exits first, the error carries its stderr.</summary>
    /// <param name="from">Where on the console to start looking (<see cref="ConsolePump.Length"/> taken earlier): only lines printed since count.</param>
    public async Task<long> WaitForLineAsync(string marker, TimeSpan timeout, CancellationToken cancellationToken, int from = 0)
    {
        try
        {
            return await Console.WaitForAsync(marker, from, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex) when (_process.HasExited)
        {
            throw new InvalidOperationException($"qemu-system-x86_64 exited with status {_process.ExitCode}: {(await _stderr.ConfigureAwait(false)).Trim()}\n{ex.Message}", ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Command("stop", cancellationToken);

    public Task ContAsync(CancellationToken cancellationToken) => Command("cont", cancellationToken);

    private Task Command(string name, CancellationToken cancellationToken) =>
        (_qmp ?? throw new InvalidOperationException("QMP is not connected")).ExecuteAsync(name, cancellationToken);

    /// <summary>What serve's readiness probe does: connect to the guest's port and close, sending nothing.</summary>
    public async Task ProbeConnectAsync(CancellationToken cancellationToken)
    {
        using var socket = new Socket(Http.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(Http, cancellationToken).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Both);
    }

    /// <summary>Opens a connection to the guest's port, sends <c>GET /</c> and returns the timestamp of the first response byte.</summary>
    public async Task<long> FirstByteAsync(CancellationToken cancellationToken)
    {
        await HttpProbe.FirstByteAsync(Http, cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetTimestamp();
    }

    public async ValueTask DisposeAsync()
    {
        _qmp?.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        try { await _pump.ConfigureAwait(false); } catch (IOException) { } catch (ObjectDisposedException) { }
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    public static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}

/// <summary>
/// A guest's serial console read as it arrives. Each chunk keeps its arrival timestamp, so a
/// waiter learns when a line came, not when the waiter happened to be scheduled.
/// </summary>
public sealed class ConsolePump
{
    private readonly StringBuilder _text = new();
    private readonly List<(int End, long Timestamp)> _chunks = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;

    public string Text { get { lock (_text) return _text.ToString(); } }

    /// <summary>Characters read so far.</summary>
    public int Length { get { lock (_text) return _text.Length; } }

    public async Task PumpAsync(StreamReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var buf = new char[4096];
        while (true)
        {
            int n = await reader.ReadAsync(buf.AsMemory()).ConfigureAwait(false);
            long now = Stopwatch.GetTimestamp();
            TaskCompletionSource changed;
            lock (_text)
            {
                if (n == 0) _closed = true;
                else
                {
                    _text.Append(buf, 0, n);
                    _chunks.Add((_text.Length, now));
                }
                changed = _changed;
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.SetResult();
            if (n == 0) return;
        }
    }

    /// <summary>The timestamp of the chunk that completed the first <paramref name="marker"/> found at or after <paramref name="from"/>.</summary>
    public async Task<long> WaitForAsync(string marker, int from, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_text)
            {
                int at = _text.ToString(from, _text.Length - from).IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    int end = from + at + marker.Length;
                    return _chunks.First(c => c.End >= end).Timestamp;
                }
                if (_closed) throw new InvalidOperationException($"the guest exited before printing '{marker}':\n{_text}");
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no '{marker}' on the guest console within {timeout}:\n{Text}");
            }
        }
    }
}

/// <summary>A minimal QMP client: one command at a time, events skipped.</summary>
internal sealed class Qmp : IDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly NetworkStream _stream;

    private Qmp(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(_stream, Encoding.UTF8);
    }

    public static async Task<Qmp> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var qmp = new Qmp(socket);
        await qmp._reader.ReadLineAsync(cancellationToken).ConfigureAwait(false); // greeting
        await qmp.ExecuteAsync("qmp_capabilities", cancellationToken).ConfigureAwait(false);
        return qmp;
    }

    public async Task ExecuteAsync(string command, CancellationToken cancellationToken)
    {
        byte[] line = Encoding.ASCII.GetBytes($"{{\"execute\":\"{command}\"}}\n");
        await _stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            string reply = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"QMP closed during '{command}'");
            if (reply.Contains("\"return\"", StringComparison.Ordinal)) return;
            if (reply.Contains("\"error\"", StringComparison.Ordinal)) throw new InvalidOperationException($"QMP '{command}' failed: {reply}");
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
        _socket.Dispose();
    }
}

/// <summary>Sends <c>GET /</c> and returns when the first response byte arrives.</summary>
public static class HttpProbe
{
    public static async Task<string> FirstByteAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        byte[] request = Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {endpoint.Address}\r\nConnection: close\r\n\r\n");
        await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[4096];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (n == 0) throw new InvalidOperationException($"{endpoint} closed the connection without answering");
        return Encoding.ASCII.GetString(buffer, 0, n);
    }
}
