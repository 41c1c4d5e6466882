using System;
using System.Threading.Tasks;
using Kernel.Net.App;

namespace Kernel.Net.Http
{
    /// <summary>
    /// One HTTP/1.1 connection, served by one async method: parse a head (strictly, as bytes
    /// arrive), route, read the body, run the handler, queue its response; answer pipelined
    /// requests in order and send their responses together when the input runs dry. Awaiting
    /// the write is the back-pressure. Every error status closes the connection except 404/405
    /// for a request without a body. Deadlines are checked by the server's sweep
    /// (<see cref="CheckDeadlines"/>), which answers 408 and closes, ending the pending read.
    /// </summary>
    internal sealed class HttpConnection
    {
        private const int BodyWindow = 4096;
        private const int FlushThreshold = 16 * 1024;
        private const int KeepBuffer = 64 * 1024;
        private readonly HttpServer _server;
        private readonly HttpServerOptions _options;
        private readonly byte[] _in;
        private readonly HttpHeadParser _parser;
        private readonly ChunkedDecoder _chunked = new ChunkedDecoder();
        private readonly HttpRequest _request;
        private readonly HttpResponse _response;
        private ByteBuffer _out = new ByteBuffer(4096);
        private ByteBuffer _body = new ByteBuffer(1024);
        private AsyncConnection? _connection;
        private int _inLength;
        private int _consumed;
        private Phase _phase;
        private long _since;
        private long _requestStart;
        private long _bodyCheckAt;
        private long _bodyAtCheck;
        private long _bodyRemaining;
        private long _bodyReceived;
        private bool _writing;
        private bool _linger;
        private bool _clockStale;

        public HttpConnection(HttpServer server)
        {
            _server = server;
            _options = server.Options;
            _in = new byte[_options.MaxHeaderBytes + BodyWindow];
            _parser = new HttpHeadParser(_options);
            _request = new HttpRequest(_parser);
            _response = new HttpResponse(this);
        }

        private enum Phase
        {
            /// <summary>Waiting for the first byte of a request.</summary>
            Idle,
            Head,
            Body,
            /// <summary>Running the handler or sending.</summary>
            Busy,
        }

        internal HttpServer Server => _server;

        internal ByteBuffer Output => _out;

        internal async Task ServeAsync(AsyncConnection connection)
        {
            _connection = connection;
            _writing = false;
            _linger = false;
            _clockStale = false;
            _inLength = 0;
            _parser.Reset();
            _since = _server.Host.NowNanoseconds;
            _phase = Phase.Idle;
            if (_server.ActiveConnections > _options.MaxConnections)
            {
                _server.Counters.Refused++;
                await RespondErrorAsync(503, 1, true, null);
            }
            else await ServeRequestsAsync(connection);
            if (_linger) await LingerAsync(connection);
            // Discard what is already buffered so the close is a FIN, not a data-loss RST that could overtake the response.
            if (!connection.IsClosed)
            {
                while (connection.TryRead(_in) > 0) { }
            }
            connection.Close();
            _connection = null;
            _out.Clear();
            if (_out.Array.Length > KeepBuffer) _out = new ByteBuffer(4096);
            if (_body.Array.Length > KeepBuffer) _body = new ByteBuffer(1024);
            _server.Release(this);
        }

