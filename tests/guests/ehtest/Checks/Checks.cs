using System;
using System.Collections.Generic;

namespace EhTest
{
    // Exception-handling checks: each prints "section.name: result". The guest image and a .NET
    // build run the same code; tests/Kernel.Tests (ExceptionTests) asserts the outputs are equal.
    public static partial class Checks
    {
        public const string EndMarker = "ehtest: end";

        public static readonly string[] Sections = ["throw", "finally", "filter", "rethrow", "nested", "runtime", "corelib", "gc"];

        public static void Run(Action<string> writeLine)
        {
            var r = new Report(writeLine);
            Throwing(r.Section("throw"));
            Finally(r.Section("finally"));
            Filters(r.Section("filter"));
            Rethrowing(r.Section("rethrow"));
            Nesting(r.Section("nested"));
            RuntimeRaised(r.Section("runtime"));
            CoreLibraryRaised(r.Section("corelib"));
            UnwindingWithCollections(r.Section("gc"));
            writeLine(EndMarker);
        }

        // No reflection in the guest: name the exception types the checks expect.
        internal static string Name(Exception e) => e switch
        {
            PortException => "PortException",
            KeyNotFoundException => "KeyNotFoundException",
            ArgumentNullException => "ArgumentNullException",
            ArgumentOutOfRangeException => "ArgumentOutOfRangeException",
            ArgumentException => "ArgumentException",
            NullReferenceException => "NullReferenceException",
            IndexOutOfRangeException => "IndexOutOfRangeException",
            InvalidCastException => "InvalidCastException",
            DivideByZeroException => "DivideByZeroException",
            OverflowException => "OverflowException",
            ArrayTypeMismatchException => "ArrayTypeMismatchException",
            FormatException => "FormatException",
            NotSupportedException => "NotSupportedException",
            InvalidOperationException => "InvalidOperationException",
            _ => "Exception",
        };
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

        public void Line(string name, bool value) => Line(name, value ? "true" : "false");
    }

    // An application-defined exception carrying data, so checks see the very object thrown.
    public sealed class PortException : Exception
    {
        public PortException(int port, string message) : base(message) { Port = port; }

        public PortException(int port, string message, Exception inner) : base(message, inner) { Port = port; }

        public int Port { get; }
    }

    // Records the order things happen in, so a check prints the whole sequence.
    public sealed class Trace
    {
        private readonly System.Text.StringBuilder _text = new();

        public void Add(string step)
        {
            if (_text.Length > 0) _text.Append(' ');
            _text.Append(step);
        }

        public override string ToString() => _text.ToString();
    }

    public sealed class Resource : IDisposable
    {
        private readonly Trace _trace;
        private readonly string _name;

        public Resource(Trace trace, string name)
        {
            _trace = trace;
            _name = name;
            trace.Add("open:" + name);
        }

        public void Dispose() => _trace.Add("dispose:" + _name);
    }
}
