using System;
using System.Runtime.CompilerServices;

namespace EhTest
{
    // throw / catch / finally / using, within one method and across methods.
    public static partial class Checks
    {
        private static void Throwing(Report r)
        {
            try
            {
                throw new InvalidOperationException("same method");
            }
            catch (InvalidOperationException e)
            {
                r.Line("same-method", e.Message);
            }

            try
            {
                Level1(3);
                r.Line("cross-method", "not caught");
            }
            catch (PortException e)
            {
                r.Line("cross-method", e.Message + " port=" + e.Port);
            }

            try
            {
                Level1(0);
            }
            catch (ArgumentException e)
            {
                r.Line("by-base-type", Name(e) + " " + e.Message);
            }

            string order = "";
            try
            {
                ThrowFormat();
            }
            catch (ArgumentException) { order = "argument"; }
            catch (FormatException) { order = "format"; }
            catch (Exception) { order = "exception"; }
            r.Line("first-matching-clause", order);

            try
            {
                Level1(5);
            }
            catch
            {
                r.Line("catch-all", "caught");
            }

            var thrown = new PortException(25, "identity");
            try { ThrowThis(thrown); }
            catch (PortException e) { r.Line("same-object", ReferenceEquals(e, thrown)); }

            int value = 1;
            try
            {
                value = 2;
                ThrowThis(new InvalidOperationException("locals"));
                value = 3;
            }
            catch (InvalidOperationException)
            {
                value *= 10;
            }
            r.Line("locals-after-catch", value);

            int caughtInLoop = 0;
            for (int i = 0; i < 10; i++)
            {
                try
                {
                    if (i % 3 == 0) Level1(i + 1);
                }
                catch (PortException e)
                {
                    caughtInLoop += e.Port;
                }
            }
            r.Line("catch-in-loop", caughtInLoop);
            r.Line("returned-after-catch", ReturnFromCatch(7));
            r.Line("null-throw", CatchThrowNull());
            r.Line("generic-method", GenericCatch<FormatException>(new FormatException("fmt")) + " " + GenericCatch<FormatException>(new PortException(1, "port")));
            r.Line("generic-catch-type", CatchAs<FormatException>(new FormatException("f")) + " " + CatchAs<PortException>(new FormatException("g")));
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Level1(int port) => Level2(port);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Level2(int port) => Level3(port);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Level3(int port)
        {
            if (port == 0) throw new ArgumentOutOfRangeException(nameof(port), "port must be positive");
            throw new PortException(port, "level3");
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowFormat() => throw new FormatException("bad format");

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowThis(Exception e) => throw e;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int ReturnFromCatch(int x)
        {
            try
            {
                Level1(x);
                return -1;
            }
            catch (PortException e)
            {
                return e.Port * 2;
            }
        }

        // Shared generic code: the catch types are concrete, the method body is canonical.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string GenericCatch<T>(Exception e) where T : class
        {
            try { ThrowThis(e); }
            catch (FormatException) { return "format:" + (e is T); }
            catch (Exception) { return "other"; }
            return "none";
        }

        // catch (T) with T a type parameter: the clause's type comes from the instantiation.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string CatchAs<T>(Exception e) where T : Exception
        {
            try
            {
                try { ThrowThis(e); }
                catch (T caught) { return "caught " + caught.Message; }
            }
            catch (Exception) { return "passed"; }
            return "none";
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string CatchThrowNull()
        {
            try
            {
                Exception? nothing = null;
                throw nothing!;
            }
            catch (NullReferenceException e)
            {
                return Name(e);
            }
        }

        private static void Finally(Report r)
        {
            var t = new Trace();
            try { t.Add("try"); }
            finally { t.Add("finally"); }
            r.Line("normal-exit", t.ToString());

            t = new Trace();
            try { FinallyChain(t); }
            catch (PortException e) { t.Add("catch:" + e.Port); }
            r.Line("unwinding-order", t.ToString());

            t = new Trace();
            r.Line("return-through-finally", ReturnThroughFinally(t) + " " + t);

            t = new Trace();
            for (int i = 0; i < 4; i++)
            {
                try
                {
                    if (i == 1) continue;
                    if (i == 3) break;
                    t.Add("body" + i);
                }
                finally
                {
                    t.Add("f" + i);
                }
            }
            r.Line("break-continue", t.ToString());

            t = new Trace();
            try
            {
                using (new Resource(t, "a"))
                using (var b = new Resource(t, "b"))
                {
                    ThrowThis(new InvalidOperationException("in using"));
                }
            }
            catch (InvalidOperationException e)
            {
                t.Add("catch:" + e.Message);
            }
            r.Line("using-on-exception", t.ToString());

            t = new Trace();
            using (new Resource(t, "c")) t.Add("work");
            r.Line("using-normal", t.ToString());

            t = new Trace();
            try
            {
                try { ThrowThis(new InvalidOperationException("x")); }
                catch (InvalidOperationException) { t.Add("catch"); }
                finally { t.Add("finally"); }
                t.Add("after");
            }
            catch (Exception) { t.Add("outer"); }
            r.Line("try-catch-finally", t.ToString());
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void FinallyChain(Trace t)
        {
            try { FinallyInner(t); }
            finally { t.Add("outer-finally"); }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void FinallyInner(Trace t)
        {
            try
            {
                try { Level1(8); }
                finally { t.Add("inner-finally"); }
            }
            finally { t.Add("middle-finally"); }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int ReturnThroughFinally(Trace t)
        {
            try
            {
                t.Add("try");
                return 42;
            }
            finally
            {
                t.Add("finally");
            }
        }
    }
}
