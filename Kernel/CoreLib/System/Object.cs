using Internal.Runtime;

namespace System
{
    // The layout is fixed by ILCompiler: the first field of every object is its MethodTable.
    public unsafe class Object
    {
#pragma warning disable CS0649, IDE0044
        internal MethodTable* m_pEEType;
#pragma warning restore CS0649, IDE0044

        public Object() { }

        ~Object() { }

        public virtual bool Equals(object? obj) => ReferenceEquals(this, obj);

        public virtual int GetHashCode() => (int)(nuint)Runtime.CompilerServices.RuntimeHelpers.GetObjectAddress(this);

        public virtual string? ToString() => "System.Object";

        public static bool ReferenceEquals(object? a, object? b) => a == b;

        internal MethodTable* GetMethodTable() => m_pEEType;
    }
}
