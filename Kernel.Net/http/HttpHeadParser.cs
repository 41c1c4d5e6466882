using System;

namespace Kernel.Net.Http
{
    /// <summary>
    /// Incremental, strict parser of a request head (RFC 9112 §2-5): fed the growing input
    /// buffer, it scans only the new bytes, so a head dribbled one byte at a time costs O(n).
    /// It rejects at the first bad byte instead of waiting for the line to end: binary junk,
    /// bare LF, a CR not followed by LF, control characters, whitespace before a colon and
    /// obsolete line folding are 400 at once; a target over the limit is 414, a head over its
    /// byte or field limit 431. Leading empty lines (CRLF) before a request line are skipped
    /// (§2.2). Offsets of the method, target, version and each field are kept for
    /// <see cref="HttpRequest"/>; values are trimmed of surrounding whitespace.
    /// </summary>
    internal sealed class HttpHeadParser
    {
        private const int MaxMethodBytes = 32;
        private const int VersionBytes = 8; // "HTTP/1.1"

        private readonly HttpServerOptions _options;
        private State _state;
        private int _at;

        public HttpHeadParser(HttpServerOptions options)
        {
            _options = options;
            NameStart = new int[options.MaxHeaderCount];
            NameEnd = new int[options.MaxHeaderCount];
            ValueStart = new int[options.MaxHeaderCount];
            ValueEnd = new int[options.MaxHeaderCount];
        }

        private enum State
        {
            Start,
            LeadingLf,
            Method,
            Target,
            Version,
            RequestLineLf,
            LineStart,
            Name,
            Value,
            ValueLf,
            FinalLf,
            Done,
        }

        /// <summary>Bytes of the head including the final CRLF, once complete.</summary>
        public int HeadLength { get; private set; }

        /// <summary>True once any byte of a request (not a leading empty line) arrived.</summary>
        public bool Started => _state != State.Start && _state != State.LeadingLf;

        /// <summary>True once the request line ended.</summary>
        public bool RequestLineDone => _state >= State.LineStart;

        public int MethodStart { get; private set; }

        public int MethodEnd { get; private set; }

        public int TargetStart { get; private set; }

        public int TargetEnd { get; private set; }

        public int VersionStart { get; private set; }

        public int HeaderCount { get; private set; }

        public int[] NameStart { get; }

        public int[] NameEnd { get; }

        public int[] ValueStart { get; }

        public int[] ValueEnd { get; }

        public void Reset()
        {
            _state = State.Start;
            _at = 0;
            HeadLength = 0;
            HeaderCount = 0;
        }

