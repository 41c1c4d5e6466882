using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Kernel.Net.App;

namespace Kernel.Net.Http
{
    /// <summary>What the server counted since it started (issue 20's "counters"): read them, or log <see cref="ToString"/>.</summary>
    public sealed class HttpCounters
    {
        public long Connections { get; internal set; }

        public long Requests { get; internal set; }

        /// <summary>Requests answered with a 4xx/5xx by the library itself (malformed, too large, no route, ...).</summary>
        public long Rejected { get; internal set; }

        /// <summary>Connections over <see cref="HttpServerOptions.MaxConnections"/>, answered 503.</summary>
        public long Refused { get; internal set; }

        /// <summary>Request line, header or body deadlines hit (408), and stalled keep-alive or handler connections closed.</summary>
        public long TimedOut { get; internal set; }

        public long HandlerFailures { get; internal set; }

        /// <summary>Sum of the counters that only move when a client misbehaves or the server is short of room.</summary>
        internal long DefenceEvents => Rejected + Refused + TimedOut + HandlerFailures;

        /// <summary>The console form (<see cref="Kernel.Net.App.StatsLine"/>): <c>summoner: stats http conns=2
        /// connections=40 requests=38 rejected=1 refused=0 timedout=1 failures=0</c>, running totals since boot.</summary>
        public string StatsLine(int open) => Kernel.Net.App.StatsLine.Prefix + "http"
            + Kernel.Net.App.StatsLine.Pair("conns", open)
            + Kernel.Net.App.StatsLine.Pair("connections", Connections)
            + Kernel.Net.App.StatsLine.Pair("requests", Requests)
            + Kernel.Net.App.StatsLine.Pair("rejected", Rejected)
            + Kernel.Net.App.StatsLine.Pair("refused", Refused)
            + Kernel.Net.App.StatsLine.Pair("timedout", TimedOut)
            + Kernel.Net.App.StatsLine.Pair("failures", HandlerFailures);

        public override string ToString() => "http: connections " + Connections.ToString() + " requests " + Requests.ToString()
            + " rejected " + Rejected.ToString() + " refused " + Refused.ToString() + " timed-out " + TimedOut.ToString()
            + " handler-failures " + HandlerFailures.ToString();
    }

    /// <summary>
    /// An HTTP/1.1 server (RFC 9110/9112) over any <see cref="IServiceHost"/>, bare metal or hosted:
    /// routes by method and path (<c>/items/{id}</c>), reads bodies (Content-Length or chunked, with
    /// <c>Expect: 100-continue</c>), keeps connections alive and answers pipelined requests in
    /// order, enforces the limits and deadlines of <see cref="HttpServerOptions"/>. One event-loop
    /// thread, like the hosts; a connection's buffers are pooled and reused.
    /// </summary>
    public sealed class HttpServer
    {
        private const int MaxPooled = 32;
        private readonly List<HttpRoute> _routes = new List<HttpRoute>();
        private readonly List<HttpConnection> _active = new List<HttpConnection>();
        private readonly List<HttpConnection> _pool = new List<HttpConnection>();
        private readonly byte[] _dateLine = new byte[6 + HttpDate.Length + 2];
        private long _dateSecond = -1;
        private byte[] _serverLine = System.Array.Empty<byte>();
        private bool _sweeping;
        private HttpRoute? _fallback;

        public HttpServer(IServiceHost host, HttpServerOptions? options = null)
        {
            Host = host ?? throw new ArgumentNullException(nameof(host));
            Options = options ?? HttpServerOptions.FromSettings(host);
            Options.Validate();
        }

        public IServiceHost Host { get; }

        public HttpServerOptions Options { get; }

        public HttpCounters Counters { get; } = new HttpCounters();

        public int ActiveConnections => _active.Count;

        /// <summary>Routes <paramref name="method"/> requests for <paramref name="pattern"/> (literal segments and
        /// <c>{name}</c> parameters) to <paramref name="handler"/>; the first matching route wins. A GET route
        /// also answers HEAD (the body is dropped).</summary>
        public HttpServer Map(string method, string pattern, HttpHandler handler)
        {
            _routes.Add(new HttpRoute(method, pattern, handler));
            return this;
        }

