using System;
using System.Text;
using System.Threading.Tasks;
using Kernel.Net.App;

namespace __NAMESPACE__
{
    /// <summary>
    /// The service: answers every HTTP request with a page showing the GREETING setting. It is
    /// written against <see cref="IServiceHost"/>, so the same code runs as a unikernel and as a
    /// process (Hosted/). Guest code compiles against Summoner's own core library: see
    /// docs/guest-api.md in the Summoner repository for what it offers.
    /// </summary>
    public sealed class Service
    {
        private readonly byte[] _page;
        private readonly int _headLimit;

        private Service(byte[] page, int headLimit)
        {
            _page = page;
            _headLimit = headLimit;
        }

        public static Service Start(IServiceHost host)
        {
            ServiceSettings settings = host.Settings();
            string greeting = settings.GetString("GREETING", "Hello");
            // The largest request head accepted, in bytes (a typed setting: HEAD_LIMIT = "8192").
            int headLimit = settings.GetInt("HEAD_LIMIT", 4096);
            if (headLimit < 256 || headLimit > 65536)
                throw new SettingException("HEAD_LIMIT", "setting HEAD_LIMIT must be from 256 to 65536 (bytes)");
            var service = new Service(HttpResponder.Page(200, "OK", "<h1>" + HttpResponder.Escape(greeting) + "</h1>\n"), headLimit);
            // Summoner passes the service's ports = [...] as the setting port (port=80,443).
            foreach (ushort port in settings.GetPorts("port", __PORT__)) host.Serve(port, service.ServeAsync);
            return service;
        }

        private async Task ServeAsync(AsyncConnection connection)
        {
            // The seam for a real HTTP library: HttpResponder reads one request head and the
            // service answers it. Swap both for the library's server when you need more of HTTP.
            int status = await HttpResponder.ReadRequestHeadAsync(connection, new byte[_headLimit]);
            byte[] response = status == 200 ? _page : HttpResponder.Page(status, "Bad Request", "bad request\n");
            await connection.WriteAsync(response.AsMemory(0, response.Length));
            connection.Close();
        }
    }

    /// <summary>A minimal hand-written HTTP/1.0-style responder: one request per connection.</summary>
    public static class HttpResponder
    {
        /// <summary>Reads until the blank line ending the request head: 200 when it came, 400 when it did not fit, 0 when the client left.</summary>
        public static async Task<int> ReadRequestHeadAsync(AsyncConnection connection, byte[] buffer)
        {
            int used = 0;
            while (true)
            {
                if (used == buffer.Length) return 400;
                int n = await connection.ReadAsync(buffer.AsMemory(used));
                if (n <= 0) return 0;
                used += n;
                for (int i = 3; i < used; i++)
                    if (buffer[i - 3] == '\r' && buffer[i - 2] == '\n' && buffer[i - 1] == '\r' && buffer[i] == '\n') return 200;
            }
        }

        public static byte[] Page(int status, string reason, string body)
        {
            string head = "HTTP/1.1 " + status.ToString() + " " + reason + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: "
                + Encoding.UTF8.GetByteCount(body).ToString() + "\r\nConnection: close\r\n\r\n";
            return Encoding.UTF8.GetBytes(head + body);
        }

        public static string Escape(string text)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
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
