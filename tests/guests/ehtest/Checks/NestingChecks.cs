using System;
using System.Runtime.CompilerServices;

namespace EhTest
{
    // Exceptions raised while another one is being handled: in catch handlers, in finally
    // handlers during unwinding, rethrow after a nested exception, deep recursion.
    public static partial class Checks
    {
        private static void Nesting(Report r)
        {
            var t = new Trace();
            try { Level1(1); }
            catch (PortException outer)
            {
                try { Level1(2); }
                catch (PortException inner) { t.Add("inner:" + inner.Port); }
                t.Add("outer:" + outer.Port);
            }
            r.Line("try-in-catch", t.ToString());

            string caughtBy = "none";
            try
            {
                try { ThrowThis(new FormatException("first")); }
                catch (FormatException) { ThrowThis(new InvalidOperationException("from handler")); caughtBy = "none"; }
                catch (InvalidOperationException) { caughtBy = "sibling clause (wrong)"; }
            }
            catch (InvalidOperationException e)
            {
                caughtBy = "enclosing try: " + e.Message;
            }
            r.Line("throw-from-catch", caughtBy);

            try
            {
                try { ThrowThis(new FormatException("lost")); }
                finally { ThrowThis(new InvalidOperationException("from finally")); }
            }
            catch (FormatException e) { caughtBy = "original (wrong): " + e.Message; }
            catch (InvalidOperationException e) { caughtBy = "replacement: " + e.Message; }
            r.Line("throw-from-finally-replaces", caughtBy);

            t = new Trace();
            try { CatchInsideFinally(t); }
            catch (PortException e) { t.Add("outer:" + e.Port); }
            r.Line("exception-handled-inside-finally", t.ToString());

            try { RethrowAfterNested(); }
            catch (PortException e) { caughtBy = "port " + e.Port; }
            catch (Exception e) { caughtBy = "wrong: " + e.Message; }
            r.Line("rethrow-after-nested", caughtBy);

            t = new Trace();
            int finallies = 0;
            try { Recurse(0, 50, ref finallies); }
            catch (PortException e) { t.Add("depth:" + e.Port + " finallies:" + finallies); }
            r.Line("deep-recursion", t.ToString());

            t = new Trace();
            try { EscapeFromCatchInCatch(t); }
            catch (PortException e) { t.Add("outer:" + e.Port); }
            r.Line("escape-from-catch-in-catch", t.ToString());

            r.Line("dynamic-stackalloc-frames", CatchWithStackalloc(Seven() * 9));

            t = new Trace();
            try { FinallyThrowsOutOfCatch(t); }
            catch (InvalidOperationException e) { t.Add("caught:" + e.Message); }
            r.Line("finally-after-catch-throws", t.ToString());
        }

        // The innermost handler's parent is itself a handler: the walk leaves both funclets.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void EscapeFromCatchInCatch(Trace t)
        {
            try
            {
                try { ThrowThis(new FormatException("a")); }
                catch (FormatException)
                {
                    try
                    {
                        try { ThrowThis(new InvalidOperationException("b")); }
                        catch (InvalidOperationException)
                        {
                            t.Add("catch-b");
                            Level1(33);
                        }
                        finally { t.Add("finally-in-catch-a"); }
                    }
                    catch (FormatException) { t.Add("wrong"); }
                }
                finally { t.Add("finally-a"); }
            }
            catch (InvalidOperationException) { t.Add("wrong"); }
        }

        // Frames whose rsp moves at run time (variable-size stackalloc): the unwinder must find
        // their callers and the catch must resume with the frame's own buffer intact.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string CatchWithStackalloc(int size)
        {
            Span<byte> mine = stackalloc byte[size];
            mine.Fill(7);
            int sum = 0;
            try
            {
                ThrowThroughStackalloc(size * 2, ref sum);
            }
            catch (PortException e)
            {
                int total = 0;
                foreach (byte b in mine) total += b;
                return e.Port + " " + sum + " " + total;
            }
            return "not caught";
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowThroughStackalloc(int size, ref int sum)
        {
            Span<byte> buffer = stackalloc byte[size];
            buffer.Fill(1);
            try
            {
                Level1(size);
            }
            finally
            {
                foreach (byte b in buffer) sum += b;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void CatchInsideFinally(Trace t)
        {
            try { Level1(3); }
            finally
            {
                try { ThrowThis(new FormatException("during unwinding")); }
                catch (FormatException e) { t.Add("finally-caught:" + e.Message); }
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RethrowAfterNested()
        {
            try { Level1(4); }
            catch (PortException)
            {
                try { ThrowThis(new FormatException("nested")); }
                catch (FormatException) { }
                throw;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Recurse(int depth, int limit, ref int finallies)
        {
            try
            {
                if (depth == limit) throw new PortException(depth, "bottom");
                Recurse(depth + 1, limit, ref finallies);
            }
            finally
            {
                finallies++;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void FinallyThrowsOutOfCatch(Trace t)
        {
            try
            {
                try { Level1(5); }
                catch (PortException) { t.Add("catch"); ThrowThis(new InvalidOperationException("from catch")); }
                finally { t.Add("finally"); }
            }
            catch (FormatException) { t.Add("wrong"); }
        }
    }
}
