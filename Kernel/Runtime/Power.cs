namespace Kernel.Runtime
{
    public static class Power
    {
        /// <summary>Powers the VM off; the host sees <paramref name="code"/> (see ExitCodes).</summary>
        public static void Exit(uint code)
        {
            Native.Exit(code);
        }
    }
}
