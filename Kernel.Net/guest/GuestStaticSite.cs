namespace Kernel.Net.Http
{
    public sealed partial class StaticSite
    {
        /// <summary>The static content built into this image (empty without a wwwroot/), copied once into
        /// the heap so responses can send it as managed memory.</summary>
        public static StaticSite FromImage() => Load(Kernel.Runtime.StaticContent.Bytes);
    }
}
