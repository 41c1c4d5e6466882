using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace EhTest
{
    // Exceptions the runtime raises: null dereferences and divisions by zero (CPU faults in the
    // guest), bounds, casts, checked arithmetic; and exceptions thrown inside the core library.
    public static partial class Checks
    {
        private sealed class Holder
        {
            public int Value = 5;
            public int[]? Items { get; set; }

            public override string ToString() => "holder";
        }

        private static void RuntimeRaised(Report r)
        {
            Holder? none = null;
            r.Line("null-field", Catch(() => ReadField(none)));
            r.Line("null-virtual-call", Catch(() => CallVirtual(none).Length));
            r.Line("null-array", Catch(() => ArrayLength(new Holder())));
            r.Line("null-interface-call", Catch(() => Dispose(NoDisposable())));
            r.Line("interface-calls", Catch(() => SumPorts(AllPorts())));
            r.Line("null-interface-dispatch", Catch(() => SumPorts(new IPort?[] { new Port1(), null })));
            r.Line("null-message", CatchMessage(() => ReadField(none)));
            r.Line("index-array", Catch(() => ReadAt(new int[3], 10)));
            r.Line("index-negative", Catch(() => ReadAt(new int[3], -1)));
            r.Line("index-span", Catch(() => SpanAt(4)));
            r.Line("index-string", Catch(() => "abc"[Seven()]));
            r.Line("cast-class", Catch(() => ((string)Boxed(5)).Length));
            r.Line("cast-unbox", Catch(() => (int)Boxed("five")));
            r.Line("divide-int", Catch(() => Divide(10, Zero())));
            r.Line("divide-long", Catch(() => (int)DivideLong(10, Zero())));
            r.Line("remainder-int", Catch(() => Remainder(10, Zero())));
            r.Line("divide-min-by-minus-one", Catch(() => Divide(int.MinValue, MinusOne())));
            r.Line("divide-long-min-by-minus-one", Catch(() => (int)DivideLong(long.MinValue, MinusOne())));
            r.Line("divide-min-by-zero", Catch(() => Divide(int.MinValue, Zero())));
            r.Line("divide-by-minus-one", Catch(() => Divide(int.MaxValue, MinusOne())));
            r.Line("checked-add", Catch(() => CheckedAdd(int.MaxValue, Seven())));
            r.Line("checked-multiply", Catch(() => (int)CheckedMultiply(long.MaxValue / 2, Seven())));
            r.Line("checked-narrow", Catch(() => CheckedNarrow(300 + Seven())));
            r.Line("checked-ok", Catch(() => CheckedAdd(1, Seven())));
            r.Line("checked-double", Catch(() => CheckedFromDouble(3e10 + Seven())));
            r.Line("checked-double-ok", Catch(() => CheckedFromDouble(-2147483648.5)));
            r.Line("array-covariance", Catch(() => StoreCovariant(new string[1])));

            // A fault caught by a filter and by catch (Exception), then normal work goes on.
            string filtered;
            try { ReadField(none); filtered = "no exception"; }
            catch (Exception e) when (e is NullReferenceException) { filtered = "filter saw " + Name(e); }
            r.Line("fault-filter", filtered);

            int afterwards = 0;
            for (int i = 0; i < 20; i++)
            {
                try { afterwards += Divide(i, i % 2); }
                catch (DivideByZeroException) { afterwards += 100; }
            }
            r.Line("fault-in-loop", afterwards);

            // Not caught here: a fault two frames down with no try of its own.
            try { Outer(none); }
            catch (NullReferenceException e) { filtered = "caught " + Name(e); }
            r.Line("fault-cross-method", filtered);
        }

        private static void CoreLibraryRaised(Report r)
        {
            var ports = new Dictionary<string, int> { ["http"] = 80 };
            r.Line("key-not-found", CatchMessage(() => ports["gopher"]));
            r.Line("parse", CatchMessage(() => int.Parse("12x")));
            r.Line("substring", CatchMessage(() => "abc".Substring(2, 5).Length));
            r.Line("queue-empty", CatchMessage(() => new Queue<int>().Dequeue()));
            r.Line("list-index", Catch(() => new List<int> { 1 }[3]));
            r.Line("argument-null", Catch(() => ports[null!]));
            r.Line("parsed-after", int.Parse("1234") + ports["http"]);
        }

        // "TypeName" of what the function throws, or "ok <result>".
        private static string Catch(Func<int> f)
        {
            try
            {
                return "ok " + f();
            }
            catch (Exception e)
            {
                return Name(e);
            }
        }

        private static string CatchMessage(Func<int> f)
        {
            try
            {
                return "ok " + f();
            }
            catch (Exception e)
            {
                return Name(e) + ": " + e.Message;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)] private static int ReadField(Holder? h) => h!.Value;
        [MethodImpl(MethodImplOptions.NoInlining)] private static string CallVirtual(object? o) => o!.ToString()!;
        [MethodImpl(MethodImplOptions.NoInlining)] private static int ArrayLength(Holder h) => h.Items!.Length;
        [MethodImpl(MethodImplOptions.NoInlining)] private static int ReadAt(int[] a, int i) => a[i];
        [MethodImpl(MethodImplOptions.NoInlining)] private static int Seven() => 7;
        [MethodImpl(MethodImplOptions.NoInlining)] private static IDisposable? NoDisposable() => null;

        // Enough implementations that the compiler keeps real interface dispatch (a dispatch cell
        // resolved by the runtime), so a null receiver faults inside the runtime's resolver.
        private interface IPort { int Number(); }
        private sealed class Port1 : IPort { public int Number() => 1; }
        private sealed class Port2 : IPort { public int Number() => 2; }
        private sealed class Port3 : IPort { public int Number() => 3; }
        private sealed class Port4 : IPort { public int Number() => 4; }
        private sealed class Port5 : IPort { public int Number() => 5; }
        private sealed class Port6 : IPort { public int Number() => 6; }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static IPort?[] AllPorts() => [new Port1(), new Port2(), new Port3(), new Port4(), new Port5(), new Port6()];

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int SumPorts(IPort?[] ports)
        {
            int sum = 0;
            foreach (IPort? p in ports) sum += p!.Number();
            return sum;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int Dispose(IDisposable? d)
        {
            d!.Dispose();
            return 1;
        }
        [MethodImpl(MethodImplOptions.NoInlining)] private static int Zero() => 0;
        [MethodImpl(MethodImplOptions.NoInlining)] private static int MinusOne() => -1;
        [MethodImpl(MethodImplOptions.NoInlining)] private static object Boxed(object o) => o;
        [MethodImpl(MethodImplOptions.NoInlining)] private static int Divide(int a, int b) => a / b;
        [MethodImpl(MethodImplOptions.NoInlining)] private static long DivideLong(long a, long b) => a / b;
        [MethodImpl(MethodImplOptions.NoInlining)] private static int Remainder(int a, int b) => a % b;
        [MethodImpl(MethodImplOptions.NoInlining)] private static int CheckedAdd(int a, int b) => checked(a + b);
        [MethodImpl(MethodImplOptions.NoInlining)] private static long CheckedMultiply(long a, long b) => checked(a * b);
        [MethodImpl(MethodImplOptions.NoInlining)] private static int CheckedFromDouble(double d) => checked((int)d);
        [MethodImpl(MethodImplOptions.NoInlining)] private static int CheckedNarrow(int a) => checked((byte)a);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int SpanAt(int i)
        {
            Span<int> s = stackalloc int[3];
            return s[i];
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int StoreCovariant(object[] array)
        {
            array[0] = 1;
            return array.Length;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int Outer(Holder? h) => Middle(h) + 1;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int Middle(Holder? h) => ReadField(h) * 2;
    }
}
