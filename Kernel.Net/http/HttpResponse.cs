using System;
using System.Threading.Tasks;

namespace Kernel.Net.Http
{
    /// <summary>
    /// The response a handler builds. By default it is buffered: set <see cref="Status"/>, add
    /// headers, <see cref="Write(ReadOnlySpan{byte})"/> the body, return; the library adds
    /// Content-Length, Date, Server and Connection, drops the body for HEAD, and sends it (batched
    /// with the other responses of a pipeline). <see cref="WriteChunkAsync"/> instead streams: the
    /// head goes out at once with <c>Transfer-Encoding: chunked</c> (HTTP/1.1; an HTTP/1.0 client
    /// gets the bytes as they come and a close), each call sends one chunk, and the last chunk
    /// follows when the handler returns.
    /// </summary>
    public sealed class HttpResponse
    {
        private const int LargeBody = 16 * 1024;
        private readonly HttpConnection _connection;
        private readonly ByteBuffer _headers = new ByteBuffer(256);
        private ByteBuffer _body = new ByteBuffer(1024);
        private int _status;
        private HttpPreparedResponse? _prepared;
        private ReadOnlyMemory<byte> _external;
        private bool _hasExternal;

        internal HttpResponse(HttpConnection connection) => _connection = connection;

        /// <summary>200 unless set; 1xx is not a handler's to send (the library answers Expect: 100-continue).</summary>
        public int Status
        {
            get => _status;
            set
            {
                if (value < 200 || value > 999) throw new ArgumentOutOfRangeException(nameof(value), "a final status is 200-999");
                if (HeadSent) throw new InvalidOperationException("the head was already sent: set the status before the first chunk");
                _status = value;
            }
        }

        /// <summary>True once the head went out (streaming); from then on status and headers are fixed.</summary>
        public bool HeadSent { get; private set; }

        /// <summary>Body bytes buffered so far.</summary>
        public int BodyLength => _body.Length;

        internal bool Chunked { get; private set; }

        internal bool IsHead { get; set; }

        internal bool Close { get; set; }

        internal int MinorVersion { get; set; }

