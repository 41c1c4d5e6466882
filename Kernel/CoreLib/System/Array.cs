namespace System
{
    public abstract class Array
    {
        // Layout fixed by ILCompiler: the element count follows the MethodTable pointer.
#pragma warning disable CS0649, CS0169
        private int _numComponents;
        private int _padding;
#pragma warning restore CS0649, CS0169

        public int Length => _numComponents;
    }

    // ILCompiler's name for the single-dimension zero-based array type T[].
    public class Array<T> : Array { }
}
