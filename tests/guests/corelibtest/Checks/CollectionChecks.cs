using System;
using System.Collections.Generic;

namespace CoreLibTest
{
    public enum Color { Red, Green, Blue = 7 }

    public enum Small : byte { A = 1, B = 200 }

    // A key type with value equality through IEquatable<T>.
    public readonly struct Point : IEquatable<Point>
    {
        public Point(int x, int y) { X = x; Y = y; }
        public int X { get; }
        public int Y { get; }
        public bool Equals(Point other) => X == other.X && Y == other.Y;
        public override bool Equals(object? obj) => obj is Point p && Equals(p);
        public override int GetHashCode() => X * 31 + Y;
        public override string ToString() => "(" + X + "," + Y + ")";
        public static bool operator ==(Point left, Point right) => left.Equals(right);
        public static bool operator !=(Point left, Point right) => !left.Equals(right);
    }

    // A reference key type whose equality is by name, with colliding hash codes on purpose.
    public sealed class Name : IEquatable<Name>
    {
        public Name(string value) { Value = value; }
        public string Value { get; }
        public bool Equals(Name? other) => other is not null && other.Value == Value;
        public override bool Equals(object? obj) => Equals(obj as Name);
        public override int GetHashCode() => Value.Length;
        public override string ToString() => Value;
    }

    public static partial class Checks
    {
        private static void Lists(Report r)
        {
            var list = new List<int>();
            for (int i = 0; i < 10; i++) list.Add(i * i);
            r.Line("count", list.Count);
            r.Line("indexer", list[7]);
            list.Insert(0, -1);
            list.Insert(5, 555);
            list.RemoveAt(2);
            r.Line("after-insert-remove", Report.Join(list));
            r.Line("remove-present", list.Remove(81));
            r.Line("remove-absent", list.Remove(1000));
            r.Line("contains", list.Contains(555));
            r.Line("contains-not", list.Contains(81));
            r.Line("indexof", list.IndexOf(49));
            r.Line("indexof-missing", list.IndexOf(50));
            list[1] = 11;
            int sum = 0;
            foreach (int x in list) sum += x;
            r.Line("foreach-sum", sum);
            r.Line("find", list.Find(x => x > 100));
            r.Line("removeall", list.RemoveAll(x => x % 2 == 0));
            r.Line("after-removeall", Report.Join(list));
            r.Line("toarray", list.ToArray().Length);
            list.Clear();
            r.Line("cleared", list.Count + " " + Report.Join(list));

            var names = new List<string> { "b", "a", "c" };
            names.AddRange(new[] { "d", "e" });
            r.Line("strings", Report.Join(names));
            r.Line("strings-indexof", names.IndexOf("c"));
            r.Line("strings-contains", names.Contains(new string('a', 1)));
            names.Reverse();
            r.Line("reverse", Report.Join(names));
            r.Line("getrange", Report.Join(names.GetRange(1, 2)));

            var points = new List<Point> { new Point(1, 2), new Point(3, 4) };
            r.Line("struct-contains", points.Contains(new Point(3, 4)));
            var copy = new List<Point>(points);
            copy.Add(new Point(5, 6));
            r.Line("copy-ctor", points.Count + " " + copy.Count + " " + Report.Join(copy));

            IList<int> asInterface = new List<int> { 4, 5, 6 };
            asInterface.Insert(1, 9);
            r.Line("via-ilist", Report.Join(asInterface) + " " + asInterface.Count);
            IEnumerable<int> enumerable = asInterface;
            int n = 0;
            foreach (int x in enumerable) n += x;
            r.Line("via-ienumerable", n);
        }

