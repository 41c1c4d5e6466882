using Hello;
using Kernel.Net.Hosted;

// Development mode: key=value arguments stand in for the kernel command line (port=, name=, bind=).
try
{
    using var host = new SocketServiceHost(args);
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; host.RequestStop(); };
    Console.WriteLine("hello from C# (hosted)");
    HelloService.Start(host);
    host.Run();
    return 0;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("hello-hosted: " + e.Message);
    return 2;
}
catch (System.Net.Sockets.SocketException e)
{
    Console.Error.WriteLine("hello-hosted: cannot listen: " + e.Message + " (pick another port=, or run as root for ports below 1024)");
    return 1;
}
