using System;
using System.Text;

namespace Kernel.Net.Http
{
    /// <summary>
    /// The request a handler sees. Method, target and header fields are views into the
    /// connection's input buffer, valid until the handler's task completes; the string forms
    /// (<see cref="Path"/>, <see cref="Header(string)"/>, <see cref="RouteValue"/>) allocate on use.
    /// The body is read in full (up to the configured limit) before the handler runs.
    /// </summary>
    public sealed class HttpRequest
    {
        private readonly HttpHeadParser _head;
        private byte[] _buffer = System.Array.Empty<byte>();
        private int _pathEnd;
        private HttpRoute? _route;
        private readonly int[] _paramStart = new int[HttpRoute.MaxParameters];
        private readonly int[] _paramEnd = new int[HttpRoute.MaxParameters];
        private string? _path;

        internal HttpRequest(HttpHeadParser head) => _head = head;

        /// <summary>The method as sent (GET, POST, ...); known methods are shared strings.</summary>
        public string Method { get; private set; } = "";

        /// <summary>1 for HTTP/1.1, 0 for HTTP/1.0.</summary>
        public int MinorVersion { get; private set; }

        /// <summary>The request target as sent (origin-form: path and query).</summary>
        public ReadOnlySpan<byte> Target => _buffer.AsSpan(_head.TargetStart, _head.TargetEnd - _head.TargetStart);

        /// <summary>The path part of the target, still percent-encoded.</summary>
        public ReadOnlySpan<byte> PathBytes => _buffer.AsSpan(PathStart, _pathEnd - PathStart);

        public string Path => _path ??= Ascii(PathBytes);

        /// <summary>The query after '?', without it; empty when there is none.</summary>
        public ReadOnlySpan<byte> Query => _pathEnd < _head.TargetEnd ? _buffer.AsSpan(_pathEnd + 1, _head.TargetEnd - _pathEnd - 1) : default;

        public int HeaderCount => _head.HeaderCount;

        /// <summary>The decoded body (Content-Length or chunked); empty when there was none.</summary>
        public ReadOnlyMemory<byte> Body { get; internal set; }

        /// <summary>The client asked for the connection to end after this response.</summary>
        public bool KeepAlive { get; internal set; }

        internal int PathStart { get; private set; }

        internal int PathEnd => _pathEnd;

        internal byte[] Buffer => _buffer;

        /// <summary>One of the methods of RFC 9110 §9 (or PATCH); others are 501 unless a route names them.</summary>
        internal bool MethodIsKnown { get; private set; }

        internal bool HasBody => BodyIsChunked || ContentLength > 0;

        internal long ContentLength { get; private set; }

        internal bool BodyIsChunked { get; private set; }

        internal bool ExpectsContinue { get; private set; }

        public ReadOnlySpan<byte> HeaderName(int index) => _buffer.AsSpan(_head.NameStart[index], _head.NameEnd[index] - _head.NameStart[index]);

        public ReadOnlySpan<byte> HeaderValue(int index) => _buffer.AsSpan(_head.ValueStart[index], _head.ValueEnd[index] - _head.ValueStart[index]);

        /// <summary>The first field named <paramref name="name"/> (ASCII, any case); false if absent.</summary>
        public bool TryGetHeader(string name, out ReadOnlySpan<byte> value)
        {
            for (int i = 0; i < _head.HeaderCount; i++)
            {
                if (EqualsIgnoreCase(HeaderName(i), name))
                {
                    value = HeaderValue(i);
                    return true;
                }
            }
            value = default;
            return false;
        }

        /// <summary>The first field named <paramref name="name"/> as a string, or null.</summary>
        public string? Header(string name) => TryGetHeader(name, out ReadOnlySpan<byte> v) ? Latin1(v) : null;

        /// <summary>The value of route parameter <c>{name}</c>, percent-decoded (bytes as Latin-1 characters).</summary>
        public string RouteValue(string name)
        {
            if (_route is null) throw new InvalidOperationException("this request matched no route with parameters");
            int index = _route.ParameterIndex(name);
            if (index < 0) throw new ArgumentException("the route " + _route.Pattern + " has no parameter {" + name + "}", nameof(name));
            return PercentDecode(_buffer.AsSpan(_paramStart[index], _paramEnd[index] - _paramStart[index]));
        }

