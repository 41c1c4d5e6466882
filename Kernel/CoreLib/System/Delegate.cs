namespace System
{
    // Field and method names are the ones ILCompiler 10 expects (the m_* names of older samples
    // fail with "Expected field '_extraFunctionPointerOrData' not found").
    public abstract unsafe class Delegate
    {
#pragma warning disable CS0649, CS0169, IDE0044
        internal object? _firstParameter;
        internal object? _helperObject;
        internal nint _extraFunctionPointerOrData;
        internal IntPtr _functionPointer;
#pragma warning restore CS0649, CS0169, IDE0044

        private void InitializeClosedInstance(object firstParameter, IntPtr functionPointer)
        {
            if (firstParameter is null)
                Internal.Runtime.CompilerHelpers.ThrowHelpers.ThrowNullReferenceException();
            _functionPointer = functionPointer;
            _firstParameter = firstParameter;
        }

        // A delegate to an interface method: resolve the call for this target once, now.
        private unsafe void InitializeClosedInstanceToInterface(object firstParameter, IntPtr dispatchCell)
        {
            if (firstParameter is null) throw new NullReferenceException();
            _functionPointer = ResolveInterfaceCall(Runtime.CompilerServices.RuntimeHelpers.GetObjectAddress(firstParameter), (nint*)dispatchCell);
            _firstParameter = firstParameter;
        }

        // The runtime's interface-dispatch resolver (Kernel/Runtime/InterfaceDispatch.cs).
        [Runtime.RuntimeImport("*", "kern_resolve_itf")]
        [Runtime.CompilerServices.MethodImpl(Runtime.CompilerServices.MethodImplOptions.InternalCall)]
        private static extern unsafe IntPtr ResolveInterfaceCall(nint thisPtr, nint* cell);

        private void InitializeClosedInstanceSlow(object firstParameter, IntPtr functionPointer)
            => InitializeClosedInstance(firstParameter, functionPointer);

        private void InitializeClosedInstanceWithoutNullCheck(object firstParameter, IntPtr functionPointer)
        {
            _functionPointer = functionPointer;
            _firstParameter = firstParameter;
        }

        private void InitializeClosedStaticThunk(object firstParameter, IntPtr functionPointer, IntPtr functionPointerThunk)
        {
            _extraFunctionPointerOrData = functionPointer;
            _helperObject = firstParameter;
            _functionPointer = functionPointerThunk;
            _firstParameter = this;
        }

        private void InitializeOpenStaticThunk(object firstParameter, IntPtr functionPointer, IntPtr functionPointerThunk)
        {
            _firstParameter = this;
            _functionPointer = functionPointerThunk;
            _extraFunctionPointerOrData = functionPointer;
        }

        // Multicast: ILCompiler gives every delegate type a GetThunk override; thunk 0 invokes each
        // entry of _helperObject (a Wrapper[]) in order, _extraFunctionPointerOrData of them.
        private const int MulticastThunk = 0;

        internal struct Wrapper
        {
            public Wrapper(Delegate value) { Value = value; }

            public Delegate Value;
        }

        protected virtual IntPtr GetThunk(int whichThunk) => 0;

        private Wrapper[]? InvocationList => _helperObject as Wrapper[];

        private int InvocationCount => InvocationList is null ? 1 : (int)_extraFunctionPointerOrData;

        private Delegate EntryAt(int index) => InvocationList is { } list ? list[index].Value : this;

        public Delegate[] GetInvocationList()
        {
            var result = new Delegate[InvocationCount];
            for (int i = 0; i < result.Length; i++) result[i] = EntryAt(i);
            return result;
        }

        public static Delegate? Combine(Delegate? a, Delegate? b)
        {
            if (a is null) return b;
            if (b is null) return a;
            if (a.GetMethodTable() != b.GetMethodTable()) throw new ArgumentException("Delegates must be of the same type.");
            int countA = a.InvocationCount, countB = b.InvocationCount;
            var list = new Wrapper[countA + countB];
            for (int i = 0; i < countA; i++) list[i] = new Wrapper(a.EntryAt(i));
            for (int i = 0; i < countB; i++) list[countA + i] = new Wrapper(b.EntryAt(i));
            return a.NewMulticast(list, list.Length);
        }

        public static Delegate? Combine(params Delegate?[]? delegates)
        {
            Delegate? result = null;
            if (delegates is null) return null;
            for (int i = 0; i < delegates.Length; i++) result = Combine(result, delegates[i]);
            return result;
        }

        // Removes the last occurrence of value's invocation list from source's, as .NET does.
        public static Delegate? Remove(Delegate? source, Delegate? value)
        {
            if (source is null) return null;
            if (value is null) return source;
            if (source.GetMethodTable() != value.GetMethodTable()) throw new ArgumentException("Delegates must be of the same type.");
            int count = source.InvocationCount, removeCount = value.InvocationCount;
            for (int start = count - removeCount; start >= 0; start--)
            {
                bool match = true;
                for (int k = 0; k < removeCount && match; k++)
                    match = SameTarget(source.EntryAt(start + k), value.EntryAt(k));
                if (!match) continue;
                int remaining = count - removeCount;
                if (remaining == 0) return null;
                if (remaining == 1) return source.EntryAt(start == 0 ? count - 1 : 0);
                var list = new Wrapper[remaining];
                int n = 0;
                for (int i = 0; i < count; i++)
                    if (i < start || i >= start + removeCount) list[n++] = new Wrapper(source.EntryAt(i));
                return source.NewMulticast(list, remaining);
            }
            return source;
        }

        public static Delegate? RemoveAll(Delegate? source, Delegate? value)
        {
            Delegate? previous;
            do
            {
                previous = source;
                source = Remove(source, value);
            }
            while (!ReferenceEquals(previous, source));
            return source;
        }

        private unsafe Delegate NewMulticast(Wrapper[] list, int count)
        {
            Delegate result = Runtime.CompilerServices.Unsafe.As<Delegate>(Runtime.RuntimeImports.NewObject(GetMethodTable()));
            result._firstParameter = result;
            result._helperObject = list;
            result._extraFunctionPointerOrData = count;
            result._functionPointer = GetThunk(MulticastThunk);
            return result;
        }

        // Two single-cast delegates are equal when they call the same code on the same target.
        // Static-method thunks store the delegate itself as _firstParameter, so compare the
        // real target pointer and helper object instead.
        private static bool SameTarget(Delegate a, Delegate b)
        {
            if (a.GetMethodTable() != b.GetMethodTable()) return false;
            bool aSelf = ReferenceEquals(a._firstParameter, a), bSelf = ReferenceEquals(b._firstParameter, b);
            if (aSelf != bSelf) return false;
            if (!aSelf && !ReferenceEquals(a._firstParameter, b._firstParameter)) return false;
            return a._functionPointer == b._functionPointer
                && a._extraFunctionPointerOrData == b._extraFunctionPointerOrData
                && ReferenceEquals(a._helperObject, b._helperObject);
        }

        public override bool Equals(object? obj)
        {
            if (obj is not Delegate other || other.GetMethodTable() != GetMethodTable()) return false;
            if (ReferenceEquals(this, other)) return true;
            int count = InvocationCount;
            if (count != other.InvocationCount) return false;
            if (InvocationList is null) return SameTarget(this, other);
            for (int i = 0; i < count; i++)
                if (!SameTarget(EntryAt(i), other.EntryAt(i))) return false;
            return true;
        }

        public override int GetHashCode() => (int)(nint)GetMethodTable();

        public static bool operator ==(Delegate? d1, Delegate? d2) => d1 is null ? d2 is null : d1.Equals(d2);

        public static bool operator !=(Delegate? d1, Delegate? d2) => !(d1 == d2);
    }

    public abstract class MulticastDelegate : Delegate
    {
        public static bool operator ==(MulticastDelegate? d1, MulticastDelegate? d2) => Equals(d1, d2);

        public static bool operator !=(MulticastDelegate? d1, MulticastDelegate? d2) => !Equals(d1, d2);

        public override bool Equals(object? obj) => base.Equals(obj);

        public override int GetHashCode() => base.GetHashCode();
    }

    public delegate void Action();
    public delegate void Action<in T>(T obj);
    public delegate void Action<in T1, in T2>(T1 arg1, T2 arg2);
    public delegate void Action<in T1, in T2, in T3>(T1 arg1, T2 arg2, T3 arg3);
    public delegate void Action<in T1, in T2, in T3, in T4>(T1 arg1, T2 arg2, T3 arg3, T4 arg4);
    public delegate void Action<in T1, in T2, in T3, in T4, in T5>(T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5);
    public delegate TResult Func<out TResult>();
    public delegate TResult Func<in T, out TResult>(T arg);
    public delegate TResult Func<in T1, in T2, out TResult>(T1 arg1, T2 arg2);
    public delegate TResult Func<in T1, in T2, in T3, out TResult>(T1 arg1, T2 arg2, T3 arg3);
    public delegate TResult Func<in T1, in T2, in T3, in T4, out TResult>(T1 arg1, T2 arg2, T3 arg3, T4 arg4);
    public delegate TResult Func<in T1, in T2, in T3, in T4, in T5, out TResult>(T1 arg1, T2 arg2, T3 arg3, T4 arg4, T5 arg5);
    public delegate bool Predicate<in T>(T obj);
    public delegate int Comparison<in T>(T x, T y);
}
