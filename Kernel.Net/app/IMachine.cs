namespace Kernel.Net.App
{
    /// <summary>What <see cref="StackServiceHost"/> needs from the machine it runs on: the guest
    /// kernel's clock, halt-until-interrupt, command line and serial console (or a test's stand-ins).</summary>
    public interface IMachine
    {
        long NowNanoseconds { get; }

        /// <summary>Sleeps until <paramref name="deadline"/> or until a device interrupt, whichever is first.</summary>
        void WaitUntil(long deadline);

        string? Setting(string key);

        void Log(string line);

        /// <summary>Runs the machine's own due work (guest: kernel timers, which also drive the
        /// core library's task loop: Task.Yield, Task.Delay); returns how many items ran.
        /// Called every loop turn, so that work is not starved while the network keeps the loop busy.</summary>
        int RunPending() => 0;
    }
}
