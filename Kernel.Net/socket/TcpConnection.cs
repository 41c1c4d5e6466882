using System;
using Kernel.Net.Wire;
using static Kernel.Net.Sockets.SequenceNumber;

namespace Kernel.Net.Sockets
{
    /// <summary>
    /// One TCP connection, RFC 9293 read top to bottom: segment arrival (3.10.7) in
    /// <see cref="Process"/>, segment departure in <see cref="Dispatch"/>, user calls (3.10.1-6)
    /// as public methods. Loss recovery (RFC 6298 timer, RFC 5681/6582 fast retransmit and NewReno,
    /// RFC 5827 early retransmit, RFC 8985 tail loss probes) is in TcpConnection.Recovery.cs.
    /// No window scaling: windows are at most 64 KiB.
    /// Buffers are fixed at creation, so a slow reader pushes back on the sender (window) and a
    /// fast writer gets short writes, instead of anything growing.
    /// </summary>
    public sealed partial class TcpConnection
    {
        internal const long Never = long.MaxValue;
        private const int DefaultMss = 536;
        private readonly TcpStack _stack;
        private readonly TcpConfig _config;
        private readonly ByteRing _send;
        private readonly ByteRing _receive;
        private readonly Assembler _assembler = new Assembler();

        // Send sequence space (3.3.1). _sndMax is the highest sequence sent, kept apart from
        // _sndNxt because a retransmission timeout rewinds _sndNxt (go-back-N).
        private uint _iss, _sndUna, _sndNxt, _sndMax, _sndWnd, _sndWl1, _sndWl2;
        // Sequence number of the first byte in _send.
        private uint _sendBufferSeq;
        private bool _finQueued, _resetPending;

        // Receive sequence space.
        private uint _irs, _rcvNxt, _advertisedRightEdge;
        private bool _peerFinKnown, _peerFinReceived;
        private uint _peerFinSeq;
        private bool _ackPending, _ackNow;
        private int _unackedSegments;

        private int _sendMss;
        private uint _cwnd, _ssthresh, _recover;
        private int _dupAcks;
        private bool _inRecovery;

        // RFC 6298 state: smoothed RTT and variance in nanoseconds, one timed segment (Karn).
        private long _srtt, _rttvar, _rto;
        private bool _hasRttSample, _timing;
        private uint _timedSeq;
        private long _timedAt;
        private long _retransmitAt = Never, _persistAt = Never, _timeWaitUntil = Never, _probeAt = Never;
        private bool _tlpSent;
        private int _retries;
        private bool _probeDue;
        private bool _writeBlocked;
        // When the peer last moved the connection forward (sent new data, or acknowledged ours):
        // the stack evicts the connection stalled longest when it needs room.
        private long _lastProgress;

        internal TcpConnection(TcpStack stack, TcpConfig config)
        {
            _stack = stack;
            _config = config;
            _send = new ByteRing(config.SendBufferBytes);
            _receive = new ByteRing(config.ReceiveBufferBytes);
        }

        public TcpState State { get; private set; }

        public TcpError Error { get; private set; }

        public Ipv4Address LocalAddress { get; private set; }

        public Ipv4Address RemoteAddress { get; private set; }

        public ushort LocalPort { get; private set; }

        public ushort RemotePort { get; private set; }

        /// <summary>Bytes the application can read now.</summary>
        public int BytesAvailable => _receive.Count;

        /// <summary>A Read now returns data or the end of the stream (not 0): poll this, or wait for the host's readable event.</summary>
        public bool CanRead => _receive.Count > 0 || _peerFinReceived || State == TcpState.Closed;

        /// <summary>A Write now queues at least one byte.</summary>
        public bool CanWrite => !_finQueued && _send.Free > 0
            && (State == TcpState.SynSent || State == TcpState.SynReceived || State == TcpState.Established || State == TcpState.CloseWait);

        /// <summary>Gone for good (closed, reset, timed out or evicted; <see cref="Error"/> says which).</summary>
        public bool IsClosed => State == TcpState.Closed;

        /// <summary>Room in the send buffer.</summary>
        public int SendSpace => _finQueued ? 0 : _send.Free;

        /// <summary>Bytes written but not yet acknowledged by the peer.</summary>
        public int BytesUnacknowledged => _send.Count;

