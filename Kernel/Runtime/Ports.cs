namespace Kernel.Runtime
{
    /// <summary>x86 port I/O for drivers of legacy devices (PIT, serial, isa-debug-exit).</summary>
    public static class Ports
    {
        public static byte In8(ushort port) => Native.InB(port);

        public static void Out8(ushort port, byte value) => Native.OutB(port, value);

        public static uint In32(ushort port) => Native.InL(port);

        public static void Out32(ushort port, uint value) => Native.OutL(port, value);
    }
}
