using Hello;
using Kernel.Net.Hosted;

// Development mode: key=value arguments stand in for the kernel command line (port=, name=, bind=).
return HostedProgram.Run("hello", args, host => HelloService.Start(host));
