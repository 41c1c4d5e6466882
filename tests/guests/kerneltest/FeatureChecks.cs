using System;
using System.Runtime.CompilerServices;
using Kernel.Runtime;

namespace KernelTest
{
    // One check per runtime feature. The host boots this with
    // "suite=features kt.key=value kt.flag kt.size=3M heap=32M".
    internal static unsafe class FeatureChecks
    {
        private const long LapicVersionAddress = 0xFEE0_0030;
        private static nint LapicVersionRegister => unchecked((nint)LapicVersionAddress);
        private static Node? s_staticRoot;
        private static readonly object?[] s_preinitialized = new object?[2];
        private static int s_irqCount;
        private static int s_timerOrder;

        internal static void Run()
        {
            CommandLineSettings();
            DispatchChecks.Run();
            LargeStackFrame();
            ClockIsMonotonicAndCalibrated();
            TimersFireInOrderAndCancel();
            WaitForInterruptSleepsUntilTheTimer();
            DeviceInterruptReachesItsHandler();
            PhysicalPagesAreAlignedZeroedAndDistinct();
            CollectorFreesGarbage();
            CollectorKeepsEveryKindOfRoot();
            CollectorTracesStructArrays();
            CollectorHandlesLargeObjects();
        }

        private static void CommandLineSettings()
        {
            Report.Check("commandline.raw", CommandLine.Raw.Length > 0 && CommandLine.Get("suite") == "features", "raw=" + CommandLine.Raw);
            Report.Check("commandline.value", CommandLine.Get("kt.key") == "value", "kt.key=" + (CommandLine.Get("kt.key") ?? "null"));
            Report.Check("commandline.flag", CommandLine.Get("kt.flag") == "", "kt.flag should be present with an empty value");
            Report.Check("commandline.absent", CommandLine.Get("kt.absent") is null && CommandLine.Get("kt") is null, "absent keys must give null");
            Report.Check("commandline.size", CommandLine.GetSize("kt.size", 0) == 3 * 1024 * 1024 && CommandLine.GetSize("kt.absent", 7) == 7, "kt.size=3M");
        }

        private struct Big
        {
            public fixed long Words[5000]; // 40 KB: the prolog calls RhpStackProbe
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static long UseBigFrame(int seed)
        {
            Big big;
            for (int i = 0; i < 5000; i++) big.Words[i] = seed + i;
            long sum = 0;
            for (int i = 0; i < 5000; i += 499) sum += big.Words[i];
            return sum;
        }

        private static void LargeStackFrame()
        {
            long expected = 0;
            for (int i = 0; i < 5000; i += 499) expected += 3 + i;
            Report.Check("stack.large-frame", UseBigFrame(3) == expected, "a 40 KB frame computed the wrong sum");
        }

        private static void ClockIsMonotonicAndCalibrated()
        {
            long a = Clock.Nanoseconds;
            long b = Clock.Nanoseconds;
            Report.Check("clock.monotonic", a > 0 && b >= a, "a=" + Report.Number(a) + " b=" + Report.Number(b));
            long hz = Clock.TscHz;
            Report.Check("clock.calibrated", hz > 100_000_000 && hz < 20_000_000_000, "tsc hz=" + Report.Number(hz));
            Report.Check("clock.since-entry", a < 5_000_000_000, "program entry " + Report.Number(a) + " ns after kernel entry");
            Report.Figure("entry_to_program", a / 1000, "us");
        }

        private static void TimersFireInOrderAndCancel()
        {
            int first = 0, second = 0, cancelled = 0;
            long start = Clock.Nanoseconds;
            long firstAt = 0;
            Timers.Schedule(30_000_000, () => { second = ++s_timerOrder; });
            Timers.Schedule(10_000_000, () => { first = ++s_timerOrder; firstAt = Clock.Nanoseconds; });
            int id = Timers.Schedule(20_000_000, () => { cancelled++; });
            bool cancelOk = Timers.Cancel(id);
            bool cancelAgain = Timers.Cancel(id);
            EventLoop.RunUntil(() => second != 0);
            long waited = Clock.Nanoseconds - start;
            Report.Check("timers.order", first == 1 && second == 2, "first=" + Report.Number(first) + " second=" + Report.Number(second));
            Report.Check("timers.cancel", cancelOk && !cancelAgain && cancelled == 0, "cancelled timer ran or Cancel returned the wrong value");
            Report.Check("timers.not-early", firstAt - start >= 10_000_000 && waited >= 30_000_000, "fired after " + Report.Number((firstAt - start) / 1000) + " us");
            Report.Check("timers.pending", Timers.Pending == 0, "pending=" + Report.Number(Timers.Pending));

            // A callback that reschedules itself with no delay runs once per RunOnce, not forever.
            int spins = 0;
            Action? again = null;
            again = () => { spins++; if (spins < 1000) Timers.Schedule(0, again!); };
            Timers.Schedule(0, again);
            int firstPass = EventLoop.RunOnce();
            int secondPass = EventLoop.RunOnce();
            Report.Check("timers.self-rescheduling", firstPass == 1 && secondPass == 1 && spins == 2, "ran " + Report.Number(firstPass) + (" then " + Report.Number(secondPass)));
            while (Timers.Pending > 0) EventLoop.RunOnce();
        }

