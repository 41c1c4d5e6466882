using System.Runtime.InteropServices;
using Kernel.Runtime;

namespace KernelTest
{
    // In-guest checks of the kernel runtime. The suite comes from the command line
    // (suite=features|gc|idle|bench|virtio-irq|irq-stress|rtc); each check prints "[ok] name" or "[FAIL] name: detail", and
    // the last line is "summary: N passed, M failed". Exit status: 0 if every check passed.
    public static class Program
    {
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            string suite = CommandLine.Get("suite") ?? "features";
            if (suite == "features") FeatureChecks.Run();
            else if (suite == "gc") GcStress.Run();
            else if (suite == "idle") Idle.Run();
            else if (suite == "bench") Bench.Run();
            else if (suite == "virtio-irq") VirtioIrq.Run();
            else if (suite == "irq-stress") VirtioIrq.Stress();
            else if (suite == "rtc") RtcChecks.Run();
            else
            {
                SerialConsole.WriteLine("unknown suite: use suite=features, gc, idle, bench, virtio-irq, irq-stress or rtc");
                Power.Exit(ExitCodes.Failure);
            }
            Report.Finish();
        }
    }

    internal static class Report
    {
        private static int s_passed;
        private static int s_failed;

        internal static void Check(string name, bool ok, string detail = "")
        {
            if (ok)
            {
                s_passed++;
                SerialConsole.WriteLine("[ok] " + name);
            }
            else
            {
                s_failed++;
                SerialConsole.WriteLine("[FAIL] " + name + ": " + detail);
            }
        }

        internal static void Figure(string name, long value, string unit)
        {
            SerialConsole.Write("figure ");
            SerialConsole.Write(name);
            SerialConsole.Write(" = ");
            WriteSigned(value);
            SerialConsole.Write(" ");
            SerialConsole.WriteLine(unit);
        }

        internal static void WriteSigned(long value)
        {
            if (value < 0)
            {
                SerialConsole.Write("-");
                value = -value;
            }
            SerialConsole.WriteDecimal((ulong)value);
        }

        internal static string Number(long value)
        {
            if (value == 0) return "0";
            bool negative = value < 0;
            ulong v = negative ? (ulong)(-value) : (ulong)value;
            string s = "";
            while (v != 0)
            {
                s = Digit((int)(v % 10)) + s;
                v /= 10;
            }
            return negative ? "-" + s : s;
        }

        private static string Digit(int d) => d switch
        {
            0 => "0", 1 => "1", 2 => "2", 3 => "3", 4 => "4", 5 => "5", 6 => "6", 7 => "7", 8 => "8", _ => "9",
        };

        internal static void Finish()
        {
            SerialConsole.Write("summary: ");
            SerialConsole.WriteDecimal((ulong)s_passed);
            SerialConsole.Write(" passed, ");
            SerialConsole.WriteDecimal((ulong)s_failed);
            SerialConsole.WriteLine(" failed");
            Power.Exit(s_failed == 0 ? ExitCodes.Success : ExitCodes.Failure);
        }
    }
}
