using System;
using System.IO;
using Summoner.Guest.Packing;

namespace Kernel.Net.Http
{
    public sealed partial class StaticSite
    {
        /// <summary>Hosted stand-in for the image's content: the app's wwwroot/ beside the program (its
        /// project copies it there), packed at start by the same code the SDK's build runs, so the
        /// index, ETags and gzip variants are the guest's. Empty when there is no such folder.</summary>
        public static StaticSite FromImage() => FromDirectory(System.IO.Path.Combine(AppContext.BaseDirectory, "wwwroot"));

        /// <summary>Packs <paramref name="root"/> now (as the SDK's build does) and serves it.</summary>
        public static StaticSite FromDirectory(string root, long maxBytes = 64L * 1024 * 1024)
        {
            if (!Directory.Exists(root)) return Load(Array.Empty<byte>());
            return Load(StaticPacker.Pack(root, maxBytes));
        }
    }
}
