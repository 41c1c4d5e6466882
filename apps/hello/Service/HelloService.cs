using System;
using System.Collections.Generic;
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
        private readonly List<HttpSession> _idle = new List<HttpSession>();

        private HelloService(IServiceHost host) => Host = host;

        public IServiceHost Host { get; }

        public HttpResponses Responses { get; private set; } = null!;

        public static HelloService Start(IServiceHost host)
        {
            ushort port = ParsePort(host.Setting("port"), 80);
            string name = ServiceName(host.Setting("name"));
            var service = new HelloService(host);
            host.Listen(port, service.Accept);
            // The page reports when the port was bound: that is what "ready" means. No connection
            // can be accepted before Run, so the responses are ready before they are needed.
            long tenths = host.NowNanoseconds / 100_000;
            service.Responses = new HttpResponses(name, (tenths / 10).ToString() + "." + (tenths % 10).ToString());
            return service;
        }

        private IConnectionHandler Accept(IConnection connection)
        {
            HttpSession session;
            if (_idle.Count > 0)
            {
                session = _idle[_idle.Count - 1];
                _idle.RemoveAt(_idle.Count - 1);
            }
            else session = new HttpSession(this);
            session.Begin();
            return session;
        }

        internal void Release(HttpSession session) => _idle.Add(session);

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
