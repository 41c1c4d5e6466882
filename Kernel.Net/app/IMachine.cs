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
    }
}
