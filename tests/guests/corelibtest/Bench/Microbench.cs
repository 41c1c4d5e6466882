using System;
using System.Collections.Generic;
using System.Text;

namespace CoreLibTest
{
    // Core library throughput figures (not checks): each case reports nanoseconds per operation
    // measured with the clock the caller passes in, so the same code runs on .NET and in the guest.
    public static class Microbench
    {
        private static int s_sink;

        private static Func<long> s_allocatedBytes = () => 0;

        public static void Run(Func<long> nowNanoseconds, Func<long> allocatedBytes, Action<string> writeLine)
        {
            s_allocatedBytes = allocatedBytes;
            Measure("dict-int-lookup", 200_000, nowNanoseconds, writeLine, DictIntLookups);
            Measure("dict-string-lookup", 100_000, nowNanoseconds, writeLine, DictStringLookups);
            Measure("list-add", 500_000, nowNanoseconds, writeLine, ListAdds);
            Measure("int-tostring", 100_000, nowNanoseconds, writeLine, IntToString);
            Measure("interpolation", 50_000, nowNanoseconds, writeLine, Interpolation);
            Measure("builder-append", 200_000, nowNanoseconds, writeLine, BuilderAppends);
            Measure("utf8-encode-byte", 1_000_000, nowNanoseconds, writeLine, Utf8Encode);
            Measure("sort-int", 100_000, nowNanoseconds, writeLine, SortInts);
            Measure("virtual-call", 1_000_000, nowNanoseconds, writeLine, VirtualCalls);
            Measure("interface-call", 200_000, nowNanoseconds, writeLine, InterfaceCalls);
            Measure("foreach-ienumerable", 200_000, nowNanoseconds, writeLine, EnumerateInterface);
            writeLine("bench.sink = " + s_sink);
            AsyncBench.Run(nowNanoseconds, allocatedBytes, writeLine);
        }

        private static void Measure(string name, int operations, Func<long> now, Action<string> writeLine, Action<int> body)
        {
            body(operations / 10);   // warm-up: first-touch costs and lazy class constructors
            long allocatedBefore = s_allocatedBytes();
            long start = now();
            body(operations);
            long elapsed = now() - start;
            long allocated = s_allocatedBytes() - allocatedBefore;
            writeLine("figure " + name + " = " + (elapsed / operations) + " ns/op, " + (allocated / operations) + " bytes/op");
        }

        private abstract class Op { public abstract int Apply(int x); }
        private sealed class AddOp : Op { public override int Apply(int x) => x + 1; }
        private sealed class XorOp : Op { public override int Apply(int x) => x ^ 5; }
        private sealed class ShlOp : Op { public override int Apply(int x) => x << 1; }
        private sealed class NegOp : Op { public override int Apply(int x) => -x; }

        private interface IOp { int Apply(int x); }
        private sealed class AddI : IOp { public int Apply(int x) => x + 1; }
        private sealed class XorI : IOp { public int Apply(int x) => x ^ 5; }
        private sealed class ShlI : IOp { public int Apply(int x) => x << 1; }
        private sealed class NegI : IOp { public int Apply(int x) => -x; }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static int CallVirtual(Op op, int x) => op.Apply(x);

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static int CallInterface(IOp op, int x) => op.Apply(x);

        private static void VirtualCalls(int n)
        {
            Op[] ops = [new AddOp(), new XorOp(), new ShlOp(), new NegOp()];
            int x = 0;
            for (int i = 0; i < n; i++) x = CallVirtual(ops[i & 3], x);
            s_sink += x;
        }

        private static void InterfaceCalls(int n)
        {
            IOp[] ops = [new AddI(), new XorI(), new ShlI(), new NegI()];
            int x = 0;
            for (int i = 0; i < n; i++) x = CallInterface(ops[i & 3], x);
            s_sink += x;
        }

        private static void EnumerateInterface(int n)
        {
            var list = new List<int>();
            for (int i = 0; i < 100; i++) list.Add(i);
            IEnumerable<int> items = list;
            int sum = 0;
            for (int done = 0; done < n; done += 100)
                foreach (int v in items) sum += v;
            s_sink += sum;
        }

        private static void DictIntLookups(int n)
        {
            var d = new Dictionary<int, int>();
            for (int i = 0; i < 1000; i++) d[i * 7] = i;
            int hits = 0;
            for (int i = 0; i < n; i++)
                if (d.TryGetValue((i % 2000) * 7, out int v)) hits += v;
            s_sink += hits;
        }

        private static void DictStringLookups(int n)
        {
            var keys = new string[256];
            var d = new Dictionary<string, int>();
            for (int i = 0; i < keys.Length; i++) d[keys[i] = "header-" + i.ToString()] = i;
            int hits = 0;
            for (int i = 0; i < n; i++)
                if (d.TryGetValue(keys[i & 255], out int v)) hits += v;
            s_sink += hits;
        }

        private static void ListAdds(int n)
        {
            var list = new List<int>();
            for (int i = 0; i < n; i++) list.Add(i);
            s_sink += list.Count;
        }

        private static void IntToString(int n)
        {
            int length = 0;
            for (int i = 0; i < n; i++) length += (i * 7919).ToString().Length;
            s_sink += length;
        }

        private static void Interpolation(int n)
        {
            int length = 0;
            for (int i = 0; i < n; i++) length += $"GET /item/{i} HTTP/1.1 id={i:x8}".Length;
            s_sink += length;
        }

        private static void BuilderAppends(int n)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < n; i++)
            {
                sb.Append("k=").Append(i).Append(';');
                if (sb.Length > 4096) sb.Clear();
            }
            s_sink += sb.Length;
        }

        private static void Utf8Encode(int n)
        {
            string text = new string('a', 1000) + "\u00e9\u20ac";
            byte[] buffer = new byte[2048];
            int total = 0;
            for (int done = 0; done < n; done += text.Length) total += Encoding.UTF8.GetBytes(text, buffer);
            s_sink += total;
        }

        private static void SortInts(int n)
        {
            var values = new int[n];
            uint seed = 7;
            for (int i = 0; i < n; i++) values[i] = (int)(seed = seed * 1103515245 + 12345);
            Array.Sort(values);
            s_sink += values[n / 2] & 1;
        }
    }
}
