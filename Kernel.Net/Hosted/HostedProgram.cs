using Kernel.Net.App;

namespace Kernel.Net.Hosted;

/// <summary>
/// The whole Main of an app's hosted (development) build: key=value arguments stand in for the
/// kernel command line (port=, bind=, and the app's own keys), Ctrl-C stops the loop, and bad
/// settings or a port that cannot be bound end the process with a message saying what to do.
/// </summary>
public static class HostedProgram
{
    /// <summary>Runs <paramref name="start"/> on a <see cref="SocketServiceHost"/>; returns the exit status.</summary>
    public static int Run(string app, string[] args, Action<IServiceHost> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        try
        {
            using var host = new SocketServiceHost(args);
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; host.RequestStop(); };
            Console.WriteLine(app + " from C# (hosted)");
            start(host);
            host.Run();
            return 0;
        }
        catch (SettingException e)
        {
            Console.Error.WriteLine(app + "-hosted: " + e.Message);
            return 2;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(app + "-hosted: " + e.Message);
            return 2;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            Console.Error.WriteLine(app + "-hosted: cannot listen: " + e.Message + " (pick another port=, or run as root for ports below 1024)");
            return 1;
        }
    }
}
