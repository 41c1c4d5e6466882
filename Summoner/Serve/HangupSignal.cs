using System.Runtime.InteropServices;

namespace Summoner.Serve;

/// <summary>
/// SIGHUP is serve's reload signal. A daemon started under <c>nohup</c> (or by any parent that
/// ignores SIGHUP) inherits SIG_IGN for it, and .NET then never delivers it to a
/// <see cref="PosixSignalRegistration"/>: reloads by signal would silently do nothing. The
/// daemon asked for SIGHUP to mean "reload", so it takes the signal back to its default first.
/// </summary>
internal static partial class HangupSignal
{
    private const int Sighup = 1;
    private static readonly nint SigDfl = 0;
    private static readonly nint SigIgn = 1;

    [LibraryImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static partial nint Signal(int signum, nint handler);

    /// <summary>Restores SIGHUP's default disposition; true when it had been ignored.</summary>
    public static bool Unignore()
    {
        if (!OperatingSystem.IsLinux()) return false;
        nint previous = Signal(Sighup, SigDfl);
        return previous == SigIgn;
    }
}