        private static void Dictionaries(Report r)
        {
            var d = new Dictionary<string, int>();
            d.Add("one", 1);
            d.Add("two", 2);
            d["three"] = 3;
            d["two"] = 22;
            r.Line("count", d.Count);
            r.Line("indexer", d["two"]);
            r.Line("trygetvalue", d.TryGetValue("three", out int three) + " " + three);
            r.Line("trygetvalue-missing", d.TryGetValue("four", out int four) + " " + four);
            r.Line("containskey", d.ContainsKey("one") + " " + d.ContainsKey("ONE"));
            r.Line("remove", d.Remove("one") + " " + d.Remove("one") + " " + d.Count);
            r.Line("tryadd", d.TryAdd("two", 0) + " " + d.TryAdd("five", 5));
            d.Add("six", 6);
            d.Remove("three");
            d.Add("seven", 7);   // reuses the freed slot: enumeration order shows it
            d.Add("eight", 8);
            var sb = new System.Text.StringBuilder();
            foreach (KeyValuePair<string, int> pair in d) sb.Append(pair.Key).Append('=').Append(pair.Value).Append(' ');
            r.Line("foreach-order", sb.ToString());
            r.Line("keys", Report.Join(d.Keys));
            r.Line("values", Report.Join(d.Values));
            foreach (var (key, value) in d)
                if (value == 5) r.Line("deconstruct", key);
            r.Line("kvp-tostring", new KeyValuePair<string, int>("k", 9).ToString());
            d.Clear();
            r.Line("cleared", d.Count + " " + d.ContainsKey("two"));

            var big = new Dictionary<int, int>();
            for (int i = 0; i < 1000; i++) big[i * 7] = i;
            for (int i = 0; i < 1000; i += 2) big.Remove(i * 7);
            long total = 0;
            foreach (var pair in big) total += pair.Key + pair.Value;
            r.Line("int-keys", big.Count + " " + total + " " + big[693] + " " + big.ContainsKey(14));

            var byColor = new Dictionary<Color, string> { [Color.Red] = "r", [Color.Blue] = "b" };
            r.Line("enum-keys", byColor[Color.Blue] + byColor.ContainsKey(Color.Green));
            var bySmall = new Dictionary<Small, int> { { Small.B, 2 } };
            r.Line("byte-enum-keys", bySmall[Small.B] + " " + bySmall.ContainsKey(Small.A));
            var byPoint = new Dictionary<Point, string> { [new Point(1, 1)] = "p11" };
            r.Line("struct-keys", byPoint[new Point(1, 1)] + " " + byPoint.ContainsKey(new Point(1, 2)));
            var byName = new Dictionary<Name, int>();
            byName[new Name("ab")] = 1;
            byName[new Name("cd")] = 2;   // same hash code as "ab"
            byName[new Name("ab")] = 3;
            r.Line("class-keys", byName.Count + " " + byName[new Name("ab")] + " " + byName[new Name("cd")]);
            var byLong = new Dictionary<long, string> { [1L << 40] = "big", [-1] = "neg" };
            var byUInt = new Dictionary<uint, int> { [uint.MaxValue] = 1 };
            var byUShort = new Dictionary<ushort, int> { [65535] = 2 };
            r.Line("other-keys", byLong[1L << 40] + byLong[-1] + byUInt[uint.MaxValue] + byUShort[65535]);
        }

        private static void Queues(Report r)
        {
            var q = new Queue<int>();
            for (int i = 1; i <= 3; i++) q.Enqueue(i);
            r.Line("peek", q.Peek() + " " + q.Count);
            r.Line("dequeue", q.Dequeue() + " " + q.Dequeue() + " " + q.Count);
            for (int i = 4; i <= 9; i++) q.Enqueue(i);   // wraps around and grows
            r.Line("wrapped", Report.Join(q));
            int drained = 0;
            while (q.TryDequeue(out int x)) drained += x;
            r.Line("trydequeue", drained + " " + q.Count + " " + q.TryDequeue(out int none) + " " + none);
            var strings = new Queue<string>();
            strings.Enqueue("first");
            strings.Enqueue("second");
            r.Line("strings", strings.Dequeue() + " " + strings.Peek());
            var stack = new Stack<int>();
            stack.Push(1);
            stack.Push(2);
            stack.Push(3);
            r.Line("stack", Report.Join(stack) + " " + stack.Pop() + " " + stack.Peek());
        }

