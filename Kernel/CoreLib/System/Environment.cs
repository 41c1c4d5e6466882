namespace System
{
    // The guest is one process with one thread on one CPU.
    public static class Environment
    {
        public static string NewLine => "\n";

        public static int CurrentManagedThreadId => 1;

        public static int ProcessorCount => 1;

        public static bool Is64BitProcess => true;
    }
}
