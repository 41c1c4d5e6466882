using Kernel.Net.Hosted;
using Notes;

// Development mode: key=value arguments stand in for the kernel command line (port=, max_notes=).
return HostedProgram.Run("notes", args, host => NotesService.Start(host));
