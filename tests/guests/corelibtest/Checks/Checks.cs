using System;

namespace CoreLibTest
{
    // Every check prints "section.name: result". The guest image and a .NET build run the same
    // code; tests/CoreLib.Tests asserts the two outputs are identical line for line.
    public static partial class Checks
    {
        public const string EndMarker = "corelibtest: end";

        public static readonly string[] Sections =
        [
            "span", "binary", "list", "dict", "queue", "collections", "set", "comparer", "sort", "char", "string", "convert", "format", "parse",
            "builder", "encoding", "math", "hash", "time", "array", "delegate", "multicast", "interface", "variance", "statics", "lock", "exception", "language", "lowlevel", "gc", "dim", "async", "asyncex",
        ];

        public static void Run(Action<string> writeLine)
        {
            var r = new Report(writeLine);
            Spans(r.Section("span"));
            Binary(r.Section("binary"));
            Lists(r.Section("list"));
            Dictionaries(r.Section("dict"));
            Queues(r.Section("queue"));
            MoreCollections(r.Section("collections"));
            Sets(r.Section("set"));
            Comparers(r.Section("comparer"));
            Sorting(r.Section("sort"));
            Characters(r.Section("char"));
            Strings(r.Section("string"));
            Conversions(r.Section("convert"));
            Formatting(r.Section("format"));
            Parsing(r.Section("parse"));
            Builders(r.Section("builder"));
            Encodings(r.Section("encoding"));
            MathChecks(r.Section("math"));
            Hashing(r.Section("hash"));
            Time(r.Section("time"));
            Arrays(r.Section("array"));
            Delegates(r.Section("delegate"));
            Multicast(r.Section("multicast"));
            Interfaces(r.Section("interface"));
            Variance(r.Section("variance"));
            Statics(r.Section("statics"));
            Locks(r.Section("lock"));
            Exceptions(r.Section("exception"));
            LanguageFeatures(r.Section("language"));
            LowLevel(r.Section("lowlevel"));
            GarbageChurn(r.Section("gc"));
            DefaultInterfaceMethods(r.Section("dim"));
            AsyncAwait(r.Section("async"));
            AsyncExceptions(r.Section("asyncex"));
            writeLine(EndMarker);
        }
    }

    public sealed class Report
    {
        private readonly Action<string> _writeLine;
        private string _section = "";

        public Report(Action<string> writeLine) { _writeLine = writeLine; }

        public Report Section(string name)
        {
            _section = name;
            return this;
        }

        public void Line(string name, string value) => _writeLine(_section + "." + name + ": " + value);

        public void Line(string name, int value) => Line(name, value.ToString());

        public void Line(string name, long value) => Line(name, value.ToString());

        public void Line(string name, bool value) => Line(name, value ? "true" : "false");

        // Bytes as lowercase hex pairs separated by spaces.
        public static string Hex(ReadOnlySpan<byte> bytes)
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < bytes.Length; i++)
            {
                if (i != 0) sb.Append(' ');
                sb.Append(bytes[i].ToString("x2"));
            }
            return sb.ToString();
        }

        // UTF-16 code units as hex, so non-ASCII text survives the guest's ASCII serial console.
        public static string Units(string s)
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < s.Length; i++)
            {
                if (i != 0) sb.Append(' ');
                sb.Append(((int)s[i]).ToString("x4"));
            }
            return sb.ToString();
        }

        public static string Join<T>(System.Collections.Generic.IEnumerable<T> items)
        {
            var sb = new System.Text.StringBuilder("[");
            bool first = true;
            foreach (T item in items)
            {
                if (!first) sb.Append(',');
                sb.Append(item?.ToString() ?? "null");
                first = false;
            }
            return sb.Append(']').ToString();
        }
    }
}
