using System;
using Kernel.Net.Wire;

namespace Kernel.Net.Phy
{
    /// <summary>Rates of each fault, in parts per million of transmitted frames.</summary>
    public sealed class FaultRates
    {
        public int DropPerMillion { get; set; }
        public int DuplicatePerMillion { get; set; }
        public int ReorderPerMillion { get; set; }
        public int CorruptPerMillion { get; set; }

        public static FaultRates Percent(int drop, int duplicate, int reorder, int corrupt) => new FaultRates
        {
            DropPerMillion = drop * 10_000,
            DuplicatePerMillion = duplicate * 10_000,
            ReorderPerMillion = reorder * 10_000,
            CorruptPerMillion = corrupt * 10_000,
        };
    }

    /// <summary>
    /// Wraps a device and damages what it transmits: drops, duplicates, holds a frame back until
    /// a later one has gone (reorder), or flips one bit (corrupt), at seeded rates so a failing
    /// run replays exactly.
    /// </summary>
    public sealed class FaultInjector : INetworkDevice
    {
        /// <summary>A held-back frame is released after this many receive polls even if nothing else is sent.</summary>
        private const int HoldPolls = 4;
        private readonly INetworkDevice _inner;
        private readonly FaultRates _rates;
        private readonly SeededRandom _random;
        private readonly byte[] _held = new byte[EthernetFrame.MaxFrameLength];
        private readonly byte[] _scratch = new byte[EthernetFrame.MaxFrameLength];
        private readonly byte[] _heldIn = new byte[EthernetFrame.MaxFrameLength];
        private int _heldInLength;
        private int _heldLength;
        private int _heldPolls;

        public FaultInjector(INetworkDevice inner, FaultRates rates, ulong seed)
        {
            _inner = inner;
            _rates = rates;
            _random = new SeededRandom(seed);
        }

        public MacAddress HardwareAddress => _inner.HardwareAddress;

        public int Mtu => _inner.Mtu;

        public long Dropped { get; private set; }

        public long Duplicated { get; private set; }

        public long Reordered { get; private set; }

        public long Corrupted { get; private set; }

        /// <summary>Also damage what arrives (drop and reorder): a real NIC's peer cannot be told to misbehave.</summary>
        public bool DamageReceive { get; set; }

        public int Receive(Span<byte> buffer)
        {
            if (_heldLength > 0 && ++_heldPolls >= HoldPolls) ReleaseHeld();
            while (true)
            {
                int n = _inner.Receive(buffer);
                if (!DamageReceive) return n;
                if (n == 0)
                {
                    if (_heldInLength == 0) return 0;
                    int held = _heldInLength;
                    _heldIn.AsSpan(0, held).CopyTo(buffer);
                    _heldInLength = 0;
                    return held;
                }
                if (_random.Chance(_rates.DropPerMillion)) { Dropped++; continue; }
                if (_heldInLength == 0 && n <= _heldIn.Length && _random.Chance(_rates.ReorderPerMillion))
                {
                    buffer.Slice(0, n).CopyTo(_heldIn);
                    _heldInLength = n;
                    Reordered++;
                    continue;
                }
                return n;
            }
        }

        /// <summary>Damage what is sent (the default); off leaves only <see cref="DamageReceive"/>.</summary>
        public bool DamageTransmit { get; set; } = true;

        public bool Transmit(ReadOnlySpan<byte> frame)
        {
            if (!DamageTransmit) return _inner.Transmit(frame);
            if (_random.Chance(_rates.DropPerMillion)) { Dropped++; return true; }
            ReadOnlySpan<byte> toSend = frame;
            if (_random.Chance(_rates.CorruptPerMillion) && frame.Length > EthernetFrame.HeaderLength && frame.Length <= _scratch.Length)
            {
                frame.CopyTo(_scratch);
                int at = EthernetFrame.HeaderLength + _random.Next(frame.Length - EthernetFrame.HeaderLength);
                _scratch[at] ^= (byte)(1 << _random.Next(8));
                toSend = _scratch.AsSpan(0, frame.Length);
                Corrupted++;
            }
            if (_heldLength == 0 && _random.Chance(_rates.ReorderPerMillion) && toSend.Length <= _held.Length)
            {
                toSend.CopyTo(_held);
                _heldLength = toSend.Length;
                _heldPolls = 0;
                Reordered++;
                return true;
            }
            bool ok = _inner.Transmit(toSend);
            if (_random.Chance(_rates.DuplicatePerMillion)) { _inner.Transmit(toSend); Duplicated++; }
            if (_heldLength > 0) ReleaseHeld();
            return ok;
        }

        private void ReleaseHeld()
        {
            _inner.Transmit(_held.AsSpan(0, _heldLength));
            _heldLength = 0;
        }
    }
}
