namespace Summoner.Testing;

/// <summary>
/// Which QEMU accelerator can run our guests here. /dev/kvm backed by kvm_pvm emulates ring 0
/// without SSE and kills a C# kernel (docs/platform.md), so only hardware KVM counts.
/// </summary>
public static class Accelerator
{
    public static bool HardwareKvm =>
        File.Exists("/dev/kvm")
        && (Directory.Exists("/sys/module/kvm_intel") || Directory.Exists("/sys/module/kvm_amd"))
        && !Directory.Exists("/sys/module/kvm_pvm");

    public static string QemuAccel => HardwareKvm ? "kvm" : "tcg";
}