        private static void WaitForInterruptSleepsUntilTheTimer()
        {
            bool fired = false;
            long before = Interrupts.Count;
            long start = Clock.Nanoseconds;
            Timers.Schedule(50_000_000, () => fired = true);
            int waits = 0;
            while (!fired)
            {
                EventLoop.RunOnce();
                if (fired) break;
                EventLoop.WaitForInterrupt();
                waits++;
            }
            long elapsed = Clock.Nanoseconds - start;
            // A halted CPU wakes once per timer interrupt: a handful of waits, not a spin.
            Report.Check("eventloop.halts", waits >= 1 && waits <= 10, "waits=" + Report.Number(waits));
            Report.Check("eventloop.timer-interrupt", Interrupts.Count > before && elapsed >= 50_000_000, "interrupts=" + Report.Number(Interrupts.Count - before) + (" elapsed us=" + Report.Number(elapsed / 1000)));
        }

        // The PIT's IRQ 0 arrives on IOAPIC input 2. Program channel 0 as a one-shot (mode 0)
        // 5 ms countdown: exactly one interrupt, delivered to the registered handler.
        private static void DeviceInterruptReachesItsHandler()
        {
            Interrupts.RegisterIrq(2, () => s_irqCount++);
            Ports.Out8(0x43, 0x30); // channel 0, lo/hi, mode 0
            Ports.Out8(0x40, 5966 & 0xff);
            Ports.Out8(0x40, 5966 >> 8);
            bool done = false;
            Timers.Schedule(100_000_000, () => done = true);
            EventLoop.RunUntil(() => done);
            Report.Check("interrupts.irq", s_irqCount == 1, "handler ran " + Report.Number(s_irqCount) + " times (expected once)");
        }

