#if GUEST
using System;
using System.Runtime.CompilerServices;
using Kernel.Net.Phy;
using Kernel.Net.Wire;
using Kernel.Runtime;

namespace Kernel.Net.Virtio
{
    /// <summary>
    /// virtio-net over virtio-mmio, modern interface (virtio 1.x: MMIO version 2, VIRTIO_F_VERSION_1)
    /// and, because QEMU's transport is legacy unless told otherwise, legacy (version 1) too;
    /// split virtqueues: queue 0 receives into buffers posted in advance, queue 1 transmits from a
    /// ring of buffers reclaimed as the device reports them used. Descriptor tables, rings and
    /// buffers come from PhysicalMemory (identity-mapped, so addresses are DMA addresses).
    /// </summary>
    public sealed unsafe class VirtioMmioNet : INetworkDevice
    {
        private const uint Magic = 0x74726976; // "virt"
        private const int RegMagic = 0x000, RegVersion = 0x004, RegDeviceId = 0x008;
        private const int RegDeviceFeatures = 0x010, RegDeviceFeaturesSel = 0x014;
        private const int RegDriverFeatures = 0x020, RegDriverFeaturesSel = 0x024;
        private const int RegQueueSel = 0x030, RegQueueNumMax = 0x034, RegQueueNum = 0x038, RegQueueReady = 0x044;
        private const int RegQueueNotify = 0x050, RegInterruptStatus = 0x060, RegInterruptAck = 0x064, RegStatus = 0x070;
        private const int RegQueueDescLow = 0x080, RegQueueDescHigh = 0x084, RegQueueDriverLow = 0x090, RegQueueDriverHigh = 0x094;
        private const int RegQueueDeviceLow = 0x0a0, RegQueueDeviceHigh = 0x0a4, RegConfig = 0x100;
        private const uint StatusAcknowledge = 1, StatusDriver = 2, StatusDriverOk = 4, StatusFeaturesOk = 8;
        private const int FeatureMac = 5;        // VIRTIO_NET_F_MAC
        private const int FeatureVersion1 = 32;  // VIRTIO_F_VERSION_1
        private const ushort DescWrite = 2;
        /// <summary>virtio_net_hdr for VERSION_1 (with num_buffers): 12 bytes in front of every frame.</summary>
        private const int NetHeader = 12;
        private const int BufferSize = 2048;
        private const int QueueSize = 128;

        private const int RegLegacyGuestPageSize = 0x028, RegLegacyQueueAlign = 0x03c, RegLegacyQueuePfn = 0x040;
        /// <summary>Legacy devices without VIRTIO_NET_F_MRG_RXBUF use the 10-byte header (no num_buffers).</summary>
        private const int LegacyNetHeader = 10;
        private readonly nint _base;
        private readonly bool _legacy;
        private readonly int _header;
        private readonly Virtqueue _rx;
        private readonly Virtqueue _tx;
        private int _txNext;
        private volatile bool _interrupted;

        private VirtioMmioNet(nint baseAddress, int irq, bool legacy)
        {
            _base = baseAddress;
            _legacy = legacy;
            _header = legacy ? LegacyNetHeader : NetHeader;
            Irq = irq;
            Write(RegStatus, 0); // reset
            Write(RegStatus, StatusAcknowledge);
            Write(RegStatus, StatusAcknowledge | StatusDriver);
            Write(RegDeviceFeaturesSel, 1);
            uint high = Read(RegDeviceFeatures);
            Write(RegDeviceFeaturesSel, 0);
            uint low = Read(RegDeviceFeatures);
            if (!legacy && (high & (1u << (FeatureVersion1 - 32))) == 0)
                Panic.Fail("virtio-net: a version 2 virtio-mmio device without VIRTIO_F_VERSION_1");
            Write(RegDriverFeaturesSel, 0);
            Write(RegDriverFeatures, low & (1u << FeatureMac));
            if (!legacy)
            {
                Write(RegDriverFeaturesSel, 1);
                Write(RegDriverFeatures, 1u << (FeatureVersion1 - 32));
                Write(RegStatus, StatusAcknowledge | StatusDriver | StatusFeaturesOk);
                if ((Read(RegStatus) & StatusFeaturesOk) == 0) Panic.Fail("virtio-net: device refused our feature set (MAC, VERSION_1)");
            }
            else
            {
                Write(RegLegacyGuestPageSize, 4096);
            }

            _rx = SetUpQueue(0);
            _tx = SetUpQueue(1);
            for (int i = 0; i < _rx.Size; i++) _rx.Post(i, BufferSize, DescWrite);
            byte* config = (byte*)(_base + RegConfig);
            ulong mac = 0;
            for (int i = 0; i < 6; i++) mac = (mac << 8) | ReadConfigByte(config + i);
            HardwareAddress = new MacAddress((low & (1u << FeatureMac)) != 0 ? mac : 0x52_54_00_12_34_56UL);
            Write(RegStatus, legacy ? StatusAcknowledge | StatusDriver | StatusDriverOk : StatusAcknowledge | StatusDriver | StatusFeaturesOk | StatusDriverOk);
            Write(RegQueueNotify, 0);
            Interrupts.RegisterIrq(irq, OnInterrupt);
        }