        /// <summary>Scans <paramref name="data"/> (the whole buffer so far, from the request's first byte):
        /// 0 while incomplete, 200 when the head is complete, or the error status.</summary>
        public int Advance(ReadOnlySpan<byte> data)
        {
            int at = _at;
            State state = _state;
            int result;
            int max = _options.MaxHeaderBytes;
            int end = Math.Min(data.Length, max);
            ReadOnlySpan<byte> tokens = TokenChars;
            while (at < data.Length)
            {
                if (at >= max) { result = state == State.Target ? 414 : 431; goto Exit; }
                // Fast paths for the long runs (target, names, values): the per-byte dispatch below
                // costs most under emulation, where the guest often runs.
                if (state == State.Value)
                {
                    while (at < end && IsFieldByte(data[at])) at++;
                    if (at == end) continue;
                }
                else if (state == State.Name)
                {
                    while (at < end && data[at] < 128 && tokens[data[at]] != 0) at++; // IsTokenChar, inlined by hand
                    if (at == end) continue;
                }
                else if (state == State.Target)
                {
                    int targetEnd = Math.Min(end, TargetStart + _options.MaxTargetBytes);
                    while (at < targetEnd && data[at] > 0x20 && data[at] < 0x7f) at++;
                    if (at == end) continue;
                }
                byte b = data[at];
                switch (state)
                {
                    case State.Start:
                        if (b == (byte)'\r') state = State.LeadingLf;
                        else if (IsTokenChar(b))
                        {
                            MethodStart = at;
                            state = State.Method;
                        }
                        else { result = 400; goto Exit; }
                        break;
                    case State.LeadingLf:
                        if (b != (byte)'\n') { result = 400; goto Exit; }
                        state = State.Start;
                        break;
                    case State.Method:
                        if (b == (byte)' ')
                        {
                            MethodEnd = at;
                            TargetStart = at + 1;
                            state = State.Target;
                        }
                        else if (!IsTokenChar(b) || at - MethodStart >= MaxMethodBytes) { result = 400; goto Exit; }
                        break;
                    case State.Target:
                        if (b == (byte)' ')
                        {
                            if (at == TargetStart) { result = 400; goto Exit; }
                            TargetEnd = at;
                            VersionStart = at + 1;
                            state = State.Version;
                        }
                        else if (b <= 0x20 || b >= 0x7f) { result = 400; goto Exit; }
                        else if (at - TargetStart >= _options.MaxTargetBytes) { result = 414; goto Exit; }
                        break;
                    case State.Version:
                        if (b == (byte)'\r')
                        {
                            if (at - VersionStart != VersionBytes) { result = 400; goto Exit; }
                            state = State.RequestLineLf;
                        }
                        else if (b <= 0x20 || b >= 0x7f || at - VersionStart >= VersionBytes) { result = 400; goto Exit; }
                        break;
                    case State.RequestLineLf:
                    case State.ValueLf:
                        if (b != (byte)'\n') { result = 400; goto Exit; }
                        if (state == State.ValueLf) EndValue(data, at);
                        state = State.LineStart;
                        break;
                    case State.LineStart:
                        if (b == (byte)'\r') state = State.FinalLf;
                        else if (IsTokenChar(b))
                        {
                            if (HeaderCount == NameStart.Length) { result = 431; goto Exit; }
                            NameStart[HeaderCount] = at;
                            state = State.Name;
                        }
                        else { result = 400; goto Exit; } // includes SP/HTAB: obsolete line folding (§5.2) is rejected
                        break;
                    case State.Name:
                        if (b == (byte)':')
                        {
                            NameEnd[HeaderCount] = at;
                            ValueStart[HeaderCount] = at + 1;
                            state = State.Value;
                        }
                        else if (!IsTokenChar(b)) { result = 400; goto Exit; } // whitespace before the colon too (§5.1)
                        break;
                    case State.Value:
                        if (b == (byte)'\r') state = State.ValueLf;
                        else if (b < 0x20 && b != (byte)'\t' || b == 0x7f) { result = 400; goto Exit; }
                        break;
                    case State.FinalLf:
                        if (b != (byte)'\n') { result = 400; goto Exit; }
                        at++;
                        HeadLength = at;
                        state = State.Done;
                        result = 200;
                        goto Exit;
                    default:
                        result = 200;
                        goto Exit;
                }
                at++;
            }
            if (at >= max) result = state == State.Target ? 414 : 431;
            else result = state == State.Done ? 200 : 0;
        Exit:
            // Locals in the loop, fields only here: under TCG every field access is an emulated memory access.
            _at = at;
            _state = state;
            return result;
        }

        private void EndValue(ReadOnlySpan<byte> data, int at)
        {
            int start = ValueStart[HeaderCount];
            int end = at - 1; // the CR
            while (start < end && (data[start] == (byte)' ' || data[start] == (byte)'\t')) start++;
            while (end > start && (data[end - 1] == (byte)' ' || data[end - 1] == (byte)'\t')) end--;
            ValueStart[HeaderCount] = start;
            ValueEnd[HeaderCount] = end;
            HeaderCount++;
        }

        /// <summary>field-vchar, SP, HTAB and obs-text (RFC 9110 §5.5).</summary>
        private static bool IsFieldByte(byte b) => b >= 0x20 ? b != 0x7f : b == (byte)'\t';

        /// <summary>tchar of RFC 9110 §5.6.2.</summary>
        internal static bool IsTokenChar(byte b) => b < 128 && TokenChars[b] != 0;

        /// <summary>1 for each ASCII tchar: one load per byte, where a chain of comparisons costs a dozen
        /// emulated instructions under TCG (names and methods go through here byte by byte).</summary>
        private static ReadOnlySpan<byte> TokenChars => new byte[]
        {
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
            0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
            1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
        };
    }
}
