using System;
using System.Collections.Generic;

namespace CoreLibTest
{
    public record Endpoint(string Host, int Port)
    {
        public string Url => "http://" + Host + ":" + Port;
    }

    public sealed record Service(string Name, Endpoint Endpoint, int Replicas = 1);

    public readonly record struct Size(int Width, int Height)
    {
        public int Area => Width * Height;
    }

    public sealed class Settings
    {
        public required string Name { get; init; }
        public int Port { get; init; } = 80;
    }

    public static partial class Checks
    {
        // C# constructs portable code relies on, lowered by csc onto core library members.
        private static void LanguageFeatures(Report r)
        {
            r.Line("iterator", Report.Join(Evens(7)) + " " + Report.Join(Take(Evens(100), 3)));
            var a = new Endpoint("h", 80);
            var b = new Endpoint("h", 80);
            var c = a with { Port = 81 };
            r.Line("record-equality", (a == b) + " " + a.Equals(c) + " " + (a.GetHashCode() == b.GetHashCode()) + " " + c.Url);
            r.Line("record-tostring", a.ToString());
            var s = new Service("web", a);
            r.Line("record-nested", s.ToString() + " " + (s with { Replicas = 2 }).Replicas);
            var sz = new Size(3, 4);
            r.Line("record-struct", sz.ToString() + " " + sz.Area + " " + (sz == new Size(3, 4)) + " " + (sz with { Width = 5 }).Area);
            var (w, h) = sz;
            r.Line("deconstruct-record", w + h);
            r.Line("switch-string", Classify("GET") + Classify("POST") + Classify("BREW"));
            r.Line("switch-patterns", Shape(0) + Shape(5) + Shape(-3) + Shape(1000));
            r.Line("property-pattern", (a is { Port: 80, Host: "h" }) + " " + (c is { Port: 80 }));
            (int q, int rem) = DivMod(17, 5);
            r.Line("tuples", q + " " + rem + " " + DivMod(9, 3).ToString());
            int? maybe = null;
            int? some = 4;
            r.Line("nullable-ops", (maybe ?? -1) + " " + (some + 1) + " " + (maybe + 1).HasValue + " " + (some > 3) + " " + some.GetValueOrDefault());
            r.Line("local-function", Fib(20));
            r.Line("nullable-boxing", NullableRoundTrip(5) + " " + NullableRoundTrip(null) + " " + BoxedAs<long?>(7L) + " " + BoxedAs<Small?>(Small.B).Replace("B", "200") + " " + (Box<int?>(null) is null));
            var settings = new Settings { Name = "svc" };
            r.Line("init-required", settings.Name + ":" + settings.Port);
            List<int> fromExpression = [1, 2, 3];
            int[] spread = [0, .. fromExpression, 4];
            r.Line("collection-expressions", Report.Join(fromExpression) + " " + Report.Join(spread));
            var dict = new Dictionary<string, List<int>> { ["x"] = [1], ["y"] = [] };
            dict["y"].Add(2);
            r.Line("nested-initializers", dict["x"].Count + dict["y"][0]);
            object boxed = 42;
            string kind = boxed switch { int i when i > 40 => "big int " + i, int i => "int " + i, string str => "string " + str, _ => "other" };
            r.Line("type-patterns", kind);
            r.Line("typeof", (typeof(int) == typeof(int)) + " " + (typeof(int) == typeof(long)) + " " + (a.GetType() == typeof(Endpoint)));
            r.Line("char-arithmetic", (char)('a' + 2) + " " + ('z' - 'a'));
            ulong big = ulong.MaxValue;
            r.Line("unchecked-wrap", unchecked((int)big) + " " + unchecked(int.MaxValue + 1) + " " + unchecked((uint)(-1)));
            r.Line("shifts", (1L << 40) + " " + (-16 >> 2) + " " + (0x80000000u >> 31) + " " + (-16 >>> 28));
            r.Line("environment", Environment.NewLine.Length);
            string created = string.Create(5, 'z', (span, c) => { span.Fill(c); span[0] = 'A'; });
            int flag = 3;
            System.Threading.Volatile.Write(ref flag, 4);
            ArgumentOutOfRangeException.ThrowIfNegative(5L);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(3u, 4u);
            ArgumentOutOfRangeException.ThrowIfEqual("a", "b");
            ArgumentNullException.ThrowIfNull(created);
            r.Line("helpers", created + " " + System.Threading.Volatile.Read(ref flag));
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static object? Box<T>(T value) => value;

        private static string NullableRoundTrip(int? value)
        {
            object? boxed = Box(value);
            int? back = (int?)boxed;
            return (boxed is int) + ":" + (back.HasValue ? back.Value.ToString() : "null");
        }

        private static string BoxedAs<T>(object value)
        {
            T typed = (T)value;
            object? again = Box(typed);
            return typed?.ToString() + ":" + (again is not null);
        }

        private static IEnumerable<int> Evens(int limit)
        {
            for (int i = 0; i < limit; i += 2) yield return i;
        }

        private static IEnumerable<T> Take<T>(IEnumerable<T> source, int count)
        {
            if (count <= 0) yield break;
            foreach (T item in source)
            {
                yield return item;
                if (--count == 0) yield break;
            }
        }

        private static string Classify(string method) => method switch
        {
            "GET" => "read ",
            "POST" => "write ",
            _ => "unknown ",
        };

        private static string Shape(int n) => n switch
        {
            0 => "zero ",
            < 0 => "negative ",
            > 0 and < 10 => "small ",
            _ => "large ",
        };

        private static (int Quotient, int Remainder) DivMod(int a, int b) => (a / b, a % b);

        private static int Fib(int n)
        {
            return Go(n);
            static int Go(int k) => k < 2 ? k : Go(k - 1) + Go(k - 2);
        }
    }
}
