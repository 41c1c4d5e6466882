using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace CoreLibTest
{
    // Generic interface with a default method; six implementers so the compiler cannot
    // devirtualize every call site.
    public interface IShape<T>
    {
        T Area();

        string Describe() => "shape with area " + Area()?.ToString();
    }

    public sealed class Square : IShape<int>
    {
        private readonly int _side;
        public Square(int side) { _side = side; }
        public int Area() => _side * _side;
    }

    public sealed class Rect : IShape<int>
    {
        private readonly int _w, _h;
        public Rect(int w, int h) { _w = w; _h = h; }
        public int Area() => _w * _h;
        public string Describe() => "rect " + _w + "x" + _h;
    }

    public class Tri : IShape<int>
    {
        public virtual int Area() => 3;
    }

    public sealed class BigTri : Tri
    {
        public override int Area() => 30;
    }

    public sealed class Dot : IShape<int>
    {
        public int Area() => 0;
        string IShape<int>.Describe() => "dot";
    }

    public sealed class Label : IShape<string>
    {
        public string Area() => "text";
    }

    public readonly struct Cell : IShape<long>
    {
        public long Area() => 1L << 40;
    }

    public sealed class Tracker : IDisposable
    {
        private readonly List<string> _log;
        private readonly string _name;
        public Tracker(List<string> log, string name) { _log = log; _name = name; _log.Add("open " + name); }
        public void Dispose()
        {
            _log.Add("close " + _name);
            GC.SuppressFinalize(this);
        }
    }

    public sealed class Ticker
    {
        public event Action? Tick;

        public void Fire() => Tick?.Invoke();
    }

    public static class Initialized
    {
        public static readonly List<string> Log = new List<string>();
    }

    public static class LazyA
    {
        public static readonly int Value;
        static LazyA()
        {
            Initialized.Log.Add("A.cctor");
            Value = LazyB.Value + 1;
        }
    }

    public static class LazyB
    {
        public static readonly int Value;
        static LazyB()
        {
            Initialized.Log.Add("B.cctor");
            Value = 41;
        }
    }

    public sealed class Counter
    {
        private static readonly string s_prefix;
        private readonly int _number;
        static Counter()
        {
            Initialized.Log.Add("Counter.cctor");
            s_prefix = "counter#";
        }
        public Counter() { _number = ++Instances; }
        public static int Instances { get; private set; }
        public string Name => s_prefix + _number;
    }

    public static class PerThread
    {
        [ThreadStatic] private static int t_calls;
        [ThreadStatic] private static string? t_last;

        public static string Call(string name)
        {
            t_calls++;
            string previous = t_last ?? "none";
            t_last = name;
            return t_calls + ":" + previous;
        }
    }

    public static partial class Checks
    {
        private static void MathChecks(Report r)
        {
            r.Line("min-max", Math.Min(3, -4) + " " + Math.Max(3, -4) + " " + Math.Min(3u, 4u) + " " + Math.Max(long.MinValue, 0L) + " " + Math.Max(1UL, ulong.MaxValue));
            r.Line("abs", Math.Abs(-5) + " " + Math.Abs(int.MaxValue) + " " + Math.Abs(-(1L << 40)));
            r.Line("clamp", Math.Clamp(15, 0, 10) + " " + Math.Clamp(-3, 0, 10) + " " + Math.Clamp(5u, 6u, 8u) + " " + Math.Clamp(7L, -1L, 9L) + " " + Math.Clamp(3UL, 1UL, 2UL));
        }

        private static void Hashing(Report r)
        {
            // HashCode is seeded randomly on .NET: only relations between values are portable.
            r.Line("combine-stable", HashCode.Combine(1, "a") == HashCode.Combine(1, "a"));
            r.Line("combine-order", HashCode.Combine(1, 2) != HashCode.Combine(2, 1));
            var h = new HashCode();
            h.Add(1);
            h.Add("a");
            r.Line("add-matches-combine", h.ToHashCode() == HashCode.Combine(1, "a"));
            var seen = new HashSet<int>();
            for (int i = 0; i < 1000; i++) seen.Add(HashCode.Combine(i, i >> 3));
            r.Line("spread", seen.Count > 990);
            r.Line("bits", System.Numerics.BitOperations.PopCount(0xf0f0u) + " " + System.Numerics.BitOperations.LeadingZeroCount(1u) + " "
                + System.Numerics.BitOperations.TrailingZeroCount(8UL) + " " + System.Numerics.BitOperations.Log2(1000u) + " "
                + System.Numerics.BitOperations.RotateLeft(0x80000001u, 1) + " " + System.Numerics.BitOperations.IsPow2(64u) + " "
                + System.Numerics.BitOperations.RoundUpToPowerOf2(33u) + " " + System.Numerics.BitOperations.LeadingZeroCount(0UL));
        }

        private static void Time(Report r)
        {
            var t = TimeSpan.FromSeconds(90) + TimeSpan.FromMilliseconds(250);
            r.Line("timespan", t.ToString() + " " + t.Minutes + " " + t.Seconds + " " + t.Milliseconds + " " + t.Ticks + " " + (long)t.TotalMilliseconds);
            r.Line("timespan-format", new TimeSpan(2, 3, 4, 5).ToString() + " " + (-TimeSpan.FromTicks(123)).ToString() + " " + TimeSpan.Zero + " " + TimeSpan.FromMicroseconds(1500));
            r.Line("timespan-compare", (TimeSpan.FromSeconds(1) > TimeSpan.FromMilliseconds(999)) + " " + TimeSpan.FromMinutes(2).CompareTo(TimeSpan.FromSeconds(120)) + " " + (TimeSpan.FromSeconds(1.5) == TimeSpan.FromMilliseconds(1500)));
            var watch = System.Diagnostics.Stopwatch.StartNew();
            long ticks = System.Diagnostics.Stopwatch.GetTimestamp();
            watch.Stop();
            r.Line("stopwatch", (watch.Elapsed >= TimeSpan.Zero) + " " + watch.IsRunning + " " + (ticks > 0) + " " + (System.Diagnostics.Stopwatch.GetElapsedTime(ticks) >= TimeSpan.Zero));
        }

        private static void Arrays(Report r)
        {
            int[] src = [1, 2, 3, 4, 5, 6];
            int[] dst = new int[8];
            Array.Copy(src, dst, 4);
            r.Line("copy", Report.Join(dst));
            Array.Copy(src, 2, dst, 5, 3);
            r.Line("copy-range", Report.Join(dst));
            Array.Copy(src, 0, src, 2, 4);
            r.Line("copy-overlap", Report.Join(src));
            string[] words = ["a", "b", "c"];
            string[] wordCopy = new string[3];
            Array.Copy(words, wordCopy, 3);
            r.Line("copy-refs", Report.Join(wordCopy));
            r.Line("empty", Array.Empty<int>().Length + " " + ReferenceEquals(Array.Empty<string>(), Array.Empty<string>()));
            int[]? resized = null;
            Array.Resize(ref resized, 2);
            resized[1] = 9;
            Array.Resize(ref resized, 4);
            r.Line("resize-grow", Report.Join(resized));
            Array.Resize(ref resized, 1);
            r.Line("resize-shrink", Report.Join(resized));
            Array.Clear(dst);
            r.Line("clear", Report.Join(dst));
            Array.Clear(src, 1, 2);
            r.Line("clear-range", Report.Join(src));
            r.Line("indexof", Array.IndexOf(words, "c") + " " + Array.IndexOf(src, 4));
            long[] longs = new long[3];
            Array.Fill(longs, -1L);
            r.Line("fill", Report.Join(longs));
        }

        private static void Delegates(Report r)
        {
            int captured = 10;
            Func<int, int> addCaptured = x => x + captured;
            captured = 20;
            r.Line("closure", addCaptured(1));
            Func<int, int, string> pair = (x, y) => x + "/" + y;
            r.Line("func2", pair(3, 4));
            var log = new List<string>();
            Action<string> add = log.Add;
            add("method-group");
            Action noArgs = () => log.Add("lambda");
            noArgs();
            Action<int, int, int> three = (x, y, z) => log.Add((x + y + z).ToString());
            three(1, 2, 3);
            r.Line("actions", Report.Join(log));
            Func<string> staticGroup = Describe;
            r.Line("static-group", staticGroup());
            Predicate<int> even = x => x % 2 == 0;
            r.Line("predicate", even(4) + " " + even(5));
            r.Line("higher-order", Apply(x => x * 3, 7));
            var counters = new List<Func<int>>();
            for (int i = 0; i < 3; i++)
            {
                int copy = i;
                counters.Add(() => copy * 100);
            }
            r.Line("loop-captures", counters[0]() + " " + counters[2]());
        }

        private static string Describe() => "static method";

        private static void Multicast(Report r)
        {
            var log = new List<string>();
            Action<string> first = x => log.Add("1" + x);
            Action<string> second = x => log.Add("2" + x);
            Action<string> third = log.Add;
            Action<string>? all = first;
            all += second;
            all += third;
            all += first;
            all("a");
            r.Line("invoke-all", Report.Join(log) + " " + all.GetInvocationList().Length);
            log.Clear();
            all -= first;          // removes the last occurrence only
            all!("b");
            r.Line("remove-last", Report.Join(log));
            log.Clear();
            all -= second;
            all -= third;
            all!("c");
            r.Line("remove-down-to-one", Report.Join(log) + " " + all.GetInvocationList().Length + " " + (all == first));
            all -= first;
            r.Line("remove-all", all is null);
            Func<int> one = () => 1, two = () => 2;
            Func<int>? both = one + two;
            r.Line("last-return-value", both!());
            Action<string> groupA = log.Add, groupB = log.Add;
            r.Line("method-group-equality", groupA == groupB);
            Func<string> s1 = Describe, s2 = Describe;
            r.Line("static-group-equality", s1 == s2);
            var ticker = new Ticker();
            int heard = 0;
            Action onTick = () => heard++;
            ticker.Tick += onTick;
            ticker.Tick += () => heard += 10;
            ticker.Fire();
            ticker.Tick -= onTick;
            ticker.Fire();
            r.Line("event", heard);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int Apply(Func<int, int> f, int value) => f(value);

        private static void Interfaces(Report r)
        {
            var shapes = new List<IShape<int>> { new Square(3), new Rect(2, 5), new Tri(), new BigTri(), new Dot() };
            var areas = new List<int>();
            foreach (IShape<int> shape in shapes) areas.Add(AreaOf(shape));
            r.Line("generic-dispatch", Report.Join(areas));
            r.Line("other-instantiations", AreaOf(new Label()) + " " + AreaOf(new Cell()));

            var log = new List<string>();
            using (var outer = new Tracker(log, "outer"))
            {
                using var inner = new Tracker(log, "inner");
                log.Add("body");
            }
            r.Line("using", Report.Join(log));

            IDisposable disposable = new Tracker(log, "cast");
            disposable.Dispose();
            r.Line("idisposable", log[log.Count - 1]);
            object boxed = new Point(4, 5);
            r.Line("is-iequatable", (boxed is IEquatable<Point>) + " " + (boxed is IDisposable) + " " + ((IEquatable<Point>)boxed).Equals(new Point(4, 5)));
        }

        // Last: default interface methods depend on the runtime's dispatch searching the dispatch
        // map's default entries; if that breaks, the guest panics here after every other section.
        private static void DefaultInterfaceMethods(Report r)
        {
            var shapes = new List<IShape<int>> { new Square(3), new Rect(2, 5), new Tri(), new BigTri(), new Dot() };
            var descriptions = new List<string>();
            foreach (IShape<int> shape in shapes) descriptions.Add(DescribeShape(shape));
            r.Line("implemented-or-default", Report.Join(descriptions));
            r.Line("shared-generic", DescribeShape(new Label()));
            r.Line("struct", DescribeShape(new Cell()));
        }

        // Casts through generic variance and array covariance (is/as/cast only: calls through a
        // variant interface also need the runtime's dispatch to match variantly).
        private static void Variance(Report r)
        {
            object strings = Opaque(new List<string> { "a", "b" });
            object ints = Opaque(new List<int> { 1 });
            r.Line("covariant-interface", (strings is IEnumerable<object>) + " " + (strings is IReadOnlyList<object>) + " " + (strings is IReadOnlyCollection<object>) + " " + (strings is IList<object>));
            r.Line("value-types-invariant", (ints is IEnumerable<object>) + " " + (ints is IEnumerable<int>));
            // ILCompiler folds `is` to false when the target type is never instantiated in the
            // program (it ignores variance there), so the program also makes a Func<object>.
            Func<object> made = () => 1;
            object func = Opaque((Func<string>)(() => "x"));
            object action = Opaque((Action<object>)(_ => { }));
            r.Line("delegates", (func is Func<object>) + " " + (func is Func<int>) + " " + (action is Action<string>) + " " + (action is Action<int>) + " " + made());
            object comparer = Opaque(Comparer<object>.Create((x, y) => 0));
            r.Line("contravariant-interface", (comparer is IComparer<string>) + " " + (comparer is IComparer<object>));
            object array = Opaque(new string[] { "s" });
            r.Line("array-covariance", (array is object[]) + " " + (array is IEnumerable<object>) + " " + (array is IReadOnlyList<object>) + " " + (array is int[]) + " " + (Opaque(new int[1]) is object[]));
            object[] asObjects = (object[])array;
            r.Line("array-cast", asObjects.Length + " " + (asObjects[0] as string));
            object nested = Opaque(new List<List<string>>());
            r.Line("nested", (nested is IEnumerable<IEnumerable<object>>) + " " + (nested is IEnumerable<IList<string>>) + " " + (nested is IEnumerable<List<object>>));
            // A call (not just a cast) through a variant interface: the runtime's dispatch must match
            // IReadOnlyList<object> against the IReadOnlyList<string> that List<string> implements.
            var viaVariant = (IReadOnlyList<object>)Opaque(new List<string> { "x", "y", "z" });
            r.Line("variant-call", viaVariant.Count + " " + viaVariant[1]);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static object Opaque(object o) => o;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static T AreaOf<T>(IShape<T> shape) => shape.Area();

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string DescribeShape<T>(IShape<T> shape) => shape.Describe();

        private static void Statics(Report r)
        {
            Initialized.Log.Add("start");
            int a = LazyA.Value;
            Initialized.Log.Add("after A " + a);
            var c1 = new Counter();
            var c2 = new Counter();
            r.Line("lazy-order", Report.Join(Initialized.Log));
            r.Line("counter", c2.Name + " " + Counter.Instances + " " + ReferenceEquals(c1, c2));
            r.Line("threadstatic", PerThread.Call("x") + " " + PerThread.Call("y") + " " + PerThread.Call("z"));
        }

        private static readonly object s_gate = new object();
        private static int s_guarded;

        private static void Locks(Report r)
        {
            lock (s_gate)
            {
                s_guarded++;
                lock (s_gate) s_guarded++;   // re-entrant, as Monitor is
            }
            r.Line("monitor", s_guarded + " " + System.Threading.Monitor.IsEntered(s_gate));
            var gate2 = new System.Threading.Lock();
            lock (gate2) s_guarded += 10;
            r.Line("lock-type", s_guarded + " " + gate2.IsHeldByCurrentThread);
            int value = 5;
            r.Line("interlocked", System.Threading.Interlocked.Increment(ref value) + " " + System.Threading.Interlocked.CompareExchange(ref value, 9, 6) + " " + value);
        }

        private static void Exceptions(Report r)
        {
            r.Line("default-message", new Exception().Message);
            r.Line("custom-message", new InvalidOperationException("state is wrong").Message);
            r.Line("argument", new ArgumentException("bad value", "count").Message);
            r.Line("argument-null", new ArgumentNullException("name").Message);
            r.Line("argument-range", new ArgumentOutOfRangeException("index").Message);
            r.Line("defaults", new InvalidOperationException().Message + " | " + new NotSupportedException().Message + " | " + new FormatException().Message);
            r.Line("inner", new Exception("outer", new OverflowException()).InnerException!.Message);
            Exception asBase = new KeyNotFoundException();
            r.Line("hierarchy", (asBase is SystemException) + " " + (new OverflowException() is ArithmeticException) + " " + (new ArgumentNullException() is ArgumentException));
        }
    }
}