        /// <summary>Segments this connection retransmitted (timeouts and fast retransmits).</summary>
        public long Retransmissions { get; private set; }

        public long RetransmitTimeoutNanoseconds => _rto;

        /// <summary>Retransmission timer expiries (RFC 6298) and fast retransmits (RFC 5681), for diagnosis.</summary>
        public long Timeouts { get; private set; }

        public long FastRetransmits { get; private set; }

        public long TailLossProbes { get; private set; }

        // Event flags the socket host reads and clears to call the application back.
        internal bool ReadableEvent, WritableEvent, ClosedEvent;
        internal bool AppOwned, InAcceptQueue;
        internal TcpListener? Listener;

        internal uint ReceiveNext => _rcvNxt;

        /// <summary>The peer's SYN and FIN are all it sent: nothing between them (a readiness probe).</summary>
        internal bool PeerClosedWithoutData => _peerFinReceived && _rcvNxt - _irs == 2;

        /// <summary>The peer sent at least one byte of data (read or not).</summary>
        internal bool PeerSentData => IsSynchronized && _rcvNxt - _irs > (_peerFinReceived ? 2u : 1u);

        internal long TimeWaitUntil => _timeWaitUntil;

        internal long LastProgress => _lastProgress;

        internal bool IsSynchronized => State != TcpState.Closed && State != TcpState.Listen && State != TcpState.SynSent;

        // ---------------------------------------------------------------- opening

        internal void ResetForReuse()
        {
            _send.Clear();
            _receive.Clear();
            _assembler.Clear();
            State = TcpState.Closed;
            Error = TcpError.None;
            _finQueued = _resetPending = _peerFinKnown = _peerFinReceived = _ackPending = _ackNow = false;
            _unackedSegments = 0;
            _inRecovery = _timing = _hasRttSample = _probeDue = _writeBlocked = false;
            _dupAcks = _retries = 0;
            _retransmitAt = _persistAt = _timeWaitUntil = Never;
            _rto = _config.InitialRetransmitTimeout;
            _srtt = _rttvar = 0;
            ReadableEvent = WritableEvent = ClosedEvent = false;
            AppOwned = InAcceptQueue = false;
            Listener = null;
            Retransmissions = Timeouts = FastRetransmits = TailLossProbes = 0;
            _probeAt = Never;
            _tlpSent = false;
        }

        private void InitCommon(long now, Ipv4Address local, ushort localPort, Ipv4Address remote, ushort remotePort, uint iss)
        {
            ResetForReuse();
            _lastProgress = now;
            LocalAddress = local;
            LocalPort = localPort;
            RemoteAddress = remote;
            RemotePort = remotePort;
            _iss = iss;
            _sndUna = iss;
            _sndNxt = iss;
            _sndMax = iss;
            _sendBufferSeq = iss + 1;
            _sendMss = DefaultMss;
            _cwnd = (uint)(2 * _stack.OurMss);
            _ssthresh = 65535;
        }

        /// <summary>LISTEN received a SYN (3.10.7.2): remember the peer, answer SYN-ACK from Dispatch.</summary>
        internal void InitPassive(long now, TcpListener listener, Ipv4Address local, Ipv4Address remote, TcpSegment syn, uint iss)
        {
            InitCommon(now, local, syn.DestinationPort, remote, syn.SourcePort, iss);
            Listener = listener;
            listener.HalfOpen++;
            State = TcpState.SynReceived;
            _irs = syn.SequenceNumber;
            _rcvNxt = _irs + 1;
            _sndWnd = syn.WindowSize;
            _sndWl1 = syn.SequenceNumber;
            _sndWl2 = _iss;
            TakePeerMss(syn);
        }

