using Echo;
using Kernel.Net.Hosted;

// Development mode: key=value arguments stand in for the kernel command line (port=, bind=).
return HostedProgram.Run("echo", args, host => EchoService.Start(host));
