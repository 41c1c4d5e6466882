using System;
using System.Threading.Tasks;
using Kernel.Net.App;

namespace Hello
{
    /// <summary>
    /// One HTTP/1.1 connection, served by one async method: read until a request is complete
    /// (into a fixed 8 KiB buffer: bounded headers), answer it with a prepared response, keep the
    /// connection alive unless asked not to. Awaiting the write is the back-pressure: nothing more
    /// is read while a response waits for send-buffer room.
    /// </summary>
    public sealed class HttpSession
    {
        public const int MaxHeaderBytes = 8192;
        /// <summary>Request bodies are skipped, not stored; anything larger is refused.</summary>
        private const long MaxBodyBytes = 64 * 1024;
        private readonly HelloService _service;
        private readonly byte[] _in = new byte[MaxHeaderBytes];
        private int _inLength;
        private long _bodyToSkip;
        private AsyncConnection? _connection;

        internal HttpSession(HelloService service) => _service = service;

        internal long LastActivity { get; private set; }

        internal async Task ServeAsync(AsyncConnection connection)
        {
            _connection = connection;
            _inLength = 0;
            _bodyToSkip = 0;
            LastActivity = _service.Host.NowNanoseconds;
            while (true)
            {
                PreparedResponse? response = NextResponse(out bool headOnly);
                if (response is null)
                {
                    int n = await connection.ReadAsync(_in.AsMemory(_inLength));
                    if (n == 0) break; // end of stream, reset, or closed by the idle sweep
                    LastActivity = _service.Host.NowNanoseconds;
                    _inLength += n;
                    continue;
                }
                int length = headOnly ? response.HeaderLength : response.Bytes.Length;
                if (!await connection.WriteAsync(response.Bytes.AsMemory(0, length)))
                {
                    connection.Abort();
                    break;
                }
                LastActivity = _service.Host.NowNanoseconds;
                if (response.Close)
                {
                    // Read what is already buffered so the close is a FIN, not a data-loss RST
                    // that could overtake the response.
                    while (connection.TryRead(_in) > 0) { }
                    break;
                }
            }
            connection.Close();
            _connection = null;
            _service.Release(this);
        }

        /// <summary>Idle too long: close, which ends the pending read and so the session.</summary>
        internal void Expire() => _connection?.Close();

        /// <summary>The response to the next complete request in the buffer, or null if more bytes are needed.</summary>
        private PreparedResponse? NextResponse(out bool headOnly)
        {
            headOnly = false;
            HttpResponses r = _service.Responses;
            while (true)
            {
                if (_bodyToSkip > 0)
                {
                    int skip = (int)Math.Min(_bodyToSkip, _inLength);
                    Consume(skip);
                    _bodyToSkip -= skip;
                    if (_bodyToSkip > 0 || _inLength == 0) return null;
                }
                if (_inLength == 0) return null;
                HttpParseResult result = HttpRequestHead.TryParse(_in.AsSpan(0, _inLength), out HttpRequestHead head);
                if (result == HttpParseResult.Incomplete)
                    return _inLength == _in.Length ? r.HeadersTooLarge : null;
                if (result == HttpParseResult.Malformed) return r.BadRequest;
                Consume(head.Length);
                if (head.ContentLength > MaxBodyBytes) return r.BodyTooLarge;
                _bodyToSkip = head.ContentLength;
                if (!head.IsGet && !head.IsHead) return r.MethodNotAllowed;
                headOnly = head.IsHead;
                return head.TargetIsRoot
                    ? (head.KeepAlive ? r.Page : r.PageThenClose)
                    : (head.KeepAlive ? r.NotFound : r.NotFoundThenClose);
            }
        }

        private void Consume(int count)
        {
            if (count <= 0) return;
            _in.AsSpan(count, _inLength - count).CopyTo(_in);
            _inLength -= count;
        }
    }
}
