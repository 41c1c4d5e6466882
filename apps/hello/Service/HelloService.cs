using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using Kernel.Net.App;

namespace Hello
{
    /// <summary>
    /// The hello service: HTTP/1.1 on one port (setting <c>port</c>, default 80) answering <c>GET /</c>
    /// with a page naming the service (setting <c>name</c>, default "hello") and its boot-to-ready time.
    /// Written once against <see cref="IServiceHost"/>; runs as a unikernel or as a process.
    /// </summary>
    public sealed class HelloService
    {
        private readonly List<HttpSession> _pool = new List<HttpSession>();
        private readonly List<HttpSession> _active = new List<HttpSession>();

        private HelloService(IServiceHost host, long idleTimeout)
        {
            Host = host;
            IdleTimeoutNanoseconds = idleTimeout;
        }

        /// <summary>A connection with no traffic for this long is closed (setting <c>idle</c>, seconds, default 60),
        /// so clients that vanish or dribble cannot hold the guest's bounded connection table.</summary>
        public long IdleTimeoutNanoseconds { get; }

        public int ActiveSessions => _active.Count;

        public IServiceHost Host { get; }

        public HttpResponses Responses { get; private set; } = null!;

        public static HelloService Start(IServiceHost host)
        {
            ushort port = ParsePort(host.Setting("port"), 80);
            string name = ServiceName(host.Setting("name"));
            string? idleText = host.Setting("idle");
            int idleSeconds = 60;
            if (idleText is not null && (!int.TryParse(idleText, out idleSeconds) || idleSeconds < 1))
                throw new ArgumentException("idle=" + idleText + " is not a number of seconds: use for example idle=60");
            var service = new HelloService(host, idleSeconds * 1_000_000_000L);
            host.Serve(port, service.ServeAsync);
            _ = service.SweepIdleAsync();
            // The page reports when the port was bound: that is what "ready" means. No connection
            // can be accepted before Run, so the responses are ready before they are needed.
            long tenths = host.NowNanoseconds / 100_000;
            service.Responses = new HttpResponses(name, (tenths / 10).ToString() + "." + (tenths % 10).ToString());
            return service;
        }

        private Task ServeAsync(AsyncConnection connection)
        {
            HttpSession session;
            if (_pool.Count > 0)
            {
                session = _pool[_pool.Count - 1];
                _pool.RemoveAt(_pool.Count - 1);
            }
            else session = new HttpSession(this);
            _active.Add(session);
            return session.ServeAsync(connection);
        }

        internal void Release(HttpSession session)
        {
            // By reference, by hand: the guest core library's comparers cover value types and IEquatable only.
            for (int i = 0; i < _active.Count; i++)
            {
                if (ReferenceEquals(_active[i], session))
                {
                    _active[i] = _active[_active.Count - 1];
                    _active.RemoveAt(_active.Count - 1);
                    break;
                }
            }
            _pool.Add(session);
        }

        // On the host's timers: each round resumes on the host's event loop.
        private async Task SweepIdleAsync()
        {
            long interval = Math.Max(IdleTimeoutNanoseconds / 4, 1_000_000_000L);
            while (true)
            {
                await Host.Delay(interval);
                long now = Host.NowNanoseconds;
                for (int i = _active.Count - 1; i >= 0; i--)
                {
                    // Expiring a session ends it at once (it leaves _active), so re-check the index.
                    if (i < _active.Count && now - _active[i].LastActivity >= IdleTimeoutNanoseconds) _active[i].Expire();
                }
            }
        }

        public static ushort ParsePort(string? text, ushort fallback)
        {
            if (text is null) return fallback;
            if (!int.TryParse(text, out int port) || port < 0 || port > 65535)
                throw new ArgumentException("port=" + text + " is not a TCP port: use a number from 1 to 65535, for example port=80");
            return (ushort)port;
        }

        /// <summary>Only [a-z0-9.-] so the name can go into HTML as it is; anything else falls back to "hello".</summary>
        public static string ServiceName(string? text)
        {
            if (string.IsNullOrEmpty(text) || text.Length > 63) return "hello";
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
                if (!ok) return "hello";
            }
            return text;
        }
    }
}
