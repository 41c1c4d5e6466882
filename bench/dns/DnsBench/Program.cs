using System.Net;
using System.Runtime.InteropServices;
using DnsBench;
using Summoner.Dns;
using Summoner.Dns.Wire;
using Summoner.Dns.Zones;

// dnsbench --print-zone          the benchmark zone as a master file (for NSD)
// dnsbench --listen ADDR:PORT    serve it until SIGINT/SIGTERM, then print the counters
if (args is ["--print-zone"])
{
    Console.Write(BenchZone.ToMasterFile());
    return 0;
}
if (args is not ["--listen", string listen] || !IPEndPoint.TryParse(listen, out var endpoint))
{
    Console.Error.WriteLine("usage: dnsbench --listen 127.0.0.1:5300 | --print-zone");
    return 2;
}
if (!IPAddress.IsLoopback(endpoint.Address))
{
    Console.Error.WriteLine($"dnsbench serves loopback only; {endpoint.Address} is not a loopback address");
    return 2;
}

var server = new DnsServer(new ZoneCatalog([Zone.Create(BenchZone.Definition)]), new ReadyServices(), new DnsServerOptions
{
    Endpoint = endpoint,
    Diagnostics = message => Console.Error.WriteLine(message),
});
server.Start();
Console.WriteLine($"listening on {server.LocalEndpoint}");

var stop = new TaskCompletionSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.TrySetResult(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.TrySetResult(); });
await stop.Task;
await server.StopAsync();

var counters = server.Counters.Snapshot();
Console.WriteLine($"udp {counters.UdpQueries} tcp {counters.TcpQueries} dropped {counters.Dropped} truncated {counters.Truncated} "
    + string.Join(' ', counters.ResponsesByCode.Where(kv => kv.Value > 0).Select(kv => $"{kv.Key} {kv.Value}")));
return 0;
