using System;

namespace Kernel.Runtime
{
    /// <summary>The static content the image was built with (the project's wwwroot/ or
    /// GuestStaticRoot, packed by Kernel/Static/StaticPack.cs into the read-only .static section).
    /// Empty when the project has none.</summary>
    public static unsafe class StaticContent
    {
        public static ReadOnlySpan<byte> Bytes
        {
            get
            {
                nint start = Native.StaticStart();
                return new ReadOnlySpan<byte>((void*)start, (int)(Native.StaticEnd() - start));
            }
        }
    }
}