        private async Task ServeRequestsAsync(AsyncConnection connection)
        {
            while (true)
            {
                int status;
                while ((status = _parser.Advance(_in.AsSpan(0, _inLength))) == 0)
                {
                    if (_out.Length > 0 && !await FlushAsync()) return;
                    if (_inLength == 0) _phase = Phase.Idle;
                    int n = await connection.ReadAsync(_in.AsMemory(_inLength, _in.Length - _inLength));
                    if (n == 0) return; // end of stream, reset, or closed by a deadline
                    if (_phase == Phase.Idle)
                    {
                        _requestStart = _server.Host.NowNanoseconds;
                        _phase = Phase.Head;
                    }
                    _inLength += n;
                }
                _phase = Phase.Busy;
                _since = _requestStart; // the clock is read once per request: under TCG each read is a helper call
                if (status != 200)
                {
                    await RespondErrorAsync(status, 1, true, null);
                    return;
                }
                status = _request.Load(_in);
                HttpRoute? route = null;
                string? allow = null;
                if (status == 0) route = _server.Resolve(_request, out status, out allow);
                if (route is null)
                {
                    bool keep = (status == 404 || status == 405) && !_request.HasBody && _request.KeepAlive;
                    await RespondErrorAsync(status, _request.MinorVersion, !keep, allow);
                    if (!keep) return;
                    NextRequest(_parser.HeadLength);
                    continue;
                }
                _consumed = _parser.HeadLength;
                _body.Clear();
                if (_request.HasBody)
                {
                    if (_request.ContentLength > _options.MaxBodyBytes) status = 413;
                    else status = await ReadBodyAsync(connection);
                    if (status < 0) return;
                    if (status != 0)
                    {
                        await RespondErrorAsync(status, _request.MinorVersion, true, null);
                        return;
                    }
                    _phase = Phase.Busy;
                    _since = _server.Host.NowNanoseconds;
                }
                _request.Body = _body.Memory;
                _response.Begin(_request.MinorVersion, _request.Method == "HEAD", !_request.KeepAlive);
                bool failed = false;
                try
                {
                    ValueTask running = route.Handler(_request, _response);
                    if (running.IsCompleted) running.GetAwaiter().GetResult();
                    else
                    {
                        _clockStale = true;
                        await running;
                    }
                }
                catch (Exception e)
                {
                    failed = true;
                    _server.Counters.HandlerFailures++;
                    _server.Host.Log("http: " + _request.Method + " " + route.Pattern + " failed: " + e.Message);
                }
                if (connection.IsClosed) return;
                if (failed && !QueueFailure()) return;
                // Date from when the request began to arrive, unless something waited since: one clock read
                // less per request (under TCG each is a helper call).
                long now = _clockStale ? _server.Host.NowNanoseconds : _requestStart;
                ReadOnlyMemory<byte> large = _response.Finish(_out, now, direct: _out.Length == 0 && _inLength == _consumed);
                if (large.Length > 0)
                {
                    if (_out.Length > 0 && !await FlushAsync()) return;
                    LoopOperation<bool> write = connection.WriteAsync(large);
                    if (write.IsCompleted)
                    {
                        if (!write.GetResult()) return;
                    }
                    else
                    {
                        _writing = true;
                        bool sent = await write;
                        _writing = false;
                        _clockStale = true;
                        if (!sent) return;
                    }
                }
                bool close = _response.Close;
                _server.Counters.Requests++;
                NextRequest(_consumed);
                if (close) break;
                if (_out.Length >= FlushThreshold && !await FlushAsync()) return;
            }
            if (_out.Length > 0) await FlushAsync();
        }

        /// <summary>After a handler threw: a 500 if nothing was sent yet (true), else a reset (false).</summary>
        private bool QueueFailure()
        {
            if (_response.HeadSent)
            {
                _connection!.Abort(); // part of the response is out: only a reset tells the client it is cut short
                return false;
            }
            _response.Begin(_request.MinorVersion, _request.Method == "HEAD", true);
            _response.Status = 500;
            _response.AddHeader("Content-Type", "text/plain; charset=utf-8");
            _response.Write("500 Internal Server Error\n");
            return true;
        }

        /// <summary>Reads the body into <see cref="_body"/>: 0 when complete, -1 when the connection is gone, or an error status.</summary>
        private async Task<int> ReadBodyAsync(AsyncConnection connection)
        {
            int window = _parser.HeadLength;
            if (_request.ExpectsContinue && _inLength == window)
            {
                _out.Append("HTTP/1.1 100 Continue\r\n\r\n"u8);
                if (!await FlushAsync()) return -1;
            }
            _phase = Phase.Body;
            _clockStale = true;
            _bodyCheckAt = _server.Host.NowNanoseconds + _options.BodyProgressInterval;
            _bodyAtCheck = 0;
            if (!_request.BodyIsChunked)
            {
                long length = _request.ContentLength;
                int buffered = (int)Math.Min(length, _inLength - window);
                _body.Append(_in.AsSpan(window, buffered));
                _consumed = window + buffered;
                _bodyRemaining = length - buffered;
                _bodyReceived = buffered;
                while (_bodyRemaining > 0)
                {
                    // Straight into the body buffer: the input window holds nothing of this request any more.
                    int start = _body.Length, want = (int)_bodyRemaining;
                    _body.Reserve(want);
                    int n = await connection.ReadAsync(_body.Array.AsMemory(start, want));
                    _body.Shrink(want - n);
                    if (n == 0) return -1;
                    _bodyReceived += n;
                    _bodyRemaining -= n;
                }
                return 0;
            }
            _chunked.Reset();
            _bodyRemaining = long.MaxValue;
            _bodyReceived = _inLength - window;
            int at = window;
            while (true)
            {
                at += _chunked.Decode(_in.AsSpan(at, _inLength - at), _body, _options.MaxBodyBytes, _options.MaxHeaderBytes, out int status);
                if (status == 200)
                {
                    _consumed = at;
                    return 0;
                }
                if (status != 0) return status;
                // Everything buffered was decoded: reuse the window after the head.
                _inLength = window;
                at = window;
                int n = await connection.ReadAsync(_in.AsMemory(window, _in.Length - window));
                if (n == 0) return -1;
                _bodyReceived += n;
                _inLength += n;
            }
        }

