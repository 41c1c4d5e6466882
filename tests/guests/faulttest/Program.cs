using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernel.Runtime;

namespace FaultTest
{
    // Commits one failure, chosen by fault= on the command line, so the host can check the
    // panic text and exit status of each class: null, divide, overflow, throw, oom, pagefault,
    // invalid-opcode, irq-alloc (breaking the interrupt handler contract). Prints
    // "fault: <name>" first; reaching the end is itself a failure.
    public static unsafe class Program
    {
        private sealed class Box
        {
            public int Value;
            public Box? Next;
        }

        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            string fault = CommandLine.Get("fault") ?? "";
            SerialConsole.WriteLine("fault: " + fault);
            if (fault == "null") SerialConsole.WriteDecimal((ulong)NullDereference(null));
            else if (fault == "divide") SerialConsole.WriteDecimal((ulong)Divide(7, Zero()));
            else if (fault == "overflow") SerialConsole.WriteDecimal((ulong)Recurse(1));
            else if (fault == "throw") Throw("the configured port is not a number");
            else if (fault == "oom") ExhaustHeap();
            else if (fault == "pagefault") SerialConsole.WriteDecimal(*(ulong*)0x7fff_0000_0000);
            else if (fault == "invalid-opcode") InvalidOpcode();
            else if (fault == "irq-alloc") AllocateInInterruptHandler();
            else SerialConsole.WriteLine("unknown fault: use fault=null, divide, overflow, throw, oom, pagefault, invalid-opcode or irq-alloc");
            SerialConsole.WriteLine("fault: survived (this is a failure)");
            Power.Exit(ExitCodes.Failure);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int NullDereference(Box? box) => box!.Value + 1;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int Zero() => 0;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int Divide(int a, int b) => a / b;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static long Recurse(long depth)
        {
            // A frame with some locals, so each level uses real stack.
            Span<long> scratch = stackalloc long[8];
            scratch[(int)(depth & 7)] = depth;
            return Recurse(depth + 1) + scratch[(int)(depth & 7)];
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Throw(string message) => throw new InvalidOperationException(message);

        private static Box? s_keep;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ExhaustHeap()
        {
            while (true)
            {
                var b = new Box { Next = s_keep };
                s_keep = b;
                var chunk = new Box[1024];
                chunk[0] = s_keep;
                s_keep = new Box { Next = b, Value = chunk.Length };
                s_keep.Next!.Next = new Box { Next = s_keep };
                KeepArray(chunk);
            }
        }

        private static object?[] s_arrays = new object?[1];

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void KeepArray(Box[] chunk)
        {
            var list = new object?[2];
            list[0] = chunk;
            list[1] = s_arrays;
            s_arrays = list;
        }

        // The PIT's one-shot interrupt (GSI 2) runs a handler that allocates, which the contract
        // forbids: the kernel must say so instead of corrupting the heap.
        private static void AllocateInInterruptHandler()
        {
            Interrupts.RegisterIrq(2, () => s_keep = new Box());
            Ports.Out8(0x43, 0x30);
            Ports.Out8(0x40, 0x10);
            Ports.Out8(0x40, 0);
            bool done = false;
            Timers.Schedule(200_000_000, () => done = true);
            EventLoop.RunUntil(() => done);
        }

        private static void InvalidOpcode()
        {
            // ud2, reached through a function pointer to bytes in a page we own.
            byte* code = (byte*)PhysicalMemory.AllocatePages(1);
            code[0] = 0x0f;
            code[1] = 0x0b;
            ((delegate* unmanaged<void>)code)();
        }
    }
}
