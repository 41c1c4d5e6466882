using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace Summoner.Libvirt;

/// <summary>
/// Renders a <see cref="DomainSpec"/> to libvirt domain XML with System.Xml.Linq, after validating
/// every field: names, paths and device names are checked against what libvirt, QEMU and Linux
/// accept, and the XML writer escapes whatever remains. No XML is built by string concatenation.
/// </summary>
public static partial class DomainXml
{
    private static readonly XNamespace QemuNs = "http://libvirt.org/schemas/domain/qemu/1.0";

    /// <summary>libvirt's name of the machine type (the domain's os/type/@machine).</summary>
    internal static string MachineName(MachineKind machine) => machine == MachineKind.Microvm ? "microvm" : "pc";

    /// <summary>libvirt's domain type for the accelerator: "qemu" is TCG.</summary>
    internal static string DomainType(Accelerator accelerator) => accelerator == Accelerator.Kvm ? "kvm" : "qemu";

    public static string Render(DomainSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        bool microvm = spec.Machine == MachineKind.Microvm;

        var os = new XElement("os",
            new XElement("type", new XAttribute("arch", "x86_64"), new XAttribute("machine", MachineName(spec.Machine)), "hvm"));
        if (!microvm)
            os.Add(new XElement("loader", new XAttribute("type", "rom"), new XAttribute("readonly", "yes"), spec.QbootRomPath));
        os.Add(new XElement("kernel", spec.KernelPath));
        if (spec.KernelCommandLine is not null) os.Add(new XElement("cmdline", spec.KernelCommandLine));

        var devices = new XElement("devices", new XElement("emulator", spec.EmulatorPath), Serial(spec.Serial));
        var commandLine = new XElement(QemuNs + "commandline");
        // The guest's date comes from the CMOS RTC (Kernel.Runtime.RealTimeClock). microvm has one
        // under TCG but, left to decide ("auto"), none under KVM; libvirt's XML cannot ask for it.
        if (microvm)
            commandLine.Add(new XElement(QemuNs + "arg", new XAttribute("value", "-machine")), new XElement(QemuNs + "arg", new XAttribute("value", "rtc=on")));
        int userNics = 0;
        foreach (var nic in spec.Nics)
        {
            if (nic is UserNic user) AddUserNic(commandLine, user, userNics++, microvm);
            else devices.Add(Interface(nic, microvm));
        }
        devices.Add(new XElement("controller", new XAttribute("type", "usb"), new XAttribute("model", "none")));
        devices.Add(new XElement("memballoon", new XAttribute("model", "none")));

        // No <features><acpi/>: libvirt then passes -no-acpi, which qboot needs to start in ~50 ms instead of ~120 ms.
        var domain = new XElement("domain",
            new XAttribute("type", DomainType(spec.Accelerator)),
            new XAttribute(XNamespace.Xmlns + "qemu", QemuNs),
            new XElement("name", spec.Name),
            Metadata(spec.Metadata),
            new XElement("memory", new XAttribute("unit", "MiB"), spec.MemoryMiB),
            new XElement("vcpu", spec.VCpus),
            os,
            Sysinfo(spec.FirmwareFiles),
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "destroy"),
            new XElement("on_crash", "destroy"),
            devices);
        if (commandLine.HasElements) domain.Add(commandLine);
        if (spec.MaskedQemuCapabilities.Count > 0)
            domain.Add(new XElement(QemuNs + "capabilities", spec.MaskedQemuCapabilities.Select(c => new XElement(QemuNs + "del", new XAttribute("capability", c)))));

        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, Encoding = new UTF8Encoding(false) };
        var sb = new StringBuilder();
        using (var writer = XmlWriter.Create(sb, settings)) domain.WriteTo(writer);
        return sb.ToString();
    }

    /// <summary>The &lt;name&gt; of a domain XML document, for error messages; never throws.</summary>
    internal static string NameOf(string xml)
    {
        try
        {
            return "'" + (XDocument.Parse(xml).Root?.Element("name")?.Value ?? "?") + "'";
        }
        catch (XmlException)
        {
            return "(unparsable XML)";
        }
    }

    // libvirt turns each entry into -fw_cfg name=NAME,file=PATH: the path, not the bytes, is on QEMU's command line.
    // XName checks the element and attribute names; XAttribute escapes the values.
    private static XElement? Metadata(DomainMetadata? metadata) => metadata is null ? null
        : new XElement("metadata", new XElement(XNamespace.Get(metadata.NamespaceUri) + metadata.Element,
            new XAttribute(XNamespace.Xmlns + metadata.Prefix, metadata.NamespaceUri),
            metadata.Attributes.Select(a => new XAttribute(a.Key, a.Value))));

    /// <summary>
    /// The attributes of the first element in <paramref name="namespaceUri"/> under the domain's
    /// &lt;metadata&gt; (see <see cref="DomainSpec.Metadata"/>), or null when it carries none.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? ReadMetadata(string domainXml, string namespaceUri)
    {
        ArgumentNullException.ThrowIfNull(domainXml);
        XElement? own = XDocument.Parse(domainXml).Root?.Element("metadata")?.Elements().FirstOrDefault(e => e.Name.NamespaceName == namespaceUri);
        return own?.Attributes().Where(a => !a.IsNamespaceDeclaration).ToDictionary(a => a.Name.LocalName, a => a.Value, StringComparer.Ordinal);
    }

    private static XElement? Sysinfo(IReadOnlyList<FirmwareFile> files) => files.Count == 0 ? null
        : new XElement("sysinfo", new XAttribute("type", "fwcfg"),
            files.Select(f => new XElement("entry", new XAttribute("name", f.Name), new XAttribute("file", f.Path))));

    private static XElement Serial(SerialConsole serial) => serial switch
    {
        SerialConsole.ToFile f => new XElement("serial", new XAttribute("type", "file"),
            new XElement("source", new XAttribute("path", f.Path)),
            new XElement("target", new XAttribute("port", 0))),
        SerialConsole.ToUnixSocket s => new XElement("serial", new XAttribute("type", "unix"),
            new XElement("source", new XAttribute("mode", "bind"), new XAttribute("path", s.Path)),
            new XElement("target", new XAttribute("port", 0))),
        SerialConsole.ToPty => new XElement("serial", new XAttribute("type", "pty"),
            new XElement("target", new XAttribute("port", 0))),
        _ => throw new DomainSpecException("unknown serial console kind " + serial.GetType().Name),
    };

    private static XElement Interface(NicSpec nic, bool microvm)
    {
        XElement element = nic switch
        {
            BridgeNic b => new XElement("interface", new XAttribute("type", "bridge"),
                new XElement("source", new XAttribute("bridge", b.Bridge)),
                b.TapName is null ? null : new XElement("target", new XAttribute("dev", b.TapName)),
                b.Filter is null ? null : new XElement("filterref", new XAttribute("filter", b.Filter))),
            TapNic t => new XElement("interface", new XAttribute("type", "ethernet"),
                new XElement("target", new XAttribute("dev", t.TapName), new XAttribute("managed", "no"))),
            _ => throw new DomainSpecException("unknown NIC kind " + nic.GetType().Name),
        };
        if (nic.MacAddress is not null) element.Add(new XElement("mac", new XAttribute("address", nic.MacAddress)));
        element.Add(new XElement("model", new XAttribute("type", "virtio")));
        // microvm has no PCI bus: without this libvirt fails with "No PCI buses available".
        if (microvm) element.Add(new XElement("address", new XAttribute("type", "virtio-mmio")));
        return element;
    }

    /// <summary>
    /// libvirt 9.0 accepts &lt;portForward&gt; on &lt;interface type='user'&gt; but silently ignores it
    /// (forwards need the passt backend, which the Debian 12 build rejects: libvirt issue #462).
    /// So user networking is passed straight to QEMU through the qemu:commandline namespace, as
    /// -netdev user with hostfwd rules plus the matching virtio device (virtio-net-device on
    /// microvm's virtio-mmio, virtio-net-pci elsewhere). libvirt marks such domains tainted
    /// "custom-argv"; that is expected. Every value here is typed and validated, and QEMU's option
    /// syntax has no escaping to get wrong because no value contains ',' or '='.
    /// </summary>
    private static void AddUserNic(XElement commandLine, UserNic nic, int index, bool microvm)
    {
        string id = "usernet" + index.ToString(CultureInfo.InvariantCulture);
        var netdev = new StringBuilder().Append(CultureInfo.InvariantCulture, $"user,id={id},restrict={(nic.AllowOutbound ? "off" : "on")}");
        foreach (var f in nic.Forwards)
        {
            string proto = f.Protocol == ForwardProtocol.Tcp ? "tcp" : "udp";
            netdev.Append(CultureInfo.InvariantCulture, $",hostfwd={proto}:{f.HostAddress}:{f.HostPort}-:{f.GuestPort}");
        }
        string device = (microvm ? "virtio-net-device" : "virtio-net-pci") + ",netdev=" + id
            + (nic.MacAddress is null ? "" : ",mac=" + nic.MacAddress);
        commandLine.Add(
            new XElement(QemuNs + "arg", new XAttribute("value", "-netdev")),
            new XElement(QemuNs + "arg", new XAttribute("value", netdev.ToString())),
            new XElement(QemuNs + "arg", new XAttribute("value", "-device")),
            new XElement(QemuNs + "arg", new XAttribute("value", device)));
    }

    private static void Validate(DomainSpec spec)
    {
        if (spec.Name is null || !DomainName().IsMatch(spec.Name))
            throw new DomainSpecException($"domain name '{spec.Name}' is not allowed: use 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit");
        RequireAbsolutePath("kernel image", spec.KernelPath);
        bool here = spec.CheckPathsHere;
        if (here && !File.Exists(spec.KernelPath))
            throw new DomainSpecException($"kernel image {spec.KernelPath} does not exist: build it first (./summoner build writes artifacts/images/NAME.elf)");
        if (spec.KernelCommandLine is not null && spec.KernelCommandLine.Any(char.IsControl))
            throw new DomainSpecException("kernel command line must not contain control characters");
        if (spec.MemoryMiB is < 2 or > 1024 * 1024)
            throw new DomainSpecException($"memory {spec.MemoryMiB} MiB is out of range (2 MiB to 1 TiB)");
        if (spec.VCpus is < 1 or > 255)
            throw new DomainSpecException($"vCPU count {spec.VCpus} is out of range (1-255)");
        RequireAbsolutePath("emulator", spec.EmulatorPath);
        if (here && !File.Exists(spec.EmulatorPath))
            throw new DomainSpecException($"QEMU is not installed at {spec.EmulatorPath}: run apt-get install qemu-system-x86");
        if (spec.Machine == MachineKind.PcQboot)
        {
            RequireAbsolutePath("qboot ROM", spec.QbootRomPath);
            if (here && !File.Exists(spec.QbootRomPath))
                throw new DomainSpecException($"qboot's ROM {spec.QbootRomPath} is missing: run apt-get install qemu-system-data, or use machine microvm");
        }
        switch (spec.Serial)
        {
            case SerialConsole.ToFile f:
                if (here) RequireWritableParent("serial log", f.Path);
                else RequireAbsolutePath("serial log", f.Path);
                break;
            case SerialConsole.ToUnixSocket s:
                if (here) RequireWritableParent("serial socket", s.Path);
                else RequireAbsolutePath("serial socket", s.Path);
                if (Encoding.UTF8.GetByteCount(s.Path) > 107) throw new DomainSpecException($"serial socket path {s.Path} is longer than a unix socket allows (107 bytes): use a shorter directory");
                break;
            case SerialConsole.ToPty: break;
            default: throw new DomainSpecException("a serial console is required: the host reads the guest's output from it");
        }
        foreach (string capability in spec.MaskedQemuCapabilities)
        {
            if (capability is null || !CapabilityName().IsMatch(capability))
                throw new DomainSpecException($"QEMU capability name '{capability}' is not valid: use lower-case letters, digits and '-', as libvirt spells them (e.g. cpu-unavailable-features)");
        }
        foreach (var f in spec.FirmwareFiles)
        {
            // QEMU: names under opt/ are for users; at most 55 bytes (fw_cfg's 56 with the NUL); ',' would split the option.
            if (f.Name is null || !f.Name.StartsWith("opt/", StringComparison.Ordinal) || f.Name.Length > 55 || !FirmwareName().IsMatch(f.Name))
                throw new DomainSpecException($"fw_cfg name '{f.Name}' is not allowed: use opt/ followed by letters, digits, '.', '_', '-' or '/', at most 55 characters");
            RequireAbsolutePath("fw_cfg file", f.Path);
            if (f.Path.Contains(',', StringComparison.Ordinal)) throw new DomainSpecException($"fw_cfg file path {f.Path} must not contain ','");
            if (here && !File.Exists(f.Path)) throw new DomainSpecException($"fw_cfg file {f.Path} does not exist");
        }
        var seenForwards = new HashSet<(ForwardProtocol, string, int)>();
        foreach (var nic in spec.Nics)
        {
            if (nic.MacAddress is not null && (!Mac().IsMatch(nic.MacAddress) || (Convert.ToByte(nic.MacAddress[..2], 16) & 1) != 0))
                throw new DomainSpecException($"MAC address '{nic.MacAddress}' is invalid: write six lower-case hex pairs of a unicast address, e.g. 52:54:00:12:34:56");
            switch (nic)
            {
                case UserNic u:
                    foreach (var f in u.Forwards)
                    {
                        f.Validate();
                        if (!seenForwards.Add((f.Protocol, f.HostAddress.ToString(), f.HostPort)))
                            throw new DomainSpecException($"host port {f.HostAddress}:{f.HostPort}/{f.Protocol} is forwarded twice");
                    }
                    break;
                case BridgeNic b:
                    RequireInterfaceName("bridge", b.Bridge);
                    if (b.TapName is not null) RequireInterfaceName("tap", b.TapName);
                    if (b.Filter is not null && !FilterName().IsMatch(b.Filter))
                        throw new DomainSpecException($"network filter name '{b.Filter}' is not valid: use letters, digits, '-', '_' and '.'");
                    break;
                case TapNic t:
                    RequireInterfaceName("tap", t.TapName);
                    break;
                default:
                    throw new DomainSpecException("unknown NIC kind " + nic.GetType().Name);
            }
        }
    }

    private static void RequireAbsolutePath(string what, string path)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path) || path.Any(char.IsControl)
            || path.Split('/').Any(part => part is ".." or "."))
            throw new DomainSpecException($"{what} path '{path}' must be an absolute, normalised path without control characters");
    }

    private static void RequireWritableParent(string what, string path)
    {
        RequireAbsolutePath(what, path);
        string? dir = Path.GetDirectoryName(path);
        if (dir is null || !Directory.Exists(dir))
            throw new DomainSpecException($"{what} directory {dir} does not exist: create it first");
    }

    private static void RequireInterfaceName(string what, string name)
    {
        if (name is null || !InterfaceName().IsMatch(name))
            throw new DomainSpecException($"{what} name '{name}' is not a valid Linux interface name: 1-15 letters, digits, '_', '-' or '.'");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex DomainName();

    [GeneratedRegex("^opt/[A-Za-z0-9._/-]+$")]
    private static partial Regex FirmwareName();

    [GeneratedRegex("^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")]
    private static partial Regex Mac();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex FilterName();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,63}$")]
    private static partial Regex CapabilityName();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$")]
    private static partial Regex InterfaceName();
}
