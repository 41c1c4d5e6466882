using System.Text;

namespace Hello
{
    /// <summary>A response prepared once as bytes, so serving a request allocates nothing.</summary>
    public sealed class PreparedResponse
    {
        public PreparedResponse(int status, string reason, string contentType, string body, bool close)
        {
            string head = "HTTP/1.1 " + status.ToString() + " " + reason + "\r\n"
                + "Server: summoner-kernel-net\r\n"
                + "Content-Type: " + contentType + "\r\n"
                + "Content-Length: " + Encoding.UTF8.GetByteCount(body).ToString() + "\r\n"
                + (close ? "Connection: close\r\n" : "")
                + "\r\n";
            HeaderLength = Encoding.ASCII.GetByteCount(head);
            Bytes = Encoding.UTF8.GetBytes(head + body);
            Close = close;
        }

        public byte[] Bytes { get; }

        /// <summary>Length of the status line and headers: what a HEAD request gets.</summary>
        public int HeaderLength { get; }

        /// <summary>The connection closes after this response.</summary>
        public bool Close { get; }
    }

    /// <summary>Every response the hello service can give, prepared at start.</summary>
    public sealed class HttpResponses
    {
        public HttpResponses(string serviceName, string bootMilliseconds)
        {
            string page = "<!doctype html>\n<html><head><title>" + serviceName + "</title></head>\n<body><h1>" + serviceName
                + "</h1>\n<p>Served by a C# unikernel (Summoner, Kernel.Net). Boot to ready: " + bootMilliseconds + " ms.</p></body></html>\n";
            Page = new PreparedResponse(200, "OK", "text/html; charset=utf-8", page, false);
            PageThenClose = new PreparedResponse(200, "OK", "text/html; charset=utf-8", page, true);
            NotFound = new PreparedResponse(404, "Not Found", "text/plain", "not found: this service only serves /\n", false);
            NotFoundThenClose = new PreparedResponse(404, "Not Found", "text/plain", "not found: this service only serves /\n", true);
            MethodNotAllowed = new PreparedResponse(405, "Method Not Allowed", "text/plain", "only GET and HEAD are served\n", true);
            BadRequest = new PreparedResponse(400, "Bad Request", "text/plain", "malformed HTTP/1.1 request\n", true);
            HeadersTooLarge = new PreparedResponse(431, "Request Header Fields Too Large", "text/plain", "request headers exceed 8 KiB\n", true);
            BodyTooLarge = new PreparedResponse(413, "Content Too Large", "text/plain", "request bodies are not accepted\n", true);
        }

        public PreparedResponse Page { get; }
        public PreparedResponse PageThenClose { get; }
        public PreparedResponse NotFound { get; }
        public PreparedResponse NotFoundThenClose { get; }
        public PreparedResponse MethodNotAllowed { get; }
        public PreparedResponse BadRequest { get; }
        public PreparedResponse HeadersTooLarge { get; }
        public PreparedResponse BodyTooLarge { get; }
    }
}