        private static void PhysicalPagesAreAlignedZeroedAndDistinct()
        {
            long freeBefore = PhysicalMemory.FreeBytes;
            nint a = PhysicalMemory.AllocatePages(3);
            nint b = PhysicalMemory.AllocatePages(1);
            bool zeroed = true;
            for (int i = 0; i < 3 * 4096; i++) if (((byte*)a)[i] != 0) zeroed = false;
            ((byte*)a)[3 * 4096 - 1] = 0xab;
            bool distinct = b >= a + 3 * 4096 || b + 4096 <= a;
            Report.Check("pages.aligned", (a & 4095) == 0 && (b & 4095) == 0, "a=" + Report.Number(a));
            Report.Check("pages.zeroed", zeroed, "fresh pages must read as zero");
            Report.Check("pages.distinct", distinct && ((byte*)b)[0] == 0, "allocations overlap");
            Mmio.Write32(b + 8, 0xdeadbeef);
            Mmio.Write16(b + 12, 0x1234);
            Mmio.Barrier();
            Report.Check("mmio.access", Mmio.Read32(b + 8) == 0xdeadbeef && Mmio.Read16(b + 12) == 0x1234 && Mmio.Read8(b + 8) == 0xef
                && Mmio.Read32(LapicVersionRegister) != 0, "register access through Mmio (the LAPIC version register reads non-zero)");
            Report.Check("pages.accounting", freeBefore - PhysicalMemory.FreeBytes == 4 * 4096, "free bytes dropped by " + Report.Number(freeBefore - PhysicalMemory.FreeBytes));
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void MakeGarbage(int count)
        {
            // Each array escapes through s_sink, so the JIT cannot put it on the stack.
            for (int i = 0; i < count; i++) s_sink = new byte[100];
            s_sink = null;
        }

        private static object? s_sink;

        private static void CollectorFreesGarbage()
        {
            Heap.Collect();
            HeapStatistics before = Heap.Statistics;
            MakeGarbage(20_000); // ~2.5 MB
            HeapStatistics filled = Heap.Statistics;
            Heap.Collect();
            HeapStatistics after = Heap.Statistics;
            long garbage = filled.LiveBytes - before.LiveBytes;
            long freed = filled.LiveBytes - after.LiveBytes;
            Report.Check("gc.frees-garbage", garbage >= 2_000_000 && freed >= garbage * 9 / 10, "garbage=" + Report.Number(garbage) + " freed=" + Report.Number(freed));
            Report.Check("gc.statistics", after.Collections == before.Collections + 1 && after.LastPauseNanoseconds > 0 && after.SizeBytes == 32 * 1024 * 1024, "collections=" + Report.Number(after.Collections) + " size=" + Report.Number(after.SizeBytes));
        }

        private sealed class Node
        {
            public Node? Next;
            public int Value;
            public byte[]? Payload;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static Node Chain(int length, int seed)
        {
            Node? head = null;
            for (int i = length - 1; i >= 0; i--)
            {
                var n = new Node { Next = head, Value = seed + i, Payload = new byte[24] };
                n.Payload[5] = (byte)(seed + i);
                head = n;
            }
            return head!;
        }

        private static bool ChainIntact(Node? n, int length, int seed)
        {
            for (int i = 0; i < length; i++, n = n.Next)
                if (n is null || n.Value != seed + i || n.Payload is null || n.Payload[5] != (byte)(seed + i)) return false;
            return n is null;
        }

        private sealed class Holder
        {
            public Node? Root;
            public Action? Callback;
        }

        private static void CollectorKeepsEveryKindOfRoot()
        {
            s_staticRoot = Chain(500, 1000);
            Node onStack = Chain(500, 2000);
            s_preinitialized[0] = Chain(500, 3000);
            var holder = new Holder { Root = Chain(500, 4000) };
            Node captured = Chain(500, 5000);
            holder.Callback = () => captured.Value += 0;
            nint pinnedAddress;
            byte[] pinned = new byte[256];
            fixed (byte* p = pinned)
            {
                pinnedAddress = (nint)p;
                for (int round = 0; round < 3; round++)
                {
                    MakeGarbage(50_000);
                    Heap.Collect();
                }
                p[7] = 42;
            }
            Report.Check("gc.root.static", ChainIntact(s_staticRoot, 500, 1000), "chain held by a static field was damaged");
            Report.Check("gc.root.stack", ChainIntact(onStack, 500, 2000), "chain held by a local was damaged");
            Report.Check("gc.root.preinitialized-array", ChainIntact((Node?)s_preinitialized[0], 500, 3000), "chain held by a preinitialized static array was damaged");
            Report.Check("gc.root.object-field", ChainIntact(holder.Root, 500, 4000), "chain held by an object field was damaged");
            Report.Check("gc.root.closure", ChainIntact(captured, 500, 5000) && holder.Callback is not null, "chain captured by a lambda was damaged");
            fixed (byte* p = pinned)
                Report.Check("gc.pinned-not-moved", (nint)p == pinnedAddress && pinned[7] == 42, "a fixed buffer moved or lost its contents");
            GC_KeepAlive(onStack);
            GC_KeepAlive(holder);
        }

        private struct Pair
        {
            public object? Ref;
            public long Number;
            public string? Text;
        }

        private static void CollectorTracesStructArrays()
        {
            var pairs = new Pair[300];
            for (int i = 0; i < pairs.Length; i++)
                pairs[i] = new Pair { Ref = Chain(3, i * 10), Number = i, Text = "t" + Report.Number(i) };
            for (int round = 0; round < 3; round++)
            {
                MakeGarbage(50_000);
                Heap.Collect();
            }
            bool ok = true;
            for (int i = 0; i < pairs.Length; i++)
                if (!ChainIntact((Node?)pairs[i].Ref, 3, i * 10) || pairs[i].Number != i || pairs[i].Text != "t" + Report.Number(i)) ok = false;
            Report.Check("gc.struct-array", ok, "references inside an array of structs were not traced");
        }

        // 8 rounds of 4.8 MB through a 32 MiB heap only fit if dead large objects are reclaimed
        // (a conservative collector may keep one round alive by accident, never all of them).
        private static void CollectorHandlesLargeObjects()
        {
            bool ok = true;
            HeapStatistics before = Heap.Statistics;
            for (int round = 0; round < 8; round++) ok &= LargeObjectsSurvive();
            Heap.Collect();
            HeapStatistics after = Heap.Statistics;
            long allocated = after.AllocatedBytes - before.AllocatedBytes;
            long retained = after.LiveBytes - before.LiveBytes;
            Report.Check("gc.large-objects", ok, "a large array or what it references was damaged");
            Report.Check("gc.large-reclaimed", allocated > after.SizeBytes && retained < 10_000_000,
                "allocated " + Report.Number(allocated) + (" retained " + Report.Number(retained)));
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static bool LargeObjectsSurvive()
        {
            var big = new int[1_000_000]; // 4 MB
            for (int i = 0; i < big.Length; i += 1000) big[i] = i;
            var refs = new object?[100_000];
            for (int i = 0; i < refs.Length; i += 100) refs[i] = Chain(1, i);
            MakeGarbage(30_000);
            Heap.Collect();
            bool ok = true;
            for (int i = 0; i < big.Length; i += 1000) if (big[i] != i) ok = false;
            for (int i = 0; i < refs.Length; i += 100) if (!ChainIntact((Node?)refs[i], 1, i)) ok = false;
            return ok;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void GC_KeepAlive(object? o) { }
    }
}
