using System;
using Kernel.Net.Wire;

namespace Kernel.Net.Phy
{
    /// <summary>Where a <see cref="PcapWriter"/> puts its bytes (a file on the host, serial in the guest).</summary>
    public interface IByteSink
    {
        void Write(ReadOnlySpan<byte> bytes);
    }

    /// <summary>
    /// Wraps a device and records every frame in and out in classic pcap format
    /// (LINKTYPE_ETHERNET, microsecond stamps), so a failing test can be opened in Wireshark.
    /// </summary>
    public sealed class PcapWriter : INetworkDevice
    {
        private readonly INetworkDevice _inner;
        private readonly IByteSink _sink;
        private readonly Func<long> _nanoseconds;
        private readonly byte[] _record = new byte[16];

        public PcapWriter(INetworkDevice inner, IByteSink sink, Func<long> nanoseconds)
        {
            _inner = inner;
            _sink = sink;
            _nanoseconds = nanoseconds;
            Span<byte> header = stackalloc byte[24];
            WriteUInt32(header, 0xA1B2C3D4u);
            header[4] = 2; header[5] = 0; // version 2.4
            header[6] = 4; header[7] = 0;
            WriteUInt32(header.Slice(8), 0);   // thiszone
            WriteUInt32(header.Slice(12), 0);  // sigfigs
            WriteUInt32(header.Slice(16), 65535);
            WriteUInt32(header.Slice(20), 1);  // LINKTYPE_ETHERNET
            _sink.Write(header);
        }

        public MacAddress HardwareAddress => _inner.HardwareAddress;

        public int Mtu => _inner.Mtu;

        public int Receive(Span<byte> buffer)
        {
            int n = _inner.Receive(buffer);
            if (n > 0) Record(buffer.Slice(0, n));
            return n;
        }

        public bool Transmit(ReadOnlySpan<byte> frame)
        {
            Record(frame);
            return _inner.Transmit(frame);
        }

        private void Record(ReadOnlySpan<byte> frame)
        {
            long us = _nanoseconds() / 1000;
            WriteUInt32(_record, (uint)(us / 1_000_000));
            WriteUInt32(_record.AsSpan(4), (uint)(us % 1_000_000));
            WriteUInt32(_record.AsSpan(8), (uint)frame.Length);
            WriteUInt32(_record.AsSpan(12), (uint)frame.Length);
            _sink.Write(_record);
            _sink.Write(frame);
        }

        private static void WriteUInt32(Span<byte> destination, uint value)
        {
            destination[0] = (byte)value;
            destination[1] = (byte)(value >> 8);
            destination[2] = (byte)(value >> 16);
            destination[3] = (byte)(value >> 24);
        }
    }
}
