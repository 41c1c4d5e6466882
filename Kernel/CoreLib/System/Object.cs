using Internal.Runtime;
using System.Runtime.CompilerServices;

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

        public static bool Equals(object? objA, object? objB)
        {
            if (objA == objB) return true;
            if (objA is null || objB is null) return false;
            return objA.Equals(objB);
        }

        public Type GetType() => new RuntimeType((nint)m_pEEType);

        protected object MemberwiseClone()
        {
            MethodTable* type = m_pEEType;
            object clone = type->HasComponentSize
                ? Runtime.RuntimeImports.NewArray(type, Unsafe.As<Array>(this).Length)
                : Runtime.RuntimeImports.NewObject(type);
            nuint size = type->BaseSize - (nuint)(2 * sizeof(nint));
            if (type->HasComponentSize) size += (nuint)Unsafe.As<Array>(this).Length * type->ComponentSize;
            Buffer.Memmove((byte*)Runtime.CompilerServices.RuntimeHelpers.GetObjectAddress(clone) + sizeof(nint),
                (byte*)Runtime.CompilerServices.RuntimeHelpers.GetObjectAddress(this) + sizeof(nint), size);
            return clone;
        }

        internal MethodTable* GetMethodTable() => m_pEEType;
    }
}
