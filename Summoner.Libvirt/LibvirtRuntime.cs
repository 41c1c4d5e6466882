using System.Runtime.InteropServices;
using Summoner.Libvirt.Native;

namespace Summoner.Libvirt;

/// <summary>
/// Process-wide libvirt setup, done once before the first connection: load libvirt.so.0 (with an
/// install hint when it is missing), silence libvirt's default error printer (every error reaches
/// the caller as a <see cref="LibvirtException"/> instead), and run libvirt's default event loop
/// on a dedicated thread. The embedded driver and domain events both need that loop, and
/// virEventRegisterDefaultImpl must precede the first virConnectOpen.
/// </summary>
public static unsafe class LibvirtRuntime
{
    private static readonly Lock Gate = new();
    private static Thread? loopThread;
    private static ulong version;

    /// <summary>libvirt's version as major.minor.micro, e.g. 9.0.0.</summary>
    public static Version Version
    {
        get
        {
            EnsureStarted();
            return new Version((int)(version / 1_000_000), (int)(version / 1000 % 1000), (int)(version % 1000));
        }
    }

    /// <summary>Idempotent and thread-safe; every public entry point calls it.</summary>
    public static void EnsureStarted()
    {
        if (Volatile.Read(ref loopThread) is not null) return;
        lock (Gate)
        {
            if (loopThread is not null) return;
            RequireLibrary("libvirt.so.0");
            // libvirt logs every failed call to stderr, including expected ones ("Domain not found"
            // from a lookup) and, for in-process drivers, warnings on every start. Each failure
            // reaches the caller as a LibvirtException, so libvirt's own log is off unless the
            // operator sets LIBVIRT_LOG_OUTPUTS (e.g. "1:file:/tmp/libvirt.log"). libvirt reads the
            // native environment, which Environment.SetEnvironmentVariable does not change.
            if (Environment.GetEnvironmentVariable("LIBVIRT_LOG_OUTPUTS") is null) Libc.setenv("LIBVIRT_LOG_OUTPUTS", "4:file:/dev/null", 0);
            if (LibvirtNative.virInitialize() < 0) throw LibvirtException.FromLastError("initialise libvirt");
            if (LibvirtNative.virGetVersion(out version, IntPtr.Zero, IntPtr.Zero) < 0) throw LibvirtException.FromLastError("read libvirt's version");
            LibvirtNative.virSetErrorFunc(IntPtr.Zero, &IgnoreError);
            if (LibvirtNative.virEventRegisterDefaultImpl() < 0) throw LibvirtException.FromLastError("register libvirt's default event loop");
            // A periodic no-op timer keeps virEventRunDefaultImpl from sleeping forever when no
            // handle is registered yet, so the loop notices new handles promptly on every libvirt.
            if (LibvirtNative.virEventAddTimeout(1000, &Tick, IntPtr.Zero, IntPtr.Zero) < 0) throw LibvirtException.FromLastError("add the event loop's wake-up timer");
            var thread = new Thread(RunLoop) { IsBackground = true, Name = "libvirt event loop" };
            thread.Start();
            loopThread = thread;
        }
    }

    /// <summary>Loads a native library up front so that a missing libvirt says what to install instead of a bare DllNotFoundException.</summary>
    internal static void RequireLibrary(string name)
    {
        if (!NativeLibrary.TryLoad(name, typeof(LibvirtRuntime).Assembly, null, out _))
            throw new LibvirtUnavailableException($"cannot load {name}. " + Remedies.InstallLibvirt);
    }

    private static void RunLoop()
    {
        while (true)
        {
            if (LibvirtNative.virEventRunDefaultImpl() < 0)
            {
                // Only fails on a broken poll(); keep the loop alive rather than silently losing events.
                LibvirtNative.virResetLastError();
                Thread.Sleep(10);
            }
        }
    }

    [UnmanagedCallersOnly]
    private static void IgnoreError(IntPtr userData, IntPtr error) { }

    [UnmanagedCallersOnly]
    private static void Tick(int timer, IntPtr opaque) { }
}

/// <summary>libvirt.so.0 could not be loaded; the message says what to install.</summary>
public sealed class LibvirtUnavailableException : LibvirtException
{
    public LibvirtUnavailableException() { }

    public LibvirtUnavailableException(string message) : base(message) { }

    public LibvirtUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}
