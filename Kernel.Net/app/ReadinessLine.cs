namespace Kernel.Net.App
{
    /// <summary>The one line the host-side summoner waits for: <c>summoner: ready tcp/80 in 12.3 ms</c>.</summary>
    public static class ReadinessLine
    {
        public const string Prefix = "summoner: ready tcp/";

        /// <summary>Formats with one decimal using integers only (the guest has no floating-point formatting).</summary>
        public static string Format(ushort port, long nanoseconds)
        {
            long tenths = nanoseconds / 100_000;
            return Prefix + port.ToString() + " in " + (tenths / 10).ToString() + "." + (tenths % 10).ToString() + " ms";
        }
    }
}
