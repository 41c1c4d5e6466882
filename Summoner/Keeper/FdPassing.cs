using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Summoner.Keeper;

/// <summary>
/// Messages with at most one file descriptor attached (SCM_RIGHTS) over a SOCK_SEQPACKET Unix
/// socket: one message is one line of text, its boundaries kept by the socket type. .NET has no
/// API for ancillary data, so sendmsg/recvmsg are called directly (LP64 Linux layouts).
/// Calls block: both ends use them on blocking sockets, the daemon with a receive timeout.
/// </summary>
internal static unsafe partial class FdPassing
{
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgCmsgCloexec = 0x40000000;
    private const int MsgNoSignal = 0x4000;
    private const int MaxMessage = 512;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgOneFd
    {
        public nuint Length;
        public int Level;
        public int Type;
        public int Fd;
        public int Padding;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendmsg(nint socket, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvmsg(nint socket, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int dup(int fd);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int dup2(int from, int to);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int setsid();

    /// <summary>Sends one line, with <paramref name="fd"/> attached unless it is -1. Throws <see cref="SocketException"/> on failure.</summary>
    public static void Send(Socket socket, string line, int fd = -1)
    {
        byte[] text = Encoding.UTF8.GetBytes(line);
        if (text.Length > MaxMessage) throw new ArgumentException("message too long", nameof(line));
        bool added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* data = text)
            {
                var iov = new IoVec { Base = data, Length = (nuint)text.Length };
                var cmsg = new CmsgOneFd { Length = (nuint)(sizeof(nuint) + 2 * sizeof(int) + sizeof(int)), Level = SolSocket, Type = ScmRights, Fd = fd };
                var msg = new MsgHdr { Iov = &iov, IovLength = 1 };
                if (fd >= 0)
                {
                    msg.Control = &cmsg;
                    msg.ControlLength = (nuint)sizeof(CmsgOneFd);
                }
                while (true)
                {
                    if (sendmsg(socket.SafeHandle.DangerousGetHandle(), &msg, MsgNoSignal) >= 0) return;
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != 4) throw new SocketException(errno == 11 ? (int)SocketError.TimedOut : (int)SocketError.SocketError, $"sendmsg failed: errno {errno}");
                }
            }
        }
        finally
        {
            if (added) socket.SafeHandle.DangerousRelease();
        }
    }

    /// <summary>
    /// Receives one line and the descriptor attached to it (-1 if none; close-on-exec). Null when the
    /// peer closed the connection. Throws <see cref="SocketException"/> on failure or timeout.
    /// </summary>
    public static (string Line, int Fd)? Receive(Socket socket)
    {
        byte[] text = new byte[MaxMessage];
        bool added = false;
        socket.SafeHandle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* data = text)
            {
                var iov = new IoVec { Base = data, Length = (nuint)text.Length };
                // Room for several descriptors: a misbehaving peer's extra ones are received (and closed) rather than leaked in flight.
                const int ControlBytes = 64;
                byte* control = stackalloc byte[ControlBytes];
                var msg = new MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlBytes };
                nint n;
                while (true)
                {
                    n = recvmsg(socket.SafeHandle.DangerousGetHandle(), &msg, MsgCmsgCloexec);
                    if (n >= 0) break;
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == 4) continue;
                    SocketError error = errno switch { 11 => SocketError.TimedOut, 104 => SocketError.ConnectionReset, _ => SocketError.SocketError };
                    throw new SocketException((int)error, $"recvmsg failed: errno {errno}");
                }
                int fd = -1;
                for (nuint offset = 0; offset + (nuint)(sizeof(nuint) + 2 * sizeof(int)) <= msg.ControlLength;)
                {
                    var header = (CmsgOneFd*)(control + offset);
                    if (header->Length < (nuint)(sizeof(nuint) + 2 * sizeof(int))) break;
                    if (header->Level == SolSocket && header->Type == ScmRights)
                    {
                        int count = (int)(header->Length - (nuint)(sizeof(nuint) + 2 * sizeof(int))) / sizeof(int);
                        int* fds = &header->Fd;
                        for (int i = 0; i < count; i++)
                        {
                            if (fd < 0) fd = fds[i];
                            else close(fds[i]);
                        }
                    }
                    offset += (header->Length + (nuint)sizeof(nuint) - 1) & ~((nuint)sizeof(nuint) - 1);
                }
                if (n == 0 && fd < 0) return null;
                return (Encoding.UTF8.GetString(text, 0, (int)n), fd);
            }
        }
        finally
        {
            if (added) socket.SafeHandle.DangerousRelease();
        }
    }

    /// <summary>The user id of the process at the other end of a Unix socket (SO_PEERCRED), and its pid.</summary>
    public static (int Pid, uint Uid) PeerCredentials(Socket socket)
    {
        const int SoPeerCred = 17;
        byte[] cred = new byte[12];
        socket.GetRawSocketOption(SolSocket, SoPeerCred, cred);
        return (BitConverter.ToInt32(cred, 0), BitConverter.ToUInt32(cred, 4));
    }

    [LibraryImport("libc")]
    internal static partial uint geteuid();

    /// <summary>Sets a receive timeout on the socket itself (SO_RCVTIMEO), which the direct recvmsg honours.</summary>
    public static void SetReceiveTimeout(Socket socket, TimeSpan timeout)
    {
        const int SoRcvTimeo = 20;
        byte[] tv = new byte[16];
        BitConverter.TryWriteBytes(tv.AsSpan(0, 8), (long)timeout.TotalSeconds);
        BitConverter.TryWriteBytes(tv.AsSpan(8, 8), (long)(timeout.TotalMicroseconds % 1_000_000));
        socket.SetRawSocketOption(SolSocket, SoRcvTimeo, tv);
    }
}