        /// <summary>Moves the bytes after this request (pipelined ones) to the front and resets the parser.</summary>
        private void NextRequest(int consumed)
        {
            int left = _inLength - consumed;
            if (left > 0) _in.AsSpan(consumed, left).CopyTo(_in);
            _inLength = left;
            _parser.Reset();
            // Pipelined bytes arrived with the previous request; an idle wait starts about now (exactly
            // now if anything of this request waited: a pending handler, body or send).
            if (_clockStale) _requestStart = _server.Host.NowNanoseconds;
            _clockStale = false;
            _since = _requestStart;
            _phase = left > 0 ? Phase.Head : Phase.Idle;
        }

        /// <summary>Sends what is queued; false once the connection is gone. No async machinery when the
        /// send buffer takes it all at once (the common case).</summary>
        internal ValueTask<bool> FlushAsync()
        {
            AsyncConnection? c = _connection;
            if (c is null) return new ValueTask<bool>(false);
            if (_out.Length == 0) return new ValueTask<bool>(true);
            LoopOperation<bool> write = c.WriteAsync(_out.Memory);
            if (!write.IsCompleted) return FlushPendingAsync(write);
            _out.Clear();
            return new ValueTask<bool>(write.GetResult());
        }

        private async ValueTask<bool> FlushPendingAsync(LoopOperation<bool> write)
        {
            _writing = true;
            bool ok = await write;
            _writing = false;
            _out.Clear();
            _since = _server.Host.NowNanoseconds;
            _clockStale = true;
            return ok;
        }

        /// <summary>
        /// After an error answer, reads and drops what the client is still sending (the rest of a
        /// 100 KB target, a refused body) for a moment before closing: closing with unread data
        /// makes the stack send a reset, which can reach the client before it read the answer.
        /// Stops once the client pauses 50 ms, after 300 ms, or after 1 MiB.
        /// </summary>
        private async Task LingerAsync(AsyncConnection connection)
        {
            const long Pause = 50_000_000, Most = 300_000_000;
            long start = _server.Host.NowNanoseconds, lastData = start;
            int total = 0;
            while (!connection.IsClosed && total < 1024 * 1024)
            {
                int n = connection.TryRead(_in);
                long now = _server.Host.NowNanoseconds;
                if (n > 0)
                {
                    total += n;
                    lastData = now;
                    continue;
                }
                if (now - lastData >= Pause || now - start >= Most) break;
                await _server.Host.Delay(10_000_000);
            }
        }

        private async Task RespondErrorAsync(int status, int minorVersion, bool close, string? allow)
        {
            _linger |= close;
            _server.Counters.Rejected++;
            QueueError(status, minorVersion, close, allow);
            await FlushAsync();
        }

        private void QueueError(int status, int minorVersion, bool close, string? allow)
        {
            _response.Begin(minorVersion, false, close);
            _response.Status = status;
            _response.AddHeader("Content-Type", "text/plain; charset=utf-8");
            if (allow is not null) _response.AddHeader("Allow", allow);
            _response.Write(status.ToString());
            _response.Write(" ");
            _response.Write(HttpStatus.Reason(status));
            _response.Write("\n");
            _response.Finish(_out, _server.Host.NowNanoseconds, direct: false);
        }

        /// <summary>Called by the server's sweep: enforces the deadline of the current phase.</summary>
        internal void CheckDeadlines(long now)
        {
            AsyncConnection? c = _connection;
            if (c is null) return;
            switch (_phase)
            {
                case Phase.Idle:
                    // Nothing of a request yet: a silent close (a keep-alive client expects that, RFC 9112 §9.5).
                    // A new connection gets the idle time too: clients open connections ahead of use.
                    if (now - _since >= _options.IdleTimeout)
                    {
                        _server.Counters.TimedOut++;
                        c.Close();
                    }
                    break;
                case Phase.Head:
                    if (now - _requestStart >= _options.HeaderTimeout || (!_parser.RequestLineDone && now - _requestStart >= _options.RequestLineTimeout))
                        TimeOut(c);
                    break;
                case Phase.Body:
                    if (now < _bodyCheckAt) break;
                    long received = _bodyReceived;
                    if (received - _bodyAtCheck < Math.Min(_options.MinBodyBytesPerInterval, _bodyRemaining)) TimeOut(c);
                    else
                    {
                        _bodyAtCheck = received;
                        _bodyCheckAt = now + _options.BodyProgressInterval;
                    }
                    break;
                default:
                    // A handler or a send that made no progress for the idle time: the client stopped reading.
                    if (now - _since >= _options.IdleTimeout)
                    {
                        _server.Counters.TimedOut++;
                        c.Abort();
                    }
                    break;
            }
        }

        private void TimeOut(AsyncConnection c)
        {
            _server.Counters.TimedOut++;
            if (_writing)
            {
                c.Abort(); // the client reads none of our responses either: a 408 could not get through
                return;
            }
            // The connection waits in a read (Head/Body phases), so the output is empty and the receive buffer too:
            // the 408 and the FIN go out in order. Closing ends the pending read, and so ServeAsync.
            _out.Clear();
            QueueError(408, 1, true, null);
            _ = c.WriteAsync(_out.Memory);
            c.Close();
        }
    }
}
