using System.Runtime.InteropServices;

namespace Summoner.Libvirt.Native;

/// <summary>The few libc calls the reaper and the embedded driver need.</summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    public const int PrSetChildSubreaper = 36;
    public const int PrGetChildSubreaper = 37;
    public const int WNoHang = 1;
    public const int FGetLk = 5;
    public const short FWrLck = 1;
    public const short FUnLck = 2;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);

    [LibraryImport(Library)]
    public static partial int getsid(int pid);

    [LibraryImport(Library)]
    public static partial int getpid();

    [LibraryImport(Library)]
    public static partial uint geteuid();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr getpwnam(string name);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, Flock* flock);

    public const int SigKill = 9;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int kill(int pid, int signal);

    public const int CloneNewNet = 0x40000000;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int setenv(string name, string value, int overwrite);

    public const nint SysPidfdOpen = 434; // the same number on every Linux architecture since 5.3
    public const int EpollCloexec = 0x80000;
    public const int EpollCtlAdd = 1;
    public const uint EpollIn = 1;
    public const short PollIn = 1;

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint syscall(nint number, nint arg1, nint arg2);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int epoll_wait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Library)]
    public static partial int close(int fd);

    public const long TmpfsMagic = 0x01021994;
    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const uint StatxBasicStats = 0x7ff;

    /// <summary>mkdir(2): fails with EEXIST rather than reuse a name someone else made.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int mkdir(string path, uint mode);

    /// <summary>struct statfs starts with f_type (a long) on every 64-bit Linux; the rest is not read.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int statfs(string path, byte* buffer);

    /// <summary>statx's struct has one layout on every architecture (unlike struct stat): uid at 20, mode at 28.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    /// <summary>struct epoll_event: packed on x86_64 (12 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    /// <summary>struct flock on x86_64 / aarch64 Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }
}
