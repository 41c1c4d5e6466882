using System.Runtime.CompilerServices;

namespace KernelTest
{
    // Interface calls through ILCompiler's dispatch cells (Kernel/Runtime/InterfaceDispatch.cs):
    // enough implementers and a non-inlined call site that the compiler cannot devirtualize, with
    // some types overriding a default interface method and some inheriting it.
    internal static class DispatchChecks
    {
        private interface IGreeter
        {
            int Id();

            int Twice() => Id() * 2; // default method
        }

        private class A : IGreeter { public int Id() => 1; }
        private class B : IGreeter { public int Id() => 2; public int Twice() => 40; }
        private sealed class C : A { }
        private struct D : IGreeter { public int Value; public int Id() => Value; }
        private class E : IGreeter { public virtual int Id() => 5; }
        private sealed class F : E { public override int Id() => 6; }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int CallId(IGreeter g) => g.Id();

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static int CallTwice(IGreeter g) => g.Twice();

        internal static void Run()
        {
            IGreeter[] all = new IGreeter[] { new A(), new B(), new C(), new D { Value = 4 }, new E(), new F() };
            int ids = 0;
            long twice = 0;
            for (int i = 0; i < all.Length; i++)
            {
                IGreeter g = all[i];
                ids = ids * 10 + CallId(g);
                twice = twice * 100 + CallTwice(g);
            }
            Report.Check("dispatch.interface", ids == 121456, "ids=" + Report.Number(ids));
            Report.Check("dispatch.default-method", twice == 24002081012, "twice=" + Report.Number(twice));
        }
    }
}
