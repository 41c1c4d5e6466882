using System;
using System.Collections.Generic;

namespace CoreLibTest
{
    public static partial class Checks
    {
        private static void Sorting(Report r)
        {
            var ints = new List<int> { 5, -3, 9, 0, 5, 12, -7, 3 };
            ints.Sort();
            r.Line("ints", Report.Join(ints));
            ints.Sort((a, b) => b.CompareTo(a));
            r.Line("descending", Report.Join(ints));
            var words = new List<string> { "pear", "Apple", "fig", "apple", "banana" };
            words.Sort(StringComparer.Ordinal);
            r.Line("ordinal", Report.Join(words));
            words.Sort(StringComparer.OrdinalIgnoreCase);
            r.Line("ignore-case", Report.Join(words));
            var colors = new[] { Color.Blue, Color.Red, Color.Green, Color.Red };
            Array.Sort(colors);
            r.Line("enums", (int)colors[0] + " " + (int)colors[1] + " " + (int)colors[2] + " " + (int)colors[3]);
            long[] longs = [long.MaxValue, -1, long.MinValue, 0];
            Array.Sort(longs);
            r.Line("longs", Report.Join(longs));
            int?[] nullables = [3, null, 1];
            Array.Sort(nullables);
            r.Line("nullables", Report.Join(nullables));

            // Many equal keys: an unstable sort's order for ties must still match .NET's.
            var pairs = new List<(int Key, int Id)>();
            uint seed = 12345;
            for (int i = 0; i < 600; i++)
            {
                seed = seed * 1103515245 + 12345;
                pairs.Add(((int)((seed >> 16) % 23), i));
            }
            pairs.Sort((a, b) => a.Key.CompareTo(b.Key));
            long order = 0;
            for (int i = 0; i < pairs.Count; i++) order = order * 31 + pairs[i].Id;
            r.Line("ties", pairs[0].Key + " " + pairs[599].Key + " " + order);
            var small = new List<(int Key, string Name)> { (2, "a"), (1, "b"), (2, "c"), (1, "d"), (2, "e") };
            small.Sort((a, b) => a.Key.CompareTo(b.Key));
            var names = new List<string>();
            foreach (var item in small) names.Add(item.Name);
            r.Line("ties-small", Report.Join(names));
            var byComparer = new List<Point> { new Point(3, 1), new Point(1, 2), new Point(2, 0) };
            byComparer.Sort(Comparer<Point>.Create((a, b) => a.X - b.X));
            r.Line("comparer-create", Report.Join(byComparer));
            r.Line("default-comparer", Comparer<int>.Default.Compare(1, 2) + " " + Comparer<string>.Default.Compare("b", "a") + " " + Comparer<string>.Default.Compare(null, "a"));
            var caseless = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["Content-Length"] = 5 };
            r.Line("dictionary-ignore-case", caseless["content-length"] + " " + caseless.ContainsKey("CONTENT-LENGTH") + " " + caseless.ContainsKey("content-type"));
        }
    }
}
