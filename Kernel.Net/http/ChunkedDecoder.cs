using System;

namespace Kernel.Net.Http
{
    /// <summary>
    /// Decodes a chunked request body (RFC 9112 §7.1) incrementally into a buffer. Strict like the
    /// head parser: a size that is not hex, a missing CRLF after data, a bare LF, or control bytes
    /// are 400; a decoded total over the limit is 413. Chunk extensions and trailer fields are
    /// checked for shape, bounded, and dropped.
    /// </summary>
    internal sealed class ChunkedDecoder
    {
        private const int MaxSizeDigits = 8; // 4 GiB - 1: far above any configured body limit
        private const int MaxLineBytes = 4096; // a chunk-size line with its extensions, or one trailer line

        private State _state;
        private long _remaining;
        private int _digits;
        private int _lineBytes;
        private int _trailerBytes;

        private enum State
        {
            Size,
            Extension,
            SizeLf,
            Data,
            DataCr,
            DataLf,
            TrailerStart,
            Trailer,
            TrailerLf,
            FinalLf,
            Done,
        }

        public bool IsDone => _state == State.Done;

        public void Reset()
        {
            _state = State.Size;
            _remaining = 0;
            _digits = 0;
            _lineBytes = 0;
            _trailerBytes = 0;
        }

        /// <summary>Consumes from <paramref name="input"/>, appending data to <paramref name="body"/>. Returns the
        /// bytes consumed; <paramref name="status"/> is 0 (go on), 200 (done) or the error status.</summary>
        public int Decode(ReadOnlySpan<byte> input, ByteBuffer body, int maxBody, int maxTrailerBytes, out int status)
        {
            status = 0;
            int i = 0;
            while (i < input.Length)
            {
                if (_state == State.Data)
                {
                    int n = (int)Math.Min(_remaining, input.Length - i);
                    body.Append(input.Slice(i, n));
                    i += n;
                    _remaining -= n;
                    if (_remaining == 0) _state = State.DataCr;
                    continue;
                }
                byte b = input[i++];
                switch (_state)
                {
                    case State.Size:
                        int d = HexValue(b);
                        if (d >= 0)
                        {
                            if (++_digits > MaxSizeDigits) { status = 413; return i; }
                            _remaining = _remaining * 16 + d;
                        }
                        else if (_digits == 0) { status = 400; return i; }
                        else if (b == (byte)'\r') _state = State.SizeLf;
                        else if (b == (byte)';' || b == (byte)' ' || b == (byte)'\t') _state = State.Extension;
                        else { status = 400; return i; }
                        if (_state != State.Size) _lineBytes = 0;
                        break;
                    case State.Extension:
                        if (b == (byte)'\r') _state = State.SizeLf;
                        else if (b < 0x20 && b != (byte)'\t' || b == 0x7f || ++_lineBytes > MaxLineBytes) { status = 400; return i; }
                        break;
                    case State.SizeLf:
                        if (b != (byte)'\n') { status = 400; return i; }
                        if (body.Length + _remaining > maxBody) { status = 413; return i; }
                        _digits = 0;
                        _state = _remaining == 0 ? State.TrailerStart : State.Data;
                        break;
                    case State.DataCr:
                        if (b != (byte)'\r') { status = 400; return i; }
                        _state = State.DataLf;
                        break;
                    case State.DataLf:
                        if (b != (byte)'\n') { status = 400; return i; }
                        _state = State.Size;
                        break;
                    case State.TrailerStart:
                        if (b == (byte)'\r') _state = State.FinalLf;
                        else if (HttpHeadParser.IsTokenChar(b)) _state = State.Trailer;
                        else { status = 400; return i; }
                        break;
                    case State.Trailer:
                        if (b == (byte)'\r') _state = State.TrailerLf;
                        else if (b < 0x20 && b != (byte)'\t' || b == 0x7f) { status = 400; return i; }
                        break;
                    case State.TrailerLf:
                        if (b != (byte)'\n') { status = 400; return i; }
                        _state = State.TrailerStart;
                        break;
                    case State.FinalLf:
                        if (b != (byte)'\n') { status = 400; return i; }
                        _state = State.Done;
                        status = 200;
                        return i;
                    default:
                        status = 200;
                        return i - 1;
                }
                if (_state >= State.TrailerStart && ++_trailerBytes > maxTrailerBytes) { status = 431; return i; }
            }
            return i;
        }

        private static int HexValue(byte b)
        {
            if (b >= (byte)'0' && b <= (byte)'9') return b - '0';
            if (b >= (byte)'a' && b <= (byte)'f') return b - 'a' + 10;
            if (b >= (byte)'A' && b <= (byte)'F') return b - 'A' + 10;
            return -1;
        }
    }
}
