using System;
using Kernel.Net.App;

namespace Hello
{
    /// <summary>
    /// One HTTP/1.1 connection: reads requests into a fixed 8 KiB buffer (bounded headers),
    /// answers them in order with prepared responses, keeps the connection alive unless asked not
    /// to, and stops reading while a response waits for send-buffer room (back-pressure).
    /// </summary>
    public sealed class HttpSession : IConnectionHandler
    {
        public const int MaxHeaderBytes = 8192;
        /// <summary>Request bodies are skipped, not stored; anything larger is refused.</summary>
        private const long MaxBodyBytes = 64 * 1024;
        private readonly HelloService _service;
        private readonly byte[] _in = new byte[MaxHeaderBytes];
        private int _inLength;
        private long _bodyToSkip;
        private PreparedResponse? _pending;
        private int _pendingOffset;
        private int _pendingEnd;
        private bool _done;

        internal HttpSession(HelloService service) => _service = service;

        private IConnection? _connection;

        internal long LastActivity { get; private set; }

        internal void Begin(IConnection connection, long now)
        {
            _connection = connection;
            LastActivity = now;
            _inLength = 0;
            _bodyToSkip = 0;
            _pending = null;
            _done = false;
        }

        public void OnReadable(IConnection connection)
        {
            LastActivity = _service.Host.NowNanoseconds;
            Pump(connection);
        }

        public void OnWritable(IConnection connection)
        {
            LastActivity = _service.Host.NowNanoseconds;
            Pump(connection);
        }

        /// <summary>Idle too long: close (a reset if it sent something we did not read).</summary>
        internal void Expire()
        {
            if (_done || _connection is null) return;
            _connection.Close();
            Finish();
        }

        public void OnClosed(IConnection connection) => Finish();

        private void Pump(IConnection connection)
        {
            while (!_done)
            {
                if (_pending is not null && !Flush(connection)) return;
                if (HandleBuffered(connection)) continue;
                if (_done) return;
                if (_inLength == _in.Length)
                {
                    Respond(connection, _service.Responses.HeadersTooLarge, false);
                    continue;
                }
                int n = connection.Read(_in.AsSpan(_inLength));
                if (n == 0) return;
                if (n < 0)
                {
                    connection.Close();
                    Finish();
                    return;
                }
                _inLength += n;
            }
        }

        /// <summary>Consumes one complete request from the buffer if there is one; true if it did.</summary>
        private bool HandleBuffered(IConnection connection)
        {
            if (_bodyToSkip > 0)
            {
                int skip = (int)Math.Min(_bodyToSkip, _inLength);
                Consume(skip);
                _bodyToSkip -= skip;
                return skip > 0 && _inLength > 0;
            }
            if (_inLength == 0) return false;
            HttpParseResult result = HttpRequestHead.TryParse(_in.AsSpan(0, _inLength), out HttpRequestHead head);
            if (result == HttpParseResult.Incomplete) return false;
            HttpResponses r = _service.Responses;
            if (result == HttpParseResult.Malformed) { Respond(connection, r.BadRequest, false); return true; }
            Consume(head.Length);
            if (head.ContentLength > MaxBodyBytes) { Respond(connection, r.BodyTooLarge, false); return true; }
            _bodyToSkip = head.ContentLength;
            if (!head.IsGet && !head.IsHead) { Respond(connection, r.MethodNotAllowed, false); return true; }
            PreparedResponse response = head.TargetIsRoot
                ? (head.KeepAlive ? r.Page : r.PageThenClose)
                : (head.KeepAlive ? r.NotFound : r.NotFoundThenClose);
            Respond(connection, response, head.IsHead);
            return true;
        }

        private void Respond(IConnection connection, PreparedResponse response, bool headOnly)
        {
            _pending = response;
            _pendingOffset = 0;
            _pendingEnd = headOnly ? response.HeaderLength : response.Bytes.Length;
            Flush(connection);
        }

        /// <summary>Writes what fits of the pending response; true once it is all written.</summary>
        private bool Flush(IConnection connection)
        {
            PreparedResponse response = _pending!;
            int n = connection.Write(response.Bytes.AsSpan(_pendingOffset, _pendingEnd - _pendingOffset));
            if (n < 0) { connection.Abort(); Finish(); return false; }
            _pendingOffset += n;
            if (_pendingOffset < _pendingEnd) return false;
            _pending = null;
            if (response.Close)
            {
                // Read what is already buffered so the close is a FIN, not a data-loss RST that
                // could overtake the response.
                Span<byte> sink = stackalloc byte[512];
                while (connection.Read(sink) > 0) { }
                connection.Close();
                Finish();
                return false;
            }
            return true;
        }

        private void Consume(int count)
        {
            if (count <= 0) return;
            _in.AsSpan(count, _inLength - count).CopyTo(_in);
            _inLength -= count;
        }

        private void Finish()
        {
            if (_done) return;
            _done = true;
            _connection = null;
            _service.Release(this);
        }
    }
}
