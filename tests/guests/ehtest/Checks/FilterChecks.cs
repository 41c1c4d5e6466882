using System;
using System.Runtime.CompilerServices;

namespace EhTest
{
    // Exception filters (`when`) and rethrow: filters run in the first pass, before any finally;
    // `throw;` and `throw e` throw the very object caught.
    public static partial class Checks
    {
        private static void Filters(Report r)
        {
            var t = new Trace();
            try
            {
                FilteredThrow(t, 80);
            }
            catch (PortException e) when (Log(t, "outer-filter", e.Port == 80))
            {
                t.Add("outer-catch");
            }
            // Two passes: every filter runs before any finally of the frames being left.
            r.Line("two-pass-order", t.ToString());

            int matched = 0;
            for (int port = 1; port <= 4; port++)
            {
                try { Level1(port); }
                catch (PortException e) when (e.Port % 2 == 0) { matched += 10; }
                catch (PortException) { matched += 1; }
            }
            r.Line("filter-selects-clause", matched);

            int limit = 5;
            string which;
            try { Level1(6); which = "none"; }
            catch (PortException e) when (e.Port < limit) { which = "below"; }
            catch (PortException e) when (e.Port > limit) { which = "above:" + e.Port; }
            r.Line("filter-reads-locals", which);

            try
            {
                try { ThrowThis(new InvalidOperationException("filtered out")); }
                catch (InvalidOperationException e) when (e.Message == "something else") { r.Line("false-filter", "wrong clause"); }
            }
            catch (InvalidOperationException e)
            {
                r.Line("false-filter", "passed on: " + e.Message);
            }

            // An exception escaping a filter is swallowed and the filter counts as false.
            r.Line("throwing-filter", ThrowingFilter(new Trace()));
            string faulting;
            try { Level1(32); faulting = "none"; }
            catch (PortException e) when (ReadField(e.Port > 0 ? null : new Holder()) > 0) { faulting = "wrong"; }
            catch (PortException e) { faulting = "next clause: " + e.Port; }
            r.Line("faulting-filter", faulting);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static string ThrowingFilter(Trace t)
        {
            try
            {
                try { Level1(31); }
                catch (PortException e) when (FilterThatThrows(t, e.Port)) { return "filter caught (wrong)"; }
                catch (PortException e) { return "next clause: " + e.Port + " " + t; }
            }
            catch (Exception e)
            {
                return "escaped (wrong): " + e.Message;
            }
            return "not reached";
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static bool FilterThatThrows(Trace t, int port)
        {
            try
            {
                t.Add("filter:" + port);
                if (port > 0) ThrowThis(new InvalidOperationException("inside filter"));
                return true;
            }
            finally
            {
                t.Add("filter-finally");
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void FilteredThrow(Trace t, int port)
        {
            try
            {
                try { Level1(port); }
                finally { t.Add("inner-finally"); }
            }
            catch (PortException e) when (Log(t, "inner-filter", e.Port != port))
            {
                t.Add("inner-catch");
            }
            finally
            {
                t.Add("outer-finally");
            }
        }

        private static bool Log(Trace t, string step, bool result)
        {
            t.Add(step + "=" + (result ? "true" : "false"));
            return result;
        }

        private static void Rethrowing(Report r)
        {
            var original = new PortException(443, "original");
            try { RethrowSame(original); }
            catch (PortException e) { r.Line("rethrow-keeps-object", ReferenceEquals(e, original) + " " + e.Message); }

            try { RethrowExplicit(original); }
            catch (PortException e) { r.Line("throw-e", ReferenceEquals(e, original)); }

            try { Wrap(); }
            catch (InvalidOperationException e)
            {
                r.Line("wrapped", e.Message + " <- " + Name(e.InnerException!) + " " + e.InnerException!.Message);
            }

            var t = new Trace();
            try { RethrowThroughFinally(t); }
            catch (PortException e) { t.Add("caught:" + e.Port); }
            r.Line("rethrow-through-finally", t.ToString());

            try
            {
                try { Level1(9); }
                catch (PortException) when (r is not null) { throw; }
            }
            catch (PortException e)
            {
                r.Line("rethrow-from-filtered-catch", e.Port);
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RethrowSame(Exception e)
        {
            try { ThrowThis(e); }
            catch (Exception) { throw; }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RethrowExplicit(Exception e)
        {
            try { ThrowThis(e); }
#pragma warning disable CA2200 // deliberate: `throw e` must throw the very same object
            catch (Exception caught) { throw caught; }
#pragma warning restore CA2200
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Wrap()
        {
            try { Level1(0); }
            catch (ArgumentException e) { throw new InvalidOperationException("config rejected", e); }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RethrowThroughFinally(Trace t)
        {
            try
            {
                try { Level1(21); }
                catch (PortException) { t.Add("catch"); throw; }
                finally { t.Add("finally"); }
            }
            finally { t.Add("outer-finally"); }
        }
    }
}