        /// <summary>LISTEN received the ACK of a SYN-ACK it answered with cookie <paramref name="iss"/>
        /// (RFC 4987 3.6): SYN-RECEIVED as if that SYN-ACK had been sent from here, so processing the
        /// ACK next makes it ESTABLISHED. The MSS comes from the cookie; the peer's window from the ACK.</summary>
        internal void InitFromCookie(long now, TcpListener listener, Ipv4Address local, Ipv4Address remote, TcpSegment ack, uint iss, int mss)
        {
            InitCommon(now, local, ack.DestinationPort, remote, ack.SourcePort, iss);
            Listener = listener;
            listener.HalfOpen++;
            State = TcpState.SynReceived;
            _irs = ack.SequenceNumber - 1;
            _rcvNxt = ack.SequenceNumber;
            _advertisedRightEdge = _rcvNxt + (uint)ReceiveWindow();
            _sndNxt = _sndMax = iss + 1;
            _sndWl1 = _irs;
            _sndWl2 = iss;
            _sendMss = Math.Min(mss, _stack.OurMss);
            _cwnd = (uint)(2 * _sendMss);
        }

        /// <summary>OPEN call, active (3.10.1): the SYN goes out from Dispatch.</summary>
        internal void InitActive(long now, Ipv4Address local, ushort localPort, Ipv4Address remote, ushort remotePort, uint iss)
        {
            InitCommon(now, local, localPort, remote, remotePort, iss);
            State = TcpState.SynSent;
            AppOwned = true;
        }

        private void TakePeerMss(TcpSegment syn)
        {
            int mss = syn.MaximumSegmentSize;
            _sendMss = Math.Min(mss == 0 ? DefaultMss : mss, _stack.OurMss);
            _cwnd = (uint)(2 * _sendMss);
        }

        // ---------------------------------------------------------------- user calls

        /// <summary>RECEIVE: copies buffered data. Returns the byte count, 0 when nothing is buffered
        /// yet, -1 at end of stream (peer's FIN consumed, or the connection is gone).</summary>
        public int Read(Span<byte> buffer)
        {
            int n = _receive.Dequeue(buffer);
            if (n > 0)
            {
                // Window update (3.8.6.2.2): tell the peer only once the window has grown usefully.
                uint rightEdge = _rcvNxt + (uint)ReceiveWindow();
                if ((int)(rightEdge - _advertisedRightEdge) >= Math.Min(_receive.Capacity / 2, _stack.OurMss)) _ackPending = true;
                return n;
            }
            return _peerFinReceived || State == TcpState.Closed ? -1 : 0;
        }

        /// <summary>SEND: queues as much as fits. Returns the count queued (less than asked means the
        /// buffer is full: wait for writability), or -1 if this side can no longer send.</summary>
        public int Write(ReadOnlySpan<byte> data)
        {
            bool open = State == TcpState.SynSent || State == TcpState.SynReceived || State == TcpState.Established || State == TcpState.CloseWait;
            if (!open || _finQueued) return -1;
            int n = _send.Enqueue(data);
            if (n < data.Length) _writeBlocked = true;
            return n;
        }

        /// <summary>CLOSE: FIN after the queued data. Unread received data makes it an abort (RFC 2525 2.17),
        /// so the peer learns that data was lost. The connection belongs to the stack afterwards.</summary>
        public void Close()
        {
            AppOwned = false;
            if (_receive.Count > 0 && IsSynchronized) { Abort(); return; }
            Shutdown();
        }

        /// <summary>Half close: FIN after the queued data, but keep reading until the peer's FIN.</summary>
        public void Shutdown()
        {
            switch (State)
            {
                case TcpState.SynSent:
                    ToClosed(TcpError.None);
                    break;
                case TcpState.SynReceived:
                    _finQueued = true;
                    break;
                case TcpState.Established:
                    _finQueued = true;
                    State = TcpState.FinWait1;
                    break;
                case TcpState.CloseWait:
                    _finQueued = true;
                    State = TcpState.LastAck;
                    break;
            }
        }

        /// <summary>ABORT: RST to the peer (if it knows us), everything dropped.</summary>
        public void Abort()
        {
            AppOwned = false;
            if (IsSynchronized && State != TcpState.TimeWait) _resetPending = true;
            else ToClosed(TcpError.None);
        }

        // ---------------------------------------------------------------- segment arrival

        /// <summary>The stack needs this connection's slot: RST to the peer (if it knows us) now, and
        /// CLOSED, which the application sees as a reset.</summary>
        internal void Evict(IIpv4Output output)
        {
            if (IsSynchronized && State != TcpState.TimeWait)
                Emit(output, _sndMax, TcpFlags.Rst | TcpFlags.Ack, 0, 0, false);
            ToClosed(TcpError.Evicted);
        }

