namespace Kernel.Net.Iface
{
    /// <summary>What the interface saw and threw away, so tests and operators can tell why.</summary>
    public sealed class InterfaceCounters
    {
        public long FramesReceived { get; internal set; }
        public long FramesSent { get; internal set; }
        public long TransmitDropped { get; internal set; }
        public long Malformed { get; internal set; }
        public long NotForUs { get; internal set; }
        public long UnknownProtocol { get; internal set; }
        public long FragmentsDropped { get; internal set; }
        public long EchoReplies { get; internal set; }
        public long NoRoute { get; internal set; }
        public long ArpQueueFull { get; internal set; }
        public long ArpUnresolved { get; internal set; }
    }
}
