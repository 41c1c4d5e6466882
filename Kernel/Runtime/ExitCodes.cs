namespace Kernel.Runtime
{
    // The guest's exit status as the host sees it through isa-debug-exit (QEMU exits with
    // (code << 1) | 1). Each class of failure has its own code so a test or the orchestrator can
    // tell them apart without parsing the console. Codes stay below 64 so (code << 1) | 1 fits
    // a process exit status.
    public static class ExitCodes
    {
        public const uint Success = 0;
        /// <summary>A program's own "checks failed" status (the kernel never uses it).</summary>
        public const uint Failure = 1;
        /// <summary>The kernel found an inconsistency it cannot continue from (Panic.Fail).</summary>
        public const uint Panic = 3;
        /// <summary>A managed exception that no frame caught (reported by UnhandledException).</summary>
        public const uint UnhandledException = 4;
        /// <summary>The managed heap is full even after a collection.</summary>
        public const uint OutOfMemory = 5;
        /// <summary>The stack ran into its guard page.</summary>
        public const uint StackOverflow = 6;
        /// <summary>A page fault in the unmapped null page (a null dereference).</summary>
        public const uint NullReference = 7;
        /// <summary>Integer division by zero (#DE) or its managed exception.</summary>
        public const uint DivideByZero = 8;
        /// <summary>Any other CPU exception (#GP, #UD, page fault elsewhere, ...).</summary>
        public const uint CpuException = 9;
        /// <summary>The app's settings (Summoner's [service.env], fw_cfg) are missing, malformed or too large.</summary>
        public const uint BadSettings = 10;
    }
}