        /// <summary>SEGMENT ARRIVES for a connection in any state but CLOSED and LISTEN (3.10.7.3-4).</summary>
        internal void Process(long now, TcpSegment seg, IIpv4Output output)
        {
            if (State == TcpState.SynSent) { ProcessSynSent(now, seg, output); return; }

            uint seq = seg.SequenceNumber;
            int segLen = seg.SequenceLength;
            uint wnd = (uint)ReceiveWindow();

            // First: is the segment acceptable, i.e. does it overlap the receive window?
            bool acceptable = segLen == 0
                ? (wnd == 0 ? seq == _rcvNxt : InWindow(seq, _rcvNxt, wnd))
                : wnd != 0 && (InWindow(seq, _rcvNxt, wnd) || InWindow(seq + (uint)segLen - 1, _rcvNxt, wnd));
            if (!acceptable)
            {
                if (seg.Rst) return;
                if (State == TcpState.SynReceived && seg.Syn && seq == _irs) { _sndNxt = _iss; return; } // our SYN-ACK was lost
                if (State == TcpState.TimeWait && seg.Fin) _timeWaitUntil = now + _config.TimeWaitNanoseconds;
                // RFC 9293 3.10.7.4: with a zero receive window nothing is acceptable, "but special
                // allowance should be made to accept valid ACKs". The peer's zero-window probes
                // (seq = RCV.NXT - 1) carry its ACK; dropping that ACK too can leave both sides
                // waiting when the ACKs in between were lost.
                if (wnd == 0 && seg.Ack && !seg.Syn && State != TcpState.SynReceived)
                {
                    uint probeAck = seg.AcknowledgmentNumber;
                    if (Gt(probeAck, _sndUna) && Le(probeAck, _sndMax)) OnNewAck(now, probeAck, output);
                }
                _ackPending = true;
                return;
            }

            // Second: RST. Only an exact match resets; others in the window get a challenge ACK (RFC 5961 3).
            if (seg.Rst)
            {
                if (seq != _rcvNxt) { _ackPending = true; return; }
                ToClosed(TcpError.Reset);
                return;
            }

            // Fourth: a SYN in a synchronized state gets a challenge ACK (RFC 5961 4).
            if (seg.Syn) { _ackPending = true; return; }

            // Fifth: the ACK field.
            if (!seg.Ack) return;
            uint ack = seg.AcknowledgmentNumber;
            if (State == TcpState.SynReceived)
            {
                if (!(Lt(_sndUna, ack) && Le(ack, _sndMax)))
                {
                    _stack.SendReset(output, LocalAddress, RemoteAddress, LocalPort, RemotePort, ack, 0, TcpFlags.Rst);
                    return;
                }
                State = _finQueued ? TcpState.FinWait1 : TcpState.Established;
                if (Listener is not null)
                {
                    Listener.HalfOpen--;
                    Listener.Enqueue(this);
                }
            }
            if (Gt(ack, _sndMax)) { _ackPending = true; return; }
            if (Ge(ack, _sndUna))
            {
                bool windowUnchanged = seg.WindowSize == _sndWnd;
                if (Lt(_sndWl1, seq) || (_sndWl1 == seq && Le(_sndWl2, ack)))
                {
                    _sndWnd = seg.WindowSize;
                    _sndWl1 = seq;
                    _sndWl2 = ack;
                }
                if (Gt(ack, _sndUna)) OnNewAck(now, ack, output);
                else if (seg.Payload.Length == 0 && !seg.Fin && windowUnchanged && _sndMax != _sndUna) OnDuplicateAck(now, output);
                if (_sndWnd > 0) _persistAt = Never;
                else _retries = 0; // the peer is alive and answering our window probes
            }
            if (OurFinAcked)
            {
                if (State == TcpState.FinWait1) State = TcpState.FinWait2;
                else if (State == TcpState.Closing) EnterTimeWait(now);
                else if (State == TcpState.LastAck) { ToClosed(TcpError.None); return; }
            }

            // Seventh: segment text, only while the peer may still send.
            Span<byte> payload = seg.Payload;
            if (payload.Length > 0 && (State == TcpState.Established || State == TcpState.FinWait1 || State == TcpState.FinWait2))
                AcceptData(now, seq, payload);

            // Eighth: FIN. Remember where it sits; it is consumed once every byte before it arrived.
            if (seg.Fin)
            {
                uint finSeq = seq + (uint)payload.Length;
                if (Le(_rcvNxt, finSeq) && (finSeq - _rcvNxt) <= wnd) { _peerFinKnown = true; _peerFinSeq = finSeq; }
                _ackPending = true;
            }
            TryConsumePeerFin(now);

            // RFC 5681 4.2 / RFC 9293 3.8.6.3: acknowledge at once an out-of-order segment (the peer
            // counts duplicate ACKs for fast retransmit), one that fills a hole, or every second
            // full segment; everything else is acknowledged once per poll from Dispatch.
            if (_ackNow || _unackedSegments >= 2) Emit(output, _sndMax, TcpFlags.Ack, 0, 0, false);
        }

