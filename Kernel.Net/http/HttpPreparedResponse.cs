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

        internal void WriteTo(ByteBuffer output, HttpServer server, bool isHead, bool close, int minorVersion)
        {
            ReadOnlySpan<byte> all = Bytes;
            if (minorVersion == 0) output.Append("HTTP/1.0"u8);
            else output.Append(all.Slice(0, 8));
            output.Append(all.Slice(8, StatusLineLength - 8));
            server.AppendDateHeader(output);
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
    }
}
