using System;
using System.Text;
using System.Threading.Tasks;
using Kernel.Net.App;
using Kernel.Net.Http;

namespace __NAMESPACE__
{
    /// <summary>
    /// The service, on Summoner's HTTP library (Kernel.Net.Http: routes, keep-alive, HEAD, limits,
    /// Date, 404/405 for what is not routed): <c>GET /</c> answers a page with the GREETING setting,
    /// <c>GET /hello/{name}</c> greets by name. It is written against <see cref="IServiceHost"/>, so
    /// the same code runs as a unikernel and as a process (Hosted/). Guest code compiles against
    /// Summoner's own core library: docs/guest-api.md in the Summoner repository says what it
    /// offers, Kernel.Net/README.md what the HTTP library does (static files from wwwroot/ too).
    /// </summary>
    public sealed class Service
    {
        private readonly string _greeting;
        private readonly HttpPreparedResponse _page;

        private Service(HttpServer server, string greeting, HttpPreparedResponse page)
        {
            Server = server;
            _greeting = greeting;
            _page = page;
        }

        public HttpServer Server { get; }

        public static Service Start(IServiceHost host)
        {
            ServiceSettings settings = host.Settings();
            string greeting = settings.GetString("GREETING", "Hello");
            // The largest request head accepted, in bytes (a typed setting: HEAD_LIMIT = "8192").
            int headLimit = settings.GetInt("HEAD_LIMIT", 8192);
            if (headLimit < 256 || headLimit > 65536)
                throw new SettingException("HEAD_LIMIT", "setting HEAD_LIMIT must be from 256 to 65536 (bytes)");
            // The library's own settings (http_idle_ms=..., Kernel.Net/README.md) apply too.
            HttpServerOptions options = HttpServerOptions.FromSettings(host);
            options.MaxHeaderBytes = headLimit;
            options.MaxTargetBytes = Math.Min(options.MaxTargetBytes, headLimit / 2);
            var server = new HttpServer(host, options);
            // Rendered once: a prepared response is sent without building it again.
            var service = new Service(server, greeting, server.Prepare(200, "text/html; charset=utf-8", Encoding.UTF8.GetBytes("<h1>" + Html(greeting) + "</h1>\n")));
            service.Server.MapGet("/", service.Page).MapGet("/hello/{name}", service.Hello);
            // Summoner passes the service's ports = [...] as the setting port (port=80,443).
            foreach (ushort port in settings.GetPorts("port", 80)) service.Server.Listen(port);
            return service;
        }

        private ValueTask Page(HttpRequest request, HttpResponse response)
        {
            response.Send(_page);
            return default;
        }

        private ValueTask Hello(HttpRequest request, HttpResponse response)
        {
            response.AddHeader("Content-Type", "text/html; charset=utf-8");
            response.Write(Encoding.UTF8.GetBytes("<h1>" + Html(_greeting) + ", " + Html(request.RouteValue("name")) + "</h1>\n"));
            return default;
        }

        private static string Html(string text)
        {
            var sb = new StringBuilder();
            foreach (char c in text)
            {
                if (c == '<') sb.Append("&lt;");
                else if (c == '>') sb.Append("&gt;");
                else if (c == '&') sb.Append("&amp;");
                else if (c == '"') sb.Append("&quot;");
                else sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