        internal void SetRoute(HttpRoute? route) => _route = route;

        internal int[] ParameterStarts => _paramStart;

        internal int[] ParameterEnds => _paramEnd;

        /// <summary>Interprets the parsed head (RFC 9112 §3, §6): 0 if usable, or the error status.</summary>
        internal int Load(byte[] buffer)
        {
            _buffer = buffer;
            _path = null;
            _route = null;
            Body = default;
            ContentLength = 0;
            BodyIsChunked = false;
            ExpectsContinue = false;
            Method = KnownMethod(buffer.AsSpan(_head.MethodStart, _head.MethodEnd - _head.MethodStart), out bool known);
            MethodIsKnown = known;
            ReadOnlySpan<byte> version = buffer.AsSpan(_head.VersionStart, 8);
            if (!StartsWith(version, "HTTP/") || !IsDigit(version[5]) || version[6] != (byte)'.' || !IsDigit(version[7])) return 400;
            if (version[5] != (byte)'1') return 505;
            MinorVersion = version[7] - '0';
            KeepAlive = MinorVersion >= 1;
            int status = LocatePath(buffer);
            if (status != 0) return status;

            bool sawLength = false, sawTransferEncoding = false, sawHost = false;
            for (int i = 0; i < _head.HeaderCount; i++)
            {
                ReadOnlySpan<byte> name = HeaderName(i);
                // Only names of the lengths below matter here: most fields (User-Agent, Accept, ...) stop at this test.
                int n = name.Length;
                if (n != 4 && n != 6 && n != 10 && n != 14 && n != 17) continue;
                ReadOnlySpan<byte> value = HeaderValue(i);
                if (EqualsIgnoreCase(name, "content-length"))
                {
                    // Duplicates, even equal ones, and lists are refused: a proxy in front could pick another one (§6.3).
                    if (sawLength || !TryParseLength(value, out long length)) return 400;
                    sawLength = true;
                    ContentLength = length;
                }
                else if (EqualsIgnoreCase(name, "transfer-encoding"))
                {
                    if (sawTransferEncoding) return 400;
                    sawTransferEncoding = true;
                    if (!EqualsIgnoreCase(value, "chunked")) return ContainsIgnoreCase(value, "chunked") ? 400 : 501;
                    BodyIsChunked = true;
                }
                else if (EqualsIgnoreCase(name, "host"))
                {
                    if (sawHost) return 400;
                    sawHost = true;
                }
                else if (EqualsIgnoreCase(name, "connection"))
                {
                    if (ContainsIgnoreCase(value, "close")) KeepAlive = false;
                    else if (ContainsIgnoreCase(value, "keep-alive")) KeepAlive = true;
                }
                else if (EqualsIgnoreCase(name, "expect"))
                {
                    if (!EqualsIgnoreCase(value, "100-continue")) return 417;
                    ExpectsContinue = MinorVersion >= 1;
                }
            }
            if (sawLength && sawTransferEncoding) return 400; // request smuggling shape (§6.1)
            if (sawTransferEncoding && MinorVersion == 0) return 400; // §6.1: chunked is not HTTP/1.0 framing
            if (!sawHost && MinorVersion >= 1) return 400; // RFC 9112 §3.2
            return 0;
        }

        private int LocatePath(byte[] buffer)
        {
            int start = _head.TargetStart, end = _head.TargetEnd;
            if (buffer[start] != (byte)'/')
            {
                // absolute-form (§3.2.2) is accepted and routed by its path; authority-form and '*' are not served.
                ReadOnlySpan<byte> t = buffer.AsSpan(start, end - start);
                int scheme = StartsWithIgnoreCase(t, "http://") ? 7 : StartsWithIgnoreCase(t, "https://") ? 8 : 0;
                if (scheme == 0) return Method == "OPTIONS" && t.Length == 1 && t[0] == (byte)'*' ? 404 : 400;
                int slash = t.Slice(scheme).IndexOf((byte)'/');
                if (slash < 0) return 400;
                start += scheme + slash;
            }
            PathStart = start;
            int q = buffer.AsSpan(start, end - start).IndexOf((byte)'?');
            _pathEnd = q < 0 ? end : start + q;
            return 0;
        }