        public HttpServer MapGet(string pattern, HttpHandler handler) => Map("GET", pattern, handler);

        public HttpServer MapPost(string pattern, HttpHandler handler) => Map("POST", pattern, handler);

        /// <summary>Runs <paramref name="handler"/> for any request no route's path matches, instead of the
        /// library's 404 (its status is 200 unless it sets one).</summary>
        public HttpServer MapFallback(HttpHandler handler)
        {
            _fallback = new HttpRoute("*", "/", handler);
            return this;
        }

        /// <summary>Starts serving on <paramref name="port"/> (the host prints its readiness line).</summary>
        public void Listen(ushort port)
        {
            Host.Serve(port, ServeAsync);
            if (!_sweeping)
            {
                _sweeping = true;
                _ = SweepAsync();
            }
        }

        private Task ServeAsync(AsyncConnection connection)
        {
            HttpConnection c;
            if (_pool.Count > 0)
            {
                c = _pool[_pool.Count - 1];
                _pool.RemoveAt(_pool.Count - 1);
            }
            else c = new HttpConnection(this);
            _active.Add(c);
            Counters.Connections++;
            return c.ServeAsync(connection);
        }

        internal void Release(HttpConnection connection)
        {
            // By reference, by hand: the guest core library's comparers cover value types and IEquatable only.
            for (int i = 0; i < _active.Count; i++)
            {
                if (ReferenceEquals(_active[i], connection))
                {
                    _active[i] = _active[_active.Count - 1];
                    _active.RemoveAt(_active.Count - 1);
                    break;
                }
            }
            if (_pool.Count < MaxPooled) _pool.Add(connection);
        }

        /// <summary>Finds the route; 0 with the route, or 404 (no path matches), 405 (the path matches
        /// other methods: <paramref name="allow"/> lists them) or 501 (a method no route knows).</summary>
        internal HttpRoute? Resolve(HttpRequest request, out int status, out string? allow)
        {
            status = 0;
            allow = null;
            byte[] buffer = request.Buffer;
            int start = request.PathStart, end = request.PathEnd;
            string method = request.Method;
            HttpRoute? headFallback = null;
            bool pathMatched = false, methodKnown = request.MethodIsKnown;
            for (int i = 0; i < _routes.Count; i++)
            {
                HttpRoute r = _routes[i];
                bool sameMethod = r.Method == method;
                methodKnown |= sameMethod;
                if (!r.Match(buffer, start, end, request.ParameterStarts, request.ParameterEnds)) continue;
                pathMatched = true;
                if (sameMethod)
                {
                    request.SetRoute(r);
                    return r;
                }
                if (headFallback is null && method == "HEAD" && r.Method == "GET") headFallback = r;
            }
            if (headFallback is not null)
            {
                // Match again: the offsets of a later non-matching method may have overwritten them.
                headFallback.Match(buffer, start, end, request.ParameterStarts, request.ParameterEnds);
                request.SetRoute(headFallback);
                return headFallback;
            }
            if (!methodKnown) status = 501;
            else if (!pathMatched)
            {
                if (_fallback is not null)
                {
                    request.SetRoute(null);
                    return _fallback;
                }
                status = 404;
            }
            else
            {
                status = 405;
                allow = AllowedMethods(buffer, start, end);
            }
            return null;
        }

        private string AllowedMethods(byte[] buffer, int start, int end)
        {
            var seen = new List<string>();
            int[] s = new int[HttpRoute.MaxParameters], e = new int[HttpRoute.MaxParameters];
            for (int i = 0; i < _routes.Count; i++)
            {
                HttpRoute r = _routes[i];
                if (!r.Match(buffer, start, end, s, e) || seen.Contains(r.Method)) continue;
                seen.Add(r.Method);
                if (r.Method == "GET" && !seen.Contains("HEAD")) seen.Add("HEAD");
            }
            return string.Join(", ", seen);
        }