        public MacAddress HardwareAddress { get; }

        public int Mtu => 1500;

        public int Irq { get; }

        /// <summary>Set by the interrupt handler; the event loop clears it when it polls.</summary>
        public bool Interrupted
        {
            get => _interrupted;
            set => _interrupted = value;
        }

        /// <summary>The device at <paramref name="baseAddress"/> if it is a modern virtio-net, else null.</summary>
        public static VirtioMmioNet? Probe(nint baseAddress, int irq)
        {
            if (Read(baseAddress, RegMagic) != Magic || Read(baseAddress, RegDeviceId) != 1) return null;
            uint version = Read(baseAddress, RegVersion);
            if (version != 1 && version != 2) Panic.Fail("virtio-net: unknown virtio-mmio version (expected 1, legacy, or 2)");
            // QEMU's virtio-mmio is legacy unless started with -global virtio-mmio.force-legacy=false.
            return new VirtioMmioNet(baseAddress, irq, version == 1);
        }

        public int Receive(Span<byte> buffer)
        {
            if (!_rx.TryTakeUsed(out int id, out int length)) return 0;
            int n = Math.Min(Math.Max(0, length - _header), buffer.Length);
            new Span<byte>((byte*)_rx.Buffer(id) + _header, n).CopyTo(buffer);
            _rx.Post(id, BufferSize, DescWrite);
            Write(RegQueueNotify, 0);
            return n;
        }

        public bool Transmit(ReadOnlySpan<byte> frame)
        {
            while (_tx.TryTakeUsed(out _, out _)) _tx.InFlight--;
            if (_tx.InFlight == _tx.Size || frame.Length > BufferSize - _header) return false;
            int id = _txNext;
            _txNext = (_txNext + 1) % _tx.Size;
            byte* b = (byte*)_tx.Buffer(id);
            for (int i = 0; i < _header; i++) b[i] = 0;
            frame.CopyTo(new Span<byte>(b + _header, frame.Length));
            _tx.InFlight++;
            _tx.Post(id, _header + frame.Length, 0);
            Write(RegQueueNotify, 1);
            return true;
        }

        private void OnInterrupt()
        {
            uint status = Read(RegInterruptStatus);
            Write(RegInterruptAck, status);
            _interrupted = true;
        }

        private Virtqueue SetUpQueue(int index)
        {
            Write(RegQueueSel, (uint)index);
            uint max = Read(RegQueueNumMax);
            if (max == 0) Panic.Fail("virtio-net: queue missing");
            int size = (int)Math.Min(max, (uint)QueueSize);
            var q = new Virtqueue(size, BufferSize, _legacy);
            Write(RegQueueNum, (uint)size);
            if (_legacy)
            {
                // Legacy (virtio 0.9.5 2.3): one page-aligned area, used ring at the next page boundary.
                Write(RegLegacyQueueAlign, 4096);
                Write(RegLegacyQueuePfn, (uint)((ulong)q.Descriptors >> 12));
                return q;
            }
            Write(RegQueueDescLow, (uint)q.Descriptors);
            Write(RegQueueDescHigh, (uint)((ulong)q.Descriptors >> 32));
            Write(RegQueueDriverLow, (uint)q.Available);
            Write(RegQueueDriverHigh, (uint)((ulong)q.Available >> 32));
            Write(RegQueueDeviceLow, (uint)q.Used);
            Write(RegQueueDeviceHigh, (uint)((ulong)q.Used >> 32));
            Write(RegQueueReady, 1);
            return q;
        }

        private uint Read(int register) => Read(_base, register);

        private void Write(int register, uint value) => Write(_base, register, value);

        // Not inlined: each access stays a real load or store, in program order.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static uint Read(nint baseAddress, int register) => *(uint*)(baseAddress + register);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Write(nint baseAddress, int register, uint value) => *(uint*)(baseAddress + register) = value;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static byte ReadConfigByte(byte* address) => *address;
    }
}
#endif