        private static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
        {
            length = 0;
            if (value.Length == 0 || value.Length > 15) return false;
            for (int i = 0; i < value.Length; i++)
            {
                if (!IsDigit(value[i])) return false;
                length = length * 10 + (value[i] - '0');
            }
            return true;
        }

        private static string KnownMethod(ReadOnlySpan<byte> m, out bool known)
        {
            known = true;
            if (m.Length == 3 && m[0] == (byte)'G' && m[1] == (byte)'E' && m[2] == (byte)'T') return "GET"; // most requests, without the loop
            if (Equals(m, "HEAD")) return "HEAD";
            if (Equals(m, "POST")) return "POST";
            if (Equals(m, "PUT")) return "PUT";
            if (Equals(m, "DELETE")) return "DELETE";
            if (Equals(m, "PATCH")) return "PATCH";
            if (Equals(m, "OPTIONS")) return "OPTIONS";
            if (Equals(m, "TRACE")) return "TRACE";
            if (Equals(m, "CONNECT")) return "CONNECT";
            known = false;
            return Ascii(m);
        }

        private static string PercentDecode(ReadOnlySpan<byte> s)
        {
            var text = new StringBuilder(s.Length);
            for (int i = 0; i < s.Length; i++)
            {
                int hi, lo;
                if (s[i] == (byte)'%' && i + 2 < s.Length && (hi = Hex(s[i + 1])) >= 0 && (lo = Hex(s[i + 2])) >= 0)
                {
                    text.Append((char)(hi * 16 + lo));
                    i += 2;
                }
                else text.Append((char)s[i]);
            }
            return text.ToString();
        }

        private static int Hex(byte b) => b >= (byte)'0' && b <= (byte)'9' ? b - '0' : b >= (byte)'a' && b <= (byte)'f' ? b - 'a' + 10 : b >= (byte)'A' && b <= (byte)'F' ? b - 'A' + 10 : -1;

        private static bool IsDigit(byte b) => b >= (byte)'0' && b <= (byte)'9';

        internal static string Ascii(ReadOnlySpan<byte> s) => Encoding.ASCII.GetString(s);

        private static string Latin1(ReadOnlySpan<byte> s)
        {
            var chars = new char[s.Length];
            for (int i = 0; i < s.Length; i++) chars[i] = (char)s[i];
            return new string(chars);
        }

        private static byte Lower(byte b) => b >= (byte)'A' && b <= (byte)'Z' ? (byte)(b + 32) : b;

        private static bool Equals(ReadOnlySpan<byte> s, string text)
        {
            if (s.Length != text.Length) return false;
            for (int i = 0; i < s.Length; i++)
            {
                if (s[i] != (byte)text[i]) return false;
            }
            return true;
        }

        private static bool StartsWith(ReadOnlySpan<byte> s, string text) => s.Length >= text.Length && Equals(s.Slice(0, text.Length), text);

        private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> s, string lower) => s.Length >= lower.Length && EqualsIgnoreCase(s.Slice(0, lower.Length), lower);

        /// <summary>ASCII case-insensitive; <paramref name="name"/> may be in any case.</summary>
        internal static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, string name)
        {
            if (s.Length != name.Length) return false;
            for (int i = 0; i < s.Length; i++)
            {
                char c = name[i];
                if (Lower(s[i]) != (c >= 'A' && c <= 'Z' ? (byte)(c + 32) : (byte)c)) return false;
            }
            return true;
        }

        private static bool ContainsIgnoreCase(ReadOnlySpan<byte> s, string lower)
        {
            for (int i = 0; i + lower.Length <= s.Length; i++)
            {
                if (EqualsIgnoreCase(s.Slice(i, lower.Length), lower)) return true;
            }
            return false;
        }
    }
}
