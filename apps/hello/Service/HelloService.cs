using System;
using System.Text;
using System.Threading.Tasks;
using Kernel.Net.App;
using Kernel.Net.Http;

namespace Hello
{
    /// <summary>
    /// The hello service on the HTTP library: <c>GET /</c> (and HEAD) answers a page naming the
    /// service (setting <c>name</c>, default "hello") and its boot-to-ready time; <c>POST /echo</c>
    /// returns the request body; the files of <c>apps/hello/wwwroot</c> (built into the image) at their
    /// paths, e.g. <c>/static/style.css</c> and <c>/robots.txt</c>. Port from setting <c>port</c> (default 80); the library's limits
    /// and deadlines from its <c>http_*</c> settings (Kernel.Net/README.md). Written once against
    /// <see cref="IServiceHost"/>; runs as a unikernel or as a process.
    /// </summary>
    public sealed class HelloService
    {
        private HttpPreparedResponse _page = null!;
        private HttpPreparedResponse _notFound = null!;
        private StaticSite _site = null!;

        private HelloService(HttpServer server) => Server = server;

        public HttpServer Server { get; }

        public int ActiveSessions => Server.ActiveConnections;

        public static HelloService Start(IServiceHost host)
        {
            ArgumentNullException.ThrowIfNull(host);
            ushort port = ParsePort(host.Setting("port"), 80);
            string name = ServiceName(host.Setting("name"));
            HttpServerOptions options = HttpServerOptions.FromSettings(host);
            string? idleText = host.Setting("idle");
            if (idleText is not null)
            {
                // The older spelling of http_idle_ms, in seconds.
                if (!int.TryParse(idleText, out int idleSeconds) || idleSeconds < 1)
                    throw new ArgumentException("idle=" + idleText + " is not a number of seconds: use for example idle=60");
                options.IdleTimeout = idleSeconds * 1_000_000_000L;
            }
            var service = new HelloService(new HttpServer(host, options));
            service.Server.MapGet("/", service.Page).MapPost("/echo", Echo).MapFallback(service.NotFound);
            service._site = StaticSite.FromImage();
            service._site.MapTo(service.Server);
            service.Server.Listen(port);
            // The page reports when the port was bound: that is what "ready" means. No connection
            // can be accepted before Run, so the page is ready before it is needed.
            long tenths = host.NowNanoseconds / 100_000;
            string boot = (tenths / 10).ToString() + "." + (tenths % 10).ToString();
            // Rendered once: serving the page copies one array (every instruction counts under TCG).
            service._page = service.Server.Prepare(200, "text/html; charset=utf-8", Encoding.UTF8.GetBytes("<!doctype html>\n<html><head><title>" + name
                + "</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\n<body><h1>" + name + "</h1>\n<p>Served by a C# unikernel (Summoner, Kernel.Net). Boot to ready: " + boot + " ms.</p></body></html>\n"));
            service._notFound = service.Server.Prepare(404, "text/plain", Encoding.ASCII.GetBytes("not found: this service serves /, POST /echo and its static files (/robots.txt, /static/style.css)\n"));
            return service;
        }

        private ValueTask Page(HttpRequest request, HttpResponse response)
        {
            response.Send(_page);
            return default;
        }

        private static ValueTask Echo(HttpRequest request, HttpResponse response)
        {
            response.AddHeader("Content-Type", "application/octet-stream");
            response.Write(request.Body.Span);
            return default;
        }

        private ValueTask NotFound(HttpRequest request, HttpResponse response)
        {
            response.Send(_notFound);
            return default;
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
