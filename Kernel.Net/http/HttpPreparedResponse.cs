using System;

namespace Kernel.Net.Http
{
    /// <summary>
    /// A whole response rendered once to bytes (<see cref="HttpServer.Prepare"/>), for the answers
    /// an app gives again and again: sending it copies one array, and only Date and Connection
    /// are added per request. Under emulation (TCG) each instruction of the per-request path
    /// counts, so this is how a static page keeps the speed of a hand-written server.
    /// </summary>
    public sealed class HttpPreparedResponse
    {
        internal HttpPreparedResponse(byte[] bytes, int statusLineLength, int headersEnd)
        {
            Bytes = bytes;
            StatusLineLength = statusLineLength;
            HeadersEnd = headersEnd;
        }

        /// <summary>Status line, headers, the blank line, the body.</summary>
        internal byte[] Bytes { get; }

        internal int StatusLineLength { get; }

        /// <summary>Where the blank line ending the headers starts.</summary>
        internal int HeadersEnd { get; }

        internal void WriteTo(ByteBuffer output, HttpServer server, bool isHead, bool close, int minorVersion, long now)
        {
            ReadOnlySpan<byte> all = Bytes;
            if (minorVersion == 0) output.Append("HTTP/1.0"u8);
            else output.Append(all.Slice(0, 8));
            output.Append(all.Slice(8, StatusLineLength - 8));
            server.AppendDateHeader(output, now);
            if (!close && !isHead && minorVersion != 0)
            {
                output.Append(all.Slice(StatusLineLength));
                return;
            }
            output.Append(all.Slice(StatusLineLength, HeadersEnd - StatusLineLength));
            if (close) output.Append("Connection: close\r\n"u8);
            else if (minorVersion == 0) output.Append("Connection: keep-alive\r\n"u8);
            output.Append(isHead ? all.Slice(HeadersEnd, 2) : all.Slice(HeadersEnd));
        }

        private byte[]? _whole;
        private long _wholeSecond;
        private HttpServer? _wholeServer;

        /// <summary>
        /// The whole answer to a keep-alive HTTP/1.1 GET at host time <paramref name="now"/>, Date
        /// included, rendered once per second: the connection sends it as it is, without copying it
        /// into its output first. A new array each second, never rewritten, since a send still
        /// waiting for room may be reading the last one.
        /// </summary>
        internal ReadOnlyMemory<byte> Whole(HttpServer server, long now)
        {
            if (server.DateLine(now) is not byte[] date) return Bytes;
            long second = server.DateSecond;
            if (_whole is null || _wholeSecond != second || !ReferenceEquals(_wholeServer, server))
            {
                var whole = new byte[Bytes.Length + date.Length];
                Bytes.AsSpan(0, StatusLineLength).CopyTo(whole);
                date.AsSpan().CopyTo(whole.AsSpan(StatusLineLength));
                Bytes.AsSpan(StatusLineLength).CopyTo(whole.AsSpan(StatusLineLength + date.Length));
                _whole = whole;
                _wholeSecond = second;
                _wholeServer = server;
            }
            return _whole;
        }
    }
}
