#if GUEST
using Kernel.Net.App;
using Kernel.Net.Virtio;
using Kernel.Runtime;

namespace Kernel.Net.Guest
{
    /// <summary>The guest kernel as an <see cref="IMachine"/>: TSC clock, the RTC's date, halt until the NIC or a timer interrupts.</summary>
    public sealed class GuestMachine : IMachine, IWallClock
    {
        private readonly VirtioMmioNet _nic;

        public GuestMachine(VirtioMmioNet nic) => _nic = nic;

        public long NowNanoseconds => Clock.Nanoseconds;

        public long UnixSeconds => WallClock.UnixSeconds;

        public void WaitUntil(long deadline)
        {
            EventLoop.RunOnce();
            if (_nic.Interrupted) { _nic.Interrupted = false; return; }
            int timer = deadline == long.MaxValue ? 0 : Timers.Schedule(deadline - Clock.Nanoseconds, Wake);
            EventLoop.WaitForInterrupt();
            if (timer != 0) Timers.Cancel(timer);
            _nic.Interrupted = false;
        }

        private static void Wake()
        {
        }

        public string? Setting(string key) => GuestSettings.Get(key);

        public void Log(string line) => SerialConsole.WriteLine(line);
    }
}
#endif