        /// <summary>Renders a response once, for <see cref="HttpResponse.Send"/>: the status line, Server,
        /// Content-Type (unless empty), Content-Length (not for 204/304), the body.</summary>
        public HttpPreparedResponse Prepare(int status, string contentType, ReadOnlySpan<byte> body)
        {
            ArgumentNullException.ThrowIfNull(contentType);
            if (status < 200 || status > 999) throw new ArgumentOutOfRangeException(nameof(status), "a final status is 200-999");
            bool bodyless = status == 204 || status == 304;
            var b = new ByteBuffer(256 + body.Length);
            b.Append("HTTP/1.1 "u8);
            b.AppendDecimal(status);
            b.Append((byte)' ');
            b.AppendAscii(HttpStatus.Reason(status));
            b.Append("\r\n"u8);
            int statusLine = b.Length;
            AppendServerHeader(b);
            if (contentType.Length > 0)
            {
                b.Append("Content-Type: "u8);
                b.AppendAscii(contentType);
                b.Append("\r\n"u8);
            }
            if (!bodyless)
            {
                b.Append("Content-Length: "u8);
                b.AppendDecimal(body.Length);
                b.Append("\r\n"u8);
            }
            int headersEnd = b.Length;
            b.Append("\r\n"u8);
            if (!bodyless) b.Append(body);
            return new HttpPreparedResponse(b.Span.ToArray(), statusLine, headersEnd);
        }

        /// <summary>Date (when the host knows the time; <paramref name="now"/> is the host's clock) and Server, shared by every response.</summary>
        internal void AppendCommonHeaders(ByteBuffer output, long now)
        {
            AppendDateHeader(output, now);
            AppendServerHeader(output);
        }

        private void AppendServerHeader(ByteBuffer output)
        {
            if (_serverLine.Length == 0 && Options.ServerHeader.Length > 0)
                _serverLine = System.Text.Encoding.ASCII.GetBytes("Server: " + Options.ServerHeader + "\r\n");
            output.Append(_serverLine);
        }

        internal void AppendDateHeader(ByteBuffer output, long now)
        {
            if (DateLine(now) is byte[] line) output.Append(line);
        }

        /// <summary>The Date header line (with CRLF) for host time <paramref name="now"/>, rendered once per second:
        /// from <c>epoch=</c> when given, else from the host's own date (<see cref="IWallClock"/>: a guest's RTC,
        /// a process's clock); null when the host does not know the date (RFC 9110 §6.6.1: no clock, no Date).</summary>
        internal byte[]? DateLine(long now)
        {
            long second;
            if (Options.EpochSeconds is long epoch) second = epoch + now / 1_000_000_000L;
            else if (Host is IWallClock clock && clock.UnixSeconds is >= 0 and var unix) second = unix;
            else return null;
            if (second != _dateSecond)
            {
                _dateSecond = second;
                "Date: "u8.CopyTo(_dateLine);
                HttpDate.Format(second, _dateLine.AsSpan(6));
                _dateLine[_dateLine.Length - 2] = (byte)'\r';
                _dateLine[_dateLine.Length - 1] = (byte)'\n';
            }
            return _dateLine;
        }

        /// <summary>Which second <see cref="DateLine"/> last rendered (a prepared response's cached copy compares it).</summary>
        internal long DateSecond => _dateSecond;

        // One timer for all connections: each round checks every deadline (resumes on the host's loop).
        private async Task SweepAsync()
        {
            HttpServerOptions o = Options;
            long shortest = Math.Min(Math.Min(o.RequestLineTimeout, o.HeaderTimeout), Math.Min(o.BodyProgressInterval, o.IdleTimeout));
            long interval = Math.Clamp(shortest / 4, 10_000_000L, 1_000_000_000L);
            long printed = 0, printDue = 0;
            while (true)
            {
                await Host.Delay(interval);
                long now = Host.NowNanoseconds;
                for (int i = _active.Count - 1; i >= 0; i--)
                {
                    // Expiring a connection can end it at once (it leaves _active): re-check the index.
                    if (i < _active.Count) _active[i].CheckDeadlines(now);
                }
                // Like the tcp stats line: only after a defence counter moved, at most once per
                // interval, so an operator sees 408s and rejections without asking, and a guest
                // that only serves well prints nothing.
                long events = Counters.DefenceEvents;
                if (events != printed && now >= printDue)
                {
                    printed = events;
                    printDue = now + Kernel.Net.App.StatsLine.IntervalNanoseconds;
                    Host.Log(Counters.StatsLine(_active.Count));
                }
            }
        }
    }
}
