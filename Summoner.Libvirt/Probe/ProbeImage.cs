namespace Summoner.Libvirt;

/// <summary>
/// Tiny PVH guests assembled from Probe/probe.asm at build time: they enable SSE at ring 0, add two
/// floats, and print <see cref="SuccessLine"/> on COM1. The halting one then sleeps forever with
/// interrupts off (0 % CPU); the ticking one prints '.' about every millisecond, so that a resumed
/// guest's next serial byte shows it runs again; the CPUID one prints <see cref="CpuidPrefix"/>
/// lines (leaf.subleaf eax ebx ecx edx, hex) for the CPU the guest sees, then halts.
/// </summary>
public static class ProbeImage
{
    public const string SuccessLine = "summoner-probe sse-ok";

    public static void WriteHalting(string path) => Write("Summoner.Libvirt.probe.elf", path);

    public static void WriteTicking(string path) => Write("Summoner.Libvirt.tick.elf", path);

    public const string CpuidPrefix = "summoner-probe cpuid ";

    public static void WriteCpuid(string path) => Write("Summoner.Libvirt.cpuid.elf", path);

    private static void Write(string resource, string path)
    {
        using var source = typeof(ProbeImage).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded probe image {resource} is missing: rebuild Summoner.Libvirt (it needs nasm)");
        using var target = File.Create(path);
        source.CopyTo(target);
    }
}
