using System.Runtime;

namespace Kernel.Runtime
{
    internal static unsafe class Entry
    {
        private const long MaxDefaultHeap = 256L << 20;
        private const int Stages = 8;

        private struct StageTimes
        {
            public fixed ulong Tsc[Stages];
        }

        private static StageTimes s_stages;

        [RuntimeExport("kmain")]
        private static void KMain(ulong bootInfo, uint magic)
        {
            s_stages.Tsc[0] = Native.Rdtsc();
            BootInfo.Initialize(bootInfo);
            CommandLine.Initialize(BootInfo.CommandLine);
            PhysicalMemory.Initialize((ulong)Native.ImageEnd());
            s_stages.Tsc[1] = Native.Rdtsc();
            Paging.Unmap(0);
            Paging.Unmap(Native.StackGuard());
            s_stages.Tsc[2] = Native.Rdtsc();
            GarbageCollector.Initialize(CommandLine.GetSize("heap", DefaultHeapSize()));
            GarbageCollector.s_traceRoots = CommandLine.Get("gc.trace") is not null;
            s_stages.Tsc[3] = Native.Rdtsc();
            Startup.InitializeModules();
            s_stages.Tsc[4] = Native.Rdtsc();
            Interrupts.Initialize();
            s_stages.Tsc[5] = Native.Rdtsc();
            Clock.Calibrate();
            Interrupts.Enable();
            s_stages.Tsc[6] = Native.Rdtsc();
            if (CommandLine.Get("boot.trace") is not null) TraceStages();
            Native.AppMain();
            Native.Exit(ExitCodes.Success);
        }

        // Three quarters of the largest free run, leaving the rest for device memory
        // (PhysicalMemory.AllocatePages), capped so a collection's sweep stays short.
        private static long DefaultHeapSize()
        {
            long size = (long)(PhysicalMemory.LargestFreeRange() / 4 * 3);
            return size > MaxDefaultHeap ? MaxDefaultHeap : size;
        }

        // boot.trace on the command line: where the time between kernel entry and app_main went.
        private static void TraceStages()
        {
            SerialConsole.Write("boot.trace: command line: ");
            SerialConsole.WriteLine(CommandLine.Raw);
            Stage("entry to kmain", Native.EntryTsc(), s_stages.Tsc[0]);
            Stage("start_info, command line, memory map", s_stages.Tsc[0], s_stages.Tsc[1]);
            Stage("null and guard pages", s_stages.Tsc[1], s_stages.Tsc[2]);
            Stage("heap", s_stages.Tsc[2], s_stages.Tsc[3]);
            Stage("statics and class constructors", s_stages.Tsc[3], s_stages.Tsc[4]);
            Stage("interrupt controllers", s_stages.Tsc[4], s_stages.Tsc[5]);
            Stage("clock calibration", s_stages.Tsc[5], s_stages.Tsc[6]);
        }

        private static void Stage(string name, ulong from, ulong to)
        {
            SerialConsole.Write("boot.trace: ");
            SerialConsole.Write(name);
            SerialConsole.Write(": ");
            SerialConsole.WriteDecimal((to - from) * 1_000_000 / (ulong)Clock.TscHz);
            SerialConsole.WriteLine(" us");
        }
    }
}
