using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Summoner.Libvirt.Native;

namespace Summoner.Libvirt;

/// <summary>
/// A guest's serial console read through libvirt (virDomainOpenConsole into a non-blocking
/// virStream), line by line: the same on the embedded driver, a local daemon and a remote host,
/// and nothing is read from the guest's files. Open it with <see cref="LibvirtConnection.OpenConsole"/>
/// on a domain whose serial is <see cref="SerialConsole.ToPty"/>.
/// </summary>
/// <remarks>
/// Bytes are received on libvirt's event-loop thread (a stream callback drains what is there and
/// returns), split into lines and queued; readers await the queue. No thread per console. The queue
/// keeps the newest <see cref="Capacity"/> lines: a guest that floods its console while nobody
/// reads loses its oldest lines, never this process's memory (<see cref="DroppedLines"/> counts them).
/// Reads may run concurrently with <see cref="Dispose"/>; one reader at a time.
/// </remarks>
public sealed class DomainConsole : IDisposable
{
    /// <summary>Lines kept unread before the oldest is dropped.</summary>
    public const int Capacity = 4096;

    /// <summary>A longer line is cut here, so a guest that never prints '\n' cannot grow it without bound.</summary>
    public const int MaxLineLength = 16 * 1024;

    private readonly Lock gate = new();
    private readonly StreamHandle stream;
    private readonly string domainName;
    private readonly Channel<string> lines = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
        SingleWriter = true,
    });
    private readonly Decoder decoder = Encoding.UTF8.GetDecoder();
    private readonly StringBuilder partial = new();
    private readonly byte[] buffer = new byte[16 * 1024];
    private readonly char[] chars = new char[Encoding.UTF8.GetMaxCharCount(16 * 1024)];
    private bool callbackRegistered;
    private bool ended;
    private long dropped;

    private DomainConsole(StreamHandle stream, string domainName)
    {
        this.stream = stream;
        this.domainName = domainName;
    }

    /// <summary>Lines dropped because nobody read them and the queue was full.</summary>
    public long DroppedLines => Interlocked.Read(ref dropped);

    internal static unsafe DomainConsole Open(LibvirtConnection connection, Domain domain, bool force)
    {
        IntPtr raw = LibvirtNative.virStreamNew(connection.Handle, LibvirtNative.StreamNonBlock);
        if (raw == IntPtr.Zero) throw LibvirtException.FromLastError($"open a stream for the console of domain '{domain.Name}'");
        var stream = new StreamHandle(raw);
        var console = new DomainConsole(stream, domain.Name);
        // Force takes the console from a reader that is gone (a crashed earlier run); libvirt allows one reader.
        if (LibvirtNative.virDomainOpenConsole(domain.Handle, null, stream, force ? LibvirtNative.DomainConsoleForce : 0) < 0)
        {
            var error = LibvirtException.FromLastError($"open the console of domain '{domain.Name}'");
            stream.Dispose();
            throw error;
        }
        var self = GCHandle.Alloc(console);
        if (LibvirtNative.virStreamEventAddCallback(stream,
                LibvirtNative.StreamEventReadable | LibvirtNative.StreamEventError | LibvirtNative.StreamEventHangup,
                &OnStreamEvent, GCHandle.ToIntPtr(self), &FreeOpaque) < 0)
        {
            var error = LibvirtException.FromLastError($"watch the console stream of domain '{domain.Name}'");
            self.Free();
            if (LibvirtNative.virStreamAbort(stream) < 0) LibvirtNative.virResetLastError();
            stream.Dispose();
            throw error;
        }
        console.callbackRegistered = true;
        return console;
    }

    /// <summary>
    /// The next whole line, without its line end (a '\r' is dropped), waiting for it; null once the
    /// console has ended (the guest is gone, or this console was disposed) and every line was read.
    /// A cancelled read loses nothing. A stream failure is thrown as a <see cref="LibvirtException"/>.
    /// </summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        while (await lines.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (lines.Reader.TryRead(out string? line)) return line;
        }
        return null;
    }

    /// <summary>Every line until the console ends.</summary>
    public async IAsyncEnumerable<string> ReadLinesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            yield return line;
    }

    /// <summary>Stops watching and closes the stream; readers get the lines already queued, then null.</summary>
    public void Dispose()
    {
        lock (gate)
        {
            if (!ended) End(null);
            if (stream.IsClosed) return;
            Close();
        }
    }

    public override string ToString() => "console of " + domainName;

    // Under gate. Removing the callback from inside libvirt's own callback is allowed (virsh's console does it).
    private void Close()
    {
        if (callbackRegistered)
        {
            callbackRegistered = false;
            if (LibvirtNative.virStreamEventRemoveCallback(stream) < 0) LibvirtNative.virResetLastError();
        }
        if (LibvirtNative.virStreamAbort(stream) < 0) LibvirtNative.virResetLastError(); // already ended: nothing to abort
        stream.Dispose();
    }

    // Under gate.
    private void End(Exception? error)
    {
        ended = true;
        if (partial.Length > 0) Emit();
        lines.Writer.TryComplete(error);
    }

    private unsafe void Drain()
    {
        lock (gate)
        {
            if (ended || stream.IsClosed) return;
            while (true)
            {
                int n;
                fixed (byte* b = buffer) n = LibvirtNative.virStreamRecv(stream, b, (nuint)buffer.Length);
                if (n == -2) return; // drained: wait for the next readable event
                if (n > 0)
                {
                    Append(n);
                    continue;
                }
                // 0: the guest side closed (QEMU exited); -1: the stream failed. Either way it is over,
                // and a callback left registered on an ended stream would fire without end.
                End(n == 0 ? null : LibvirtException.FromLastError($"read the console of domain '{domainName}'"));
                Close();
                return;
            }
        }
    }

    private void Append(int byteCount)
    {
        int charCount = decoder.GetChars(buffer, 0, byteCount, chars, 0, flush: false);
        for (int i = 0; i < charCount; i++)
        {
            char c = chars[i];
            if (c == '\r') continue;
            if (c == '\n') { Emit(); continue; }
            partial.Append(c);
            if (partial.Length >= MaxLineLength) Emit();
        }
    }

    private void Emit()
    {
        // DropOldest makes TryWrite succeed even when full; count what it pushed out.
        if (lines.Reader.Count >= Capacity) Interlocked.Increment(ref dropped);
        lines.Writer.TryWrite(partial.ToString());
        partial.Clear();
    }

    [UnmanagedCallersOnly]
    private static void OnStreamEvent(IntPtr stream, int events, IntPtr opaque)
    {
        // On libvirt's event-loop thread: an exception escaping here would end the process.
        try
        {
            if (GCHandle.FromIntPtr(opaque).Target is DomainConsole self) self.Drain();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"summoner.libvirt: reading a console stream failed: {ex}");
        }
    }

    [UnmanagedCallersOnly]
    private static void FreeOpaque(IntPtr opaque) => GCHandle.FromIntPtr(opaque).Free();
}
