using Kernel.Net.Hosted;

// Development mode: key=value arguments (or environment variables) stand in for the guest's settings.
return HostedProgram.Run("__NAME__", args, host => __NAMESPACE__.Service.Start(host));