        private void ProcessSynSent(long now, TcpSegment seg, IIpv4Output output)
        {
            uint ack = seg.AcknowledgmentNumber;
            if (seg.Ack && (Le(ack, _iss) || Gt(ack, _sndMax)))
            {
                if (!seg.Rst) _stack.SendReset(output, LocalAddress, RemoteAddress, LocalPort, RemotePort, ack, 0, TcpFlags.Rst);
                return;
            }
            if (seg.Rst)
            {
                if (seg.Ack) ToClosed(TcpError.Refused);
                return;
            }
            if (!seg.Syn) return;
            _irs = seg.SequenceNumber;
            _rcvNxt = _irs + 1;
            _sndWnd = seg.WindowSize;
            _sndWl1 = seg.SequenceNumber;
            _sndWl2 = ack;
            TakePeerMss(seg);
            if (seg.Ack)
            {
                SampleRtt(now, ack);
                _sndUna = ack;
                _retries = 0;
                _retransmitAt = Never;
                State = TcpState.Established;
                WritableEvent = true;
            }
            else
            {
                State = TcpState.SynReceived; // simultaneous open: answer SYN-ACK
                _sndNxt = _iss;
            }
            _ackPending = true;
        }

        private void AcceptData(long now, uint seq, Span<byte> payload)
        {
            _ackPending = true;
            int offset = (int)(seq - _rcvNxt);
            if (offset != 0 || _assembler.RangeCount > 0) _ackNow = true;
            else _unackedSegments++;
            if (offset < 0)
            {
                if (-offset >= payload.Length) return;
                payload = payload.Slice(-offset);
                offset = 0;
            }
            int room = _receive.Free - offset;
            if (room <= 0) return;
            if (payload.Length > room) payload = payload.Slice(0, room);
            if (!_assembler.Add(offset, payload.Length)) return; // too many holes: the peer resends
            _receive.WriteUnqueued(offset, payload);
            int ready = _assembler.TakeFront();
            if (ready > 0)
            {
                _receive.Enqueue(ready);
                _rcvNxt += (uint)ready;
                _lastProgress = now;
                ReadableEvent = true;
            }
        }

        private void TryConsumePeerFin(long now)
        {
            if (!_peerFinKnown || _peerFinReceived || _rcvNxt != _peerFinSeq) return;
            _peerFinReceived = true;
            _lastProgress = now;
            _rcvNxt++;
            _ackPending = true;
            ReadableEvent = true;
            switch (State)
            {
                case TcpState.SynReceived:
                case TcpState.Established:
                    State = TcpState.CloseWait;
                    break;
                case TcpState.FinWait1:
                    if (OurFinAcked) EnterTimeWait(now);
                    else State = TcpState.Closing;
                    break;
                case TcpState.FinWait2:
                    EnterTimeWait(now);
                    break;
            }
        }

        private bool OurFinAcked => _finQueued && _send.Count == 0 && _sndUna == _sendBufferSeq + 1;