        /// <summary>Adds a header field. Content-Length, Transfer-Encoding, Date and Connection are the library's.
        /// CR, LF or NUL in a name or value would split the response: they throw.</summary>
        public void AddHeader(string name, string value)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(value);
            if (HeadSent) throw new InvalidOperationException("the head was already sent: add headers before the first chunk");
            if (name.Length == 0) throw new ArgumentException("a header needs a name", nameof(name));
            for (int i = 0; i < name.Length; i++)
            {
                if (name[i] > 127 || !HttpHeadParser.IsTokenChar((byte)name[i])) throw new ArgumentException("header name '" + name + "' is not an HTTP token", nameof(name));
            }
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c > 255 || c < 0x20 && c != '\t' || c == 0x7f) throw new ArgumentException("header " + name + ": the value holds a control character", nameof(value));
            }
            _headers.AppendAscii(name);
            _headers.Append((byte)':');
            _headers.Append((byte)' ');
            _headers.AppendAscii(value);
            _headers.Append((byte)'\r');
            _headers.Append((byte)'\n');
        }

        /// <summary>Answers with <paramref name="prepared"/> (from <see cref="HttpServer.Prepare"/>) instead of
        /// the status, headers and body set on this object.</summary>
        public void Send(HttpPreparedResponse prepared)
        {
            if (HeadSent) throw new InvalidOperationException("this response is streaming: a prepared response cannot follow");
            _prepared = prepared ?? throw new ArgumentNullException(nameof(prepared));
        }

        /// <summary>Answers with <paramref name="body"/> as the whole body, not copied: the caller keeps those
        /// bytes unchanged until the response went out (static content, a prepared blob).</summary>
        public void WriteBody(ReadOnlyMemory<byte> body)
        {
            if (HeadSent) throw new InvalidOperationException("this response is streaming: use WriteChunkAsync");
            if (_body.Length > 0) throw new InvalidOperationException("a body was already written: WriteBody replaces the whole body");
            _external = body;
            _hasExternal = true;
        }

        public void Write(ReadOnlySpan<byte> data)
        {
            if (_hasExternal) throw new InvalidOperationException("the body was set by WriteBody");
            if (HeadSent) throw new InvalidOperationException("this response is streaming: use WriteChunkAsync");
            _body.Append(data);
        }

        /// <summary>Appends text as UTF-8.</summary>
        public void Write(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            int max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
            Span<byte> room = _body.Reserve(max);
            int n = System.Text.Encoding.UTF8.GetBytes(text.AsSpan(), room);
            _body.Shrink(max - n); // the worst case was reserved
        }

        /// <summary>Sends <paramref name="data"/> as one chunk (the head first, on the first call); false once the client is gone.</summary>
        public async ValueTask<bool> WriteChunkAsync(ReadOnlyMemory<byte> data)
        {
            if (!HeadSent)
            {
                Chunked = MinorVersion >= 1;
                if (!Chunked) Close = true; // HTTP/1.0: the close delimits the body
                WriteHead(_connection.Output, -1, _connection.Server.Host.NowNanoseconds);
                HeadSent = true;
                if (_body.Length > 0 && !IsHead) AppendChunk(_body.Span);
                _body.Clear();
            }
            if (data.Length > 0 && !IsHead) AppendChunk(data.Span);
            return await _connection.FlushAsync();
        }

        internal void Begin(int minorVersion, bool isHead, bool close)
        {
            _status = 200;
            _prepared = null;
            _external = default;
            _hasExternal = false;
            _headers.Clear();
            if (_body.Array.Length > 64 * 1024) _body = new ByteBuffer(1024); // let a large body's buffer go
            _body.Clear();
            HeadSent = false;
            Chunked = false;
            MinorVersion = minorVersion;
            IsHead = isHead;
            Close = close;
        }

        /// <summary>After the handler: appends the whole response (or the last chunk) to the output; a large body is
        /// left in place and returned for the connection to send directly, and so is a prepared answer when
        /// <paramref name="direct"/> (nothing queued before it, nothing pipelined after it). <paramref name="now"/>
        /// is the host time for Date.</summary>
        internal ReadOnlyMemory<byte> Finish(ByteBuffer output, long now, bool direct)
        {
            if (HeadSent)
            {
                if (Chunked && !IsHead) output.Append("0\r\n\r\n"u8);
                return default;
            }
            if (_prepared is not null)
            {
                HeadSent = true;
                // The common answer (hello's page under wrk): one rendered array, no copy into the output.
                if (direct && !IsHead && !Close && MinorVersion != 0) return _prepared.Whole(_connection.Server, now);
                _prepared.WriteTo(output, _connection.Server, IsHead, Close, MinorVersion, now);
                return default;
            }
            bool bodyless = _status == 204 || _status == 304;
            if (_hasExternal)
            {
                WriteHead(output, bodyless ? -1 : _external.Length, now);
                HeadSent = true;
                if (IsHead || bodyless || _external.Length == 0) return default;
                if (_external.Length >= LargeBody) return _external;
                output.Append(_external.Span);
                return default;
            }
            WriteHead(output, bodyless ? -1 : _body.Length, now);
            HeadSent = true;
            if (IsHead || bodyless || _body.Length == 0) return default;
            if (_body.Length >= LargeBody) return _body.Memory;
            output.Append(_body.Span);
            return default;
        }

        private void AppendChunk(ReadOnlySpan<byte> data)
        {
            ByteBuffer output = _connection.Output;
            if (!Chunked)
            {
                output.Append(data);
                return;
            }
            output.AppendHex(data.Length);
            output.Append("\r\n"u8);
            output.Append(data);
            output.Append("\r\n"u8);
        }

        /// <summary>Status line and header section; <paramref name="contentLength"/> &lt; 0 means none (204/304, or streaming).</summary>
        private void WriteHead(ByteBuffer output, int contentLength, long now)
        {
            output.Append(MinorVersion == 0 ? "HTTP/1.0 "u8 : "HTTP/1.1 "u8);
            output.AppendDecimal(_status);
            output.Append((byte)' ');
            output.AppendAscii(HttpStatus.Reason(_status));
            output.Append("\r\n"u8);
            _connection.Server.AppendCommonHeaders(output, now);
            output.Append(_headers.Span);
            if (Chunked) output.Append("Transfer-Encoding: chunked\r\n"u8);
            else if (contentLength >= 0 && !(_status == 204 || _status == 304)) AppendContentLength(output, contentLength);
            if (Close) output.Append("Connection: close\r\n"u8);
            else if (MinorVersion == 0) output.Append("Connection: keep-alive\r\n"u8);
            output.Append("\r\n"u8);
        }

        private static void AppendContentLength(ByteBuffer output, int length)
        {
            output.Append("Content-Length: "u8);
            output.AppendDecimal(length);
            output.Append("\r\n"u8);
        }
    }
}
