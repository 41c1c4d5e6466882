namespace Summoner.Libvirt;

/// <summary>How QEMU executes guest code: hardware KVM or QEMU's own translator.</summary>
public enum Accelerator
{
    /// <summary>QEMU's TCG translator (libvirt <c>&lt;domain type='qemu'&gt;</c>): runs anywhere.</summary>
    Tcg,

    /// <summary>KVM (libvirt <c>&lt;domain type='kvm'&gt;</c>): only where <see cref="AcceleratorProbe"/> says it runs our guests.</summary>
    Kvm,
}

/// <summary>The emulated machine. Both boot a PVH kernel directly; SeaBIOS machines cost ~8 s here and are not offered.</summary>
public enum MachineKind
{
    /// <summary>QEMU microvm: no PCI, no firmware; NICs are virtio-mmio. Fastest (~116 ms to first byte via libvirt).</summary>
    Microvm,

    /// <summary>i440FX "pc" with qboot as firmware (/usr/share/qemu/qboot.rom) and no ACPI; NICs are virtio-pci.</summary>
    PcQboot,
}

/// <summary>
/// A typed description of one transient guest, rendered to libvirt XML by <see cref="DomainXml"/>.
/// Every value is validated there; nothing here is trusted text.
/// </summary>
public sealed record DomainSpec
{
    /// <summary>libvirt domain name: letters, digits, '_', '-', '.', starting with a letter or digit; at most 64.</summary>
    public required string Name { get; init; }

    /// <summary>Absolute path of the PVH ELF kernel image QEMU loads with -kernel.</summary>
    public required string KernelPath { get; init; }

    /// <summary>Where the guest's COM1 goes; the host reads it.</summary>
    public required SerialConsole Serial { get; init; }

    public string? KernelCommandLine { get; init; }

    public int MemoryMiB { get; init; } = 32;

    public int VCpus { get; init; } = 1;

    public Accelerator Accelerator { get; init; } = Accelerator.Tcg;

    public MachineKind Machine { get; init; } = MachineKind.Microvm;

    public IReadOnlyList<NicSpec> Nics { get; init; } = [];

    /// <summary>
    /// fw_cfg files for the guest (libvirt &lt;sysinfo type='fwcfg'&gt;): name (under opt/) and the host
    /// file QEMU reads at start. Always by file: inline values would land on QEMU's command line.
    /// </summary>
    public IReadOnlyList<FirmwareFile> FirmwareFiles { get; init; } = [];

    /// <summary>Path of qboot's ROM for <see cref="MachineKind.PcQboot"/> (Debian: qemu-system-data).</summary>
    public string QbootRomPath { get; init; } = "/usr/share/qemu/qboot.rom";

    public string EmulatorPath { get; init; } = "/usr/bin/qemu-system-x86_64";

    /// <summary>
    /// True (the default) when QEMU runs on this machine, so that missing files (kernel, emulator,
    /// fw_cfg files, the serial log's directory) are reported before libvirt is called. False for a
    /// remote host: those paths are that host's, and its libvirt reports them.
    /// </summary>
    public bool CheckPathsHere { get; init; } = true;

    /// <summary>
    /// QEMU capabilities libvirt must treat as absent for this domain
    /// (<c>&lt;qemu:capabilities&gt;&lt;qemu:del capability='…'/&gt;</c>). libvirt documents this as a
    /// testing knob and fails the start if it does not know a name, so callers keep a way back
    /// (see <see cref="CpuProbeMask"/>).
    /// </summary>
    public IReadOnlyList<string> MaskedQemuCapabilities { get; init; } = [];

    /// <summary>
    /// The creator's own record in the domain (libvirt &lt;metadata&gt;): one element in its
    /// namespace whose attributes libvirt keeps with the running domain, so a restarted creator can
    /// tell its guests from anyone else's (read back with <see cref="DomainXml.ReadMetadata"/>).
    /// </summary>
    public DomainMetadata? Metadata { get; init; }

    /// <summary>
    /// The one mask worth having on libvirt 9.0 + QEMU 7.2: without the capability
    /// 'cpu-unavailable-features' libvirt reads the started guest's CPU back with 3 QMP commands
    /// instead of one qom-get per CPU feature (~400), which QEMU 7.2 reads a byte per main-loop
    /// turn: about 550 ms of every create on a 2-core TCG host. The QEMU command line and the
    /// guest's CPU stay the same (guarded by a test that compares the CPUID the guest sees).
    /// </summary>
    public static IReadOnlyList<string> CpuProbeMask { get; } = ["cpu-unavailable-features"];
}

/// <summary>One element <paramref name="Element"/> in namespace <paramref name="NamespaceUri"/> (written with
/// <paramref name="Prefix"/>), its values as attributes.</summary>
public sealed record DomainMetadata(string NamespaceUri, string Prefix, string Element, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One fw_cfg item: <paramref name="Name"/> such as "opt/summoner/env", its bytes in <paramref name="Path"/>.</summary>
public sealed record FirmwareFile(string Name, string Path);

/// <summary>Where COM1's output goes.</summary>
public abstract record SerialConsole
{
    private SerialConsole() { }

    /// <summary>libvirt opens (appends to) this file itself and hands QEMU the descriptor.</summary>
    public sealed record ToFile(string Path) : SerialConsole;

    /// <summary>QEMU listens on this unix socket (without waiting for a client); the host connects to read.</summary>
    public sealed record ToUnixSocket(string Path) : SerialConsole;

    /// <summary>
    /// A pseudo-terminal on the host that runs QEMU, read through libvirt itself with
    /// <see cref="LibvirtConnection.OpenConsole"/>: works over remote URIs, no file on any disk.
    /// Output written while no console is open is lost, so create the domain paused, open the
    /// console, then resume.
    /// </summary>
    public sealed record ToPty : SerialConsole;
}