        private void OnNewAck(long now, uint ack, IIpv4Output output)
        {
            uint acked = ack - _sndUna;
            _lastProgress = now;
            SampleRtt(now, ack);
            int dataAcked = (int)(ack - _sendBufferSeq);
            if (dataAcked > 0)
            {
                int n = Math.Min(dataAcked, _send.Count);
                _send.Discard(n);
                _sendBufferSeq += (uint)n;
                if (_writeBlocked && n > 0) { _writeBlocked = false; WritableEvent = true; }
            }
            _sndUna = ack;
            if (Lt(_sndNxt, ack)) _sndNxt = ack;
            // Forward progress ends the backoff (as Linux does): keeping a doubled RTO until the next
            // clean RTT sample (RFC 6298 5.7) starves a lossy path of retransmissions.
            if (_retries > 0 && _hasRttSample) _rto = ComputeRto();
            _retries = 0;
            _retransmitAt = _sndUna == _sndMax ? Never : now + _rto;
            _tlpSent = false;
            _probeAt = Never;
            ArmTailLossProbe(now);

            // RFC 5681 3.1 growth, RFC 6582 recovery exit or partial-ACK retransmission.
            if (_inRecovery)
            {
                if (Ge(ack, _recover)) { _inRecovery = false; _cwnd = _ssthresh; }
                else
                {
                    RetransmitFirst(now, output);
                    _cwnd = _cwnd > acked ? _cwnd - acked + (uint)_sendMss : (uint)_sendMss;
                }
            }
            else if (_cwnd < _ssthresh) _cwnd += Math.Min(acked, (uint)_sendMss);
            else _cwnd += Math.Max(1u, (uint)(_sendMss * _sendMss) / _cwnd);
            if (_cwnd > 1u << 30) _cwnd = 1u << 30;
            _dupAcks = 0;
        }

        private void EnterTimeWait(long now)
        {
            State = TcpState.TimeWait;
            _timeWaitUntil = now + _config.TimeWaitNanoseconds;
            _retransmitAt = _persistAt = _probeAt = Never;
            ClosedEvent = AppOwned;
        }

        internal void ToClosed(TcpError error)
        {
            if (State == TcpState.SynReceived && Listener is not null) Listener.HalfOpen--;
            State = TcpState.Closed;
            Error = error;
            _retransmitAt = _persistAt = _timeWaitUntil = _probeAt = Never;
            ReadableEvent = true;
            ClosedEvent = true;
        }

        // ---------------------------------------------------------------- segment departure

        /// <summary>Runs due timers and sends whatever the state, windows and buffers allow.</summary>
        internal void Dispatch(long now, IIpv4Output output)
        {
            if (State == TcpState.Closed || State == TcpState.Listen) return;
            if (_resetPending)
            {
                Emit(output, _sndMax, TcpFlags.Rst | TcpFlags.Ack, 0, 0, false);
                ToClosed(TcpError.None);
                return;
            }
            if (State == TcpState.TimeWait)
            {
                if (now >= _timeWaitUntil) { ToClosed(TcpError.None); return; }
                if (_ackPending) Emit(output, _sndMax, TcpFlags.Ack, 0, 0, false);
                return;
            }
            if (now >= _retransmitAt && !OnRetransmitTimeout()) return;
            if (now >= _probeAt)
            {
                _probeAt = Never;
                if (_sndMax != _sndUna) SendTailLossProbe(now, output);
            }
            if (now >= _persistAt) { _persistAt = Never; _probeDue = true; }

            if (State == TcpState.SynSent || State == TcpState.SynReceived)
            {
                if (_sndNxt == _iss)
                {
                    TcpFlags flags = State == TcpState.SynSent ? TcpFlags.Syn : TcpFlags.Syn | TcpFlags.Ack;
                    Emit(output, _iss, flags, 0, 0, true);
                    _sndNxt = _iss + 1;
                    if (Gt(_sndNxt, _sndMax)) _sndMax = _sndNxt;
                    if (!_timing && _retries == 0) { _timing = true; _timedSeq = _iss; _timedAt = now; }
                    if (_retransmitAt == Never) _retransmitAt = now + _rto;
                }
                else if (_ackPending && State == TcpState.SynReceived)
                {
                    Emit(output, _sndMax, TcpFlags.Ack, 0, 0, false);
                }
                return;
            }

            SendData(now, output);
            if (_ackPending) Emit(output, _sndMax, TcpFlags.Ack, 0, 0, false);
        }

