using System.Runtime.InteropServices;
using Summoner.Libvirt.Native;

namespace Summoner.Libvirt;

/// <summary>
/// A libvirt call failed. Carries libvirt's own error code (virErrorNumber), error domain
/// (virErrorDomain: which libvirt subsystem raised it) and message, plus the operation we were
/// attempting and, where we recognise the failure, what to do next.
/// </summary>
public class LibvirtException : Exception
{
    public LibvirtException() { }

    public LibvirtException(string message) : base(message) { }

    public LibvirtException(string message, Exception innerException) : base(message, innerException) { }

    public LibvirtException(string operation, int code, int errorDomain, string libvirtMessage, string? remedy = null)
        : base(Compose(operation, code, errorDomain, libvirtMessage, remedy))
    {
        Operation = operation;
        Code = code;
        ErrorDomain = errorDomain;
        LibvirtMessage = libvirtMessage;
        Remedy = remedy;
    }

    /// <summary>What we asked libvirt to do, e.g. "create domain 'web-1'".</summary>
    public string Operation { get; } = "";

    /// <summary>libvirt's virErrorNumber (VIR_ERR_*), e.g. 42 = VIR_ERR_NO_DOMAIN.</summary>
    public int Code { get; }

    /// <summary>libvirt's virErrorDomain (VIR_FROM_*), e.g. 10 = VIR_FROM_QEMU.</summary>
    public int ErrorDomain { get; }

    /// <summary>libvirt's own message text.</summary>
    public string LibvirtMessage { get; } = "";

    /// <summary>What to do next, when we recognise the failure; otherwise null.</summary>
    public string? Remedy { get; }

    public const int ErrNoSupport = 3;
    public const int ErrNoConnect = 5;
    public const int ErrOperationFailed = 9;
    public const int ErrNoDomain = 42;
    public const int ErrNoStoragePool = 49;
    public const int ErrNoStorageVolume = 50;
    public const int ErrOperationInvalid = 55;

    private static string Compose(string operation, int code, int errorDomain, string message, string? remedy) =>
        $"libvirt: {operation} failed: {message} (code {code}, domain {errorDomain})" + (remedy is null ? "" : ". " + remedy);

    /// <summary>
    /// Reads and clears the calling thread's libvirt error. Must run on the thread that made the
    /// failing call with no other libvirt call in between (the error is thread-local).
    /// </summary>
    internal static unsafe LibvirtException FromLastError(string operation)
    {
        IntPtr err = LibvirtNative.virGetLastError();
        if (err == IntPtr.Zero)
            return new LibvirtException(operation, 0, 0, "libvirt reported failure without an error record");
        var head = Marshal.PtrToStructure<LibvirtNative.VirErrorHead>(err);
        string message = Marshal.PtrToStringUTF8(head.Message) ?? "(no message)";
        LibvirtNative.virResetLastError();
        return new LibvirtException(operation, head.Code, head.Domain, message, Remedies.For(head.Code, message));
    }
}
