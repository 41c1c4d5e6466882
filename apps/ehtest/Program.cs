using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernel.Runtime;

namespace EhTest
{
    public static class Program
    {
        [UnmanagedCallersOnly(EntryPoint = "app_main")]
        public static void Main()
        {
            SerialConsole.WriteLine("start");
            try
            {
                Thrower(1);
                SerialConsole.WriteLine("not reached");
            }
            catch (InvalidOperationException e) when (e.Message.Length > 2)
            {
                SerialConsole.WriteLine("caught " + e.Message);
            }
            finally
            {
                SerialConsole.WriteLine("finally");
            }
            try { Rethrower(); }
            catch (ArgumentException e) { SerialConsole.WriteLine("typed " + e.Message); }
            catch { SerialConsole.WriteLine("all"); }
            SerialConsole.WriteLine("end");
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Rethrower()
        {
            try { throw new ArgumentException("x"); }
            catch (Exception) { SerialConsole.WriteLine("rethrowing"); throw; }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Thrower(int x)
        {
            try
            {
                if (x > 0) throw new InvalidOperationException("boom");
            }
            finally
            {
                SerialConsole.WriteLine("inner finally");
            }
        }
    }
}
