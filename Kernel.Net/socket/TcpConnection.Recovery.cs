using System;
using Kernel.Net.Wire;
using static Kernel.Net.Sockets.SequenceNumber;

namespace Kernel.Net.Sockets
{
    /// <summary>
    /// Loss recovery of a <see cref="TcpConnection"/>, kept apart from the RFC 9293 state machine:
    /// RTT estimation and the retransmission timer (RFC 6298), fast retransmit and NewReno recovery
    /// (RFC 5681, 6582), early retransmit (RFC 5827) and tail loss probes (RFC 8985).
    /// </summary>
    public sealed partial class TcpConnection
    {
        private void OnDuplicateAck(long now, IIpv4Output output)
        {
            _dupAcks++;
            if (_dupAcks == DuplicateThreshold() && !_inRecovery)
            {
                // Fast retransmit (RFC 5681 3.2).
                uint flight = _sndMax - _sndUna;
                _ssthresh = Math.Max(flight / 2, (uint)(2 * _sendMss));
                _recover = _sndMax;
                _inRecovery = true;
                FastRetransmits++;
                RetransmitFirst(now, output);
                _cwnd = _ssthresh + (uint)(3 * _sendMss);
            }
            else if (_dupAcks > 3 && _inRecovery)
            {
                _cwnd += (uint)_sendMss;
            }
        }

        /// <summary>Three, or fewer when fewer than four segments are out and nothing new can be sent
        /// (early retransmit, RFC 5827): a small flight cannot produce three duplicates.</summary>
        private int DuplicateThreshold()
        {
            int outstanding = (int)((_sndMax - _sndUna + (uint)_sendMss - 1) / (uint)_sendMss);
            bool newDataCanGo = _send.Count > (int)(_sndMax - _sendBufferSeq) && (long)Math.Min(_sndWnd, _cwnd) > (long)(_sndMax - _sndUna);
            return outstanding < 4 && !newDataCanGo ? Math.Max(1, outstanding - 1) : 3;
        }

        /// <summary>Tail loss probe (RFC 8985 7): when a flight goes quiet for two smoothed RTTs, resend
        /// its last segment so a lost tail is repaired (or reveals a hole) without waiting for the RTO.</summary>
        private void SendTailLossProbe(long now, IIpv4Output output)
        {
            _tlpSent = true;
            uint dataEnd = _sendBufferSeq + (uint)_send.Count;
            bool fin = _finQueued && _sndMax == dataEnd + 1;
            if (!fin && Lt(_sndMax, dataEnd)) dataEnd = _sndMax; // probe only what was sent: the peer may ACK no further
            int unacked = (int)(dataEnd - _sndUna);
            uint start = unacked > _sendMss ? dataEnd - (uint)_sendMss : _sndUna;
            if (Lt(start, _sendBufferSeq)) start = _sendBufferSeq;
            int len = (int)(dataEnd - start);
            if (len <= 0 && !fin) return;
            if (len < 0) len = 0;
            Retransmissions++;
            TailLossProbes++;
            Emit(output, start, TcpFlags.Ack | (fin ? TcpFlags.Fin : 0), (int)(start - _sendBufferSeq), len, false);
        }

        private void ArmTailLossProbe(long now)
        {
            if (_tlpSent || !_hasRttSample || _sndMax == _sndUna || !IsSynchronized) return;
            long pto = now + Math.Max(2 * _srtt, 10_000_000);
            if (pto < _retransmitAt) _probeAt = pto;
        }

        private void RetransmitFirst(long now, IIpv4Output output)
        {
            int len = Math.Min(_send.Count, _sendMss);
            bool fin = _finQueued && len == _send.Count;
            if (len == 0 && !fin) return;
            _timing = false; // Karn: never time a retransmitted segment
            Retransmissions++;
            Emit(output, _sndUna, TcpFlags.Ack | (fin ? TcpFlags.Fin : 0), 0, len, false);
            _retransmitAt = now + _rto;
        }

        private void SampleRtt(long now, uint ack)
        {
            if (!_timing || !Gt(ack, _timedSeq)) return;
            _timing = false;
            long r = now - _timedAt;
            if (!_hasRttSample)
            {
                _srtt = r;
                _rttvar = r / 2;
                _hasRttSample = true;
            }
            else
            {
                long delta = _srtt > r ? _srtt - r : r - _srtt;
                _rttvar = (3 * _rttvar + delta) / 4;
                _srtt = (7 * _srtt + r) / 8;
            }
            _rto = ComputeRto();
        }

        private long ComputeRto() => Math.Clamp(_srtt + Math.Max(1_000_000, 4 * _rttvar), _config.MinRetransmitTimeout, _config.MaxRetransmitTimeout);

        /// <summary>RFC 6298 5.4-5.7: back off and go back to the first unacknowledged byte.
        /// False when the connection has been given up.</summary>
        private bool OnRetransmitTimeout()
        {
            _retransmitAt = Never;
            _probeAt = Never;
            Timeouts++;
            int limit = State == TcpState.SynSent ? _config.MaxSynRetransmissions
                : State == TcpState.SynReceived ? (Listener is not null ? _config.MaxSynAckRetransmissions : _config.MaxSynRetransmissions)
                : _config.MaxRetransmissions;
            if (++_retries > limit)
            {
                if (State == TcpState.SynReceived && Listener is not null) _stack.Counters.HalfOpenExpired++;
                ToClosed(TcpError.TimedOut);
                return false;
            }
            // A lost zero-window probe says nothing about congestion.
            if (_sndWnd != 0 || !IsSynchronized)
            {
                uint flight = _sndMax - _sndUna;
                _ssthresh = Math.Max(flight / 2, (uint)(2 * _sendMss));
                _cwnd = (uint)_sendMss;
            }
            _inRecovery = false;
            _dupAcks = 0;
            _timing = false;
            _sndNxt = _sndUna;
            _rto = Math.Min(_rto * 2, _config.MaxRetransmitTimeout);
            return true;
        }
    }
}