        private static void MoreCollections(Report r)
        {
            var pq = new PriorityQueue<string, int>();
            uint seed = 99;
            for (int i = 0; i < 40; i++)
            {
                seed = seed * 1103515245 + 12345;
                pq.Enqueue("e" + i, (int)((seed >> 16) % 5));   // many equal priorities
            }
            var order = new List<string>();
            while (pq.TryDequeue(out string? e, out int p)) order.Add(p + ":" + e);
            r.Line("priority-ties", string.Join(" ", order));
            var timers = new PriorityQueue<string, long>();
            timers.Enqueue("late", 300);
            timers.Enqueue("soon", 100);
            timers.Enqueue("mid", 200);
            r.Line("priority", timers.Peek() + " " + timers.Count + " " + timers.Dequeue() + " " + timers.Dequeue() + " " + timers.TryPeek(out string? last, out long when) + last + when);

            var lru = new LinkedList<int>();
            lru.AddLast(1);
            lru.AddLast(2);
            LinkedListNode<int> three = lru.AddLast(3);
            lru.AddFirst(0);
            lru.Remove(three);
            lru.AddFirst(three);
            lru.AddAfter(lru.First!, 9);
            lru.RemoveLast();
            r.Line("linked-list", Report.Join(lru) + " " + lru.Count + " " + lru.First!.Value + " " + lru.Last!.Value + " " + (lru.First.Previous is null) + " " + lru.Find(9)!.Next!.Value + " " + lru.Contains(2));
            lru.Clear();
            r.Line("linked-list-cleared", lru.Count + " " + (lru.First is null) + " " + (three.List is null));

            int[] sorted = [1, 3, 5, 7, 9];
            r.Line("binary-search", Array.BinarySearch(sorted, 7) + " " + Array.BinarySearch(sorted, 4) + " " + Array.BinarySearch(sorted, 10) + " " + new List<int>(sorted).BinarySearch(1));
            r.Line("array-find", Array.Find(sorted, x => x > 4) + " " + Array.FindIndex(sorted, x => x > 4) + " " + Array.Exists(sorted, x => x == 2));
            int calls = 0;
            var lazy = new Lazy<string>(() => { calls++; return "made"; });
            r.Line("lazy", lazy.IsValueCreated + " " + lazy.Value + lazy.Value + " " + calls + " " + lazy.IsValueCreated);
        }

        private static void Sets(Report r)
        {
            var set = new HashSet<string>();
            r.Line("add", set.Add("a") + " " + set.Add("b") + " " + set.Add("a"));
            r.Line("contains", set.Contains("b") + " " + set.Contains("z"));
            r.Line("remove", set.Remove("a") + " " + set.Remove("a") + " " + set.Count);
            set.Add("c");
            set.Add("d");
            r.Line("order", Report.Join(set));
            var ints = new HashSet<int>();
            for (int i = 0; i < 100; i++) ints.Add(i % 17);
            r.Line("ints", ints.Count + " " + ints.Contains(16) + " " + ints.Contains(17));
            var colors = new HashSet<Color> { Color.Blue, Color.Blue, Color.Red };
            r.Line("enums", colors.Count);
        }

        private static void Comparers(Report r)
        {
            r.Line("int", EqualityComparer<int>.Default.Equals(5, 5) + " " + EqualityComparer<int>.Default.GetHashCode(5));
            r.Line("uint", EqualityComparer<uint>.Default.Equals(5, 6) + " " + EqualityComparer<uint>.Default.GetHashCode(7u));
            r.Line("long", EqualityComparer<long>.Default.Equals(1L << 33, 1L << 33) + " " + EqualityComparer<long>.Default.GetHashCode(1L << 33));
            r.Line("ushort", EqualityComparer<ushort>.Default.Equals(65535, 65535) + " " + EqualityComparer<ushort>.Default.GetHashCode(65535));
            string s1 = "hello", s2 = new string("hello".ToCharArray());
            bool sameHash = EqualityComparer<string>.Default.GetHashCode(s1) == EqualityComparer<string>.Default.GetHashCode(s2);
            r.Line("string", EqualityComparer<string>.Default.Equals(s1, s2) + " " + EqualityComparer<string>.Default.Equals("x", null) + " " + sameHash);
            r.Line("enum", EqualityComparer<Color>.Default.Equals(Color.Blue, Color.Blue) + " " + EqualityComparer<Color>.Default.Equals(Color.Red, Color.Green)
                + " " + EqualityComparer<Color>.Default.GetHashCode(Color.Blue));
            r.Line("iequatable", EqualityComparer<Point>.Default.Equals(new Point(1, 2), new Point(1, 2)) + " " + EqualityComparer<Point>.Default.GetHashCode(new Point(1, 2)));
            r.Line("class", EqualityComparer<Name>.Default.Equals(new Name("x"), new Name("x")) + " " + EqualityComparer<Name>.Default.Equals(null, new Name("x"))
                + " " + EqualityComparer<Name>.Default.Equals(null, null));
            r.Line("nullable", EqualityComparer<int?>.Default.Equals(3, 3) + " " + EqualityComparer<int?>.Default.Equals(null, 3) + " " + EqualityComparer<int?>.Default.Equals(null, null));
            r.Line("same-instance", ReferenceEquals(EqualityComparer<int>.Default, EqualityComparer<int>.Default));
        }
    }
}
