namespace Kernel.Net.App
{
    /// <summary>
    /// A host that knows the date: a guest with a real-time clock (<see cref="StackServiceHost"/> on a
    /// machine that has one), or a hosted process. Optional, so hosts and test machines without a
    /// clock need nothing; code that wants the date asks <c>host is IWallClock</c>.
    /// </summary>
    public interface IWallClock
    {
        /// <summary>Unix seconds now; -1 when the host does not know the date.</summary>
        long UnixSeconds { get; }
    }
}
