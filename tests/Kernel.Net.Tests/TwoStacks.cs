using Kernel.Net.Iface;
using Kernel.Net.Phy;
using Kernel.Net.Sockets;
using Kernel.Net.Wire;

namespace Kernel.Net.Tests;

/// <summary>
/// Two interfaces joined by a <see cref="MemoryLink"/> (optionally through fault injectors and a
/// pcap writer) on a virtual clock: each step is 100 µs of link time, and idle stretches jump
/// straight to the next timer, so a minute of retransmission backoff costs nothing.
/// </summary>
internal sealed class TwoStacks : IDisposable
{
    public static readonly Ipv4Address AddressA = new(10, 0, 0, 1);
    public static readonly Ipv4Address AddressB = new(10, 0, 0, 2);
    private const long Tick = 100_000;
    private readonly FileStream? _pcap;

    /// <param name="tcpB">B's configuration when it differs from A's (<paramref name="tcp"/>).</param>
    public TwoStacks(FaultRates? faults = null, ulong seed = 1, TcpConfig? tcp = null, string? pcapPath = null, TcpConfig? tcpB = null)
    {
        Link = new MemoryLink(new MacAddress(0x02_00_00_00_00_01), new MacAddress(0x02_00_00_00_00_02));
        INetworkDevice devA = Link.A, devB = Link.B;
        if (faults is not null)
        {
            FaultsA = new FaultInjector(devA, faults, seed);
            FaultsB = new FaultInjector(devB, faults, seed * 7919 + 1);
            devA = FaultsA;
            devB = FaultsB;
        }
        if (pcapPath is not null)
        {
            _pcap = File.Create(pcapPath);
            devA = new PcapWriter(devA, new StreamSink(_pcap), () => Now);
        }
        A = new EthernetInterface(devA, new InterfaceConfig { Address = AddressA, PrefixLength = 24 }, tcp ?? new TcpConfig(), 11);
        B = new EthernetInterface(devB, new InterfaceConfig { Address = AddressB, PrefixLength = 24 }, tcpB ?? tcp ?? new TcpConfig(), 22);
    }

    public MemoryLink Link { get; }
    public FaultInjector? FaultsA { get; }
    public FaultInjector? FaultsB { get; }
    public EthernetInterface A { get; }
    public EthernetInterface B { get; }
    public long Now { get; private set; }

    /// <summary>Polls both sides once and advances the clock (by a tick, or to the next deadline when idle).</summary>
    public void Step()
    {
        bool any = A.Poll(Now) | B.Poll(Now);
        long next = Math.Min(A.NextDeadline(), B.NextDeadline());
        if (any || Link.A.Pending > 0 || Link.B.Pending > 0 || next <= Now) Now += Tick;
        else if (next == long.MaxValue) Now += Tick;
        else Now = Math.Max(next, Now + Tick);
    }

    /// <summary>Advances the clock like <see cref="Step"/> for callers that poll the stacks themselves.</summary>
    public void AdvanceClock()
    {
        long next = Math.Min(A.NextDeadline(), B.NextDeadline());
        if (Link.A.Pending > 0 || Link.B.Pending > 0 || next <= Now || next == long.MaxValue) Now += Tick;
        else Now = Math.Max(next, Now + Tick);
    }

    /// <summary>Steps until <paramref name="done"/> holds; fails after <paramref name="maxSteps"/>.</summary>
    public void RunUntil(Func<bool> done, int maxSteps = 2_000_000)
    {
        for (int i = 0; i < maxSteps; i++)
        {
            if (done()) return;
            Step();
        }
        throw new TimeoutException($"condition not reached after {maxSteps} steps ({Now / 1_000_000} ms virtual)");
    }

    public void Dispose() => _pcap?.Dispose();

    private sealed class StreamSink(Stream stream) : IByteSink
    {
        public void Write(ReadOnlySpan<byte> bytes) => stream.Write(bytes);
    }
}