        private void SendData(long now, IIpv4Output output)
        {
            // Limited transmit (RFC 3042): the first two duplicate ACKs each let one new segment out,
            // so a small window still produces the three duplicates fast retransmit needs.
            uint limited = _dupAcks > 0 && _dupAcks < 3 ? (uint)(_dupAcks * _sendMss) : 0;
            uint window = Math.Min(_sndWnd, _cwnd + limited);
            while (true)
            {
                int offset = (int)(_sndNxt - _sendBufferSeq);
                int available = Math.Max(0, _send.Count - offset);
                long inFlight = (long)(_sndNxt - _sndUna);
                long room = window - inFlight;
                int len = (int)Math.Min(Math.Min(available, _sendMss), room > 0 ? room : 0);
                if (_probeDue && len == 0 && available > 0 && _sndWnd == 0) len = 1; // zero-window probe (3.8.6.1)
                _probeDue = false;
                // Sender silly-window avoidance (3.8.6.2.1): no runt segment while data is in flight and more waits.
                if (len < _sendMss && len < available && inFlight > 0) len = 0;
                bool fin = _finQueued && offset <= _send.Count && offset + len == _send.Count;
                if (len == 0 && !fin) break;

                TcpFlags flags = TcpFlags.Ack;
                if (len > 0 && offset + len == _send.Count) flags |= TcpFlags.Psh;
                if (fin) flags |= TcpFlags.Fin;
                Emit(output, _sndNxt, flags, offset, len, false);
                uint end = _sndNxt + (uint)len + (fin ? 1u : 0u);
                if (Lt(_sndNxt, _sndMax)) Retransmissions++;
                else if (!_timing) { _timing = true; _timedSeq = _sndNxt; _timedAt = now; }
                _sndNxt = end;
                if (Gt(_sndNxt, _sndMax)) _sndMax = _sndNxt;
                if (_retransmitAt == Never) _retransmitAt = now + _rto;
                if (_probeAt == Never) ArmTailLossProbe(now);
                if (fin) break;
            }
            bool dataWaiting = _send.Count > (int)(_sndNxt - _sendBufferSeq);
            if (_sndWnd == 0 && dataWaiting && _sndNxt == _sndUna && _persistAt == Never && _retransmitAt == Never)
                _persistAt = now + _rto;
        }

        private int ReceiveWindow() => Math.Min(_receive.Free, 65535);

        private void Emit(IIpv4Output output, uint seq, TcpFlags flags, int dataOffset, int dataLength, bool withMss)
        {
            Span<byte> buffer = output.PayloadBuffer;
            int header = withMss ? TcpSegment.HeaderLengthWithMss : TcpSegment.MinHeaderLength;
            var seg = new TcpSegment(buffer.Slice(0, header + dataLength));
            ushort window = (ushort)ReceiveWindow();
            bool ack = (flags & TcpFlags.Ack) != 0;
            seg.WriteHeader(LocalPort, RemotePort, seq, ack ? _rcvNxt : 0, flags, window, withMss ? _stack.OurMss : 0);
            if (dataLength > 0) _send.Peek(dataOffset, buffer.Slice(header, dataLength));
            seg.FillChecksum(LocalAddress, RemoteAddress);
            if (ack)
            {
                _advertisedRightEdge = _rcvNxt + window;
                _ackPending = _ackNow = false;
                _unackedSegments = 0;
            }
            output.Send(RemoteAddress, IpProtocol.Tcp, header + dataLength);
        }

        /// <summary>The earliest time this connection needs Dispatch again (Never if idle).</summary>
        internal long NextDeadline()
        {
            if (_ackPending || _resetPending || _probeDue) return 0;
            if (State == TcpState.SynSent || State == TcpState.SynReceived ? _sndNxt == _iss : false) return 0;
            long d = Math.Min(Math.Min(_retransmitAt, _probeAt), Math.Min(_persistAt, _timeWaitUntil));
            if (IsSynchronized && State != TcpState.TimeWait && HasSendableData()) return 0;
            return d;
        }

        private bool HasSendableData()
        {
            int offset = (int)(_sndNxt - _sendBufferSeq);
            int available = _send.Count - offset;
            bool finUnsent = _finQueued && offset <= _send.Count;
            if (finUnsent && available <= 0) return true;
            if (available <= 0) return false;
            long room = (long)Math.Min(_sndWnd, _cwnd) - (long)(_sndNxt - _sndUna);
            return room > 0 && (room >= _sendMss || available <= room || _sndNxt == _sndUna);
        }
    }
}
