using System;

namespace Hello
{
    public enum HttpParseResult
    {
        /// <summary>The blank line ending the headers has not arrived yet.</summary>
        Incomplete,
        Complete,
        Malformed,
    }

    /// <summary>
    /// Parses a request line and headers (RFC 9112) in place from bytes: method, whether the target
    /// is "/", keep-alive, and the body length to skip. Anything it does not understand is malformed.
    /// </summary>
    public struct HttpRequestHead
    {
        public bool IsGet { get; set; }
        public bool IsHead { get; set; }
        public bool TargetIsRoot { get; set; }
        public bool KeepAlive { get; set; }
        public long ContentLength { get; set; }
        /// <summary>Bytes of request line plus headers plus the blank line.</summary>
        public int Length { get; set; }

        public static HttpParseResult TryParse(ReadOnlySpan<byte> data, out HttpRequestHead head)
        {
            head = default;
            int end = IndexOfHeaderEnd(data);
            if (end < 0) return HttpParseResult.Incomplete;
            head.Length = end + 4;
            int lineEnd = IndexOfCrlf(data, 0);
            if (!ParseRequestLine(data.Slice(0, lineEnd), ref head)) return HttpParseResult.Malformed;
            int at = lineEnd + 2;
            while (at < end + 2)
            {
                int next = IndexOfCrlf(data, at);
                if (!ParseHeader(data.Slice(at, next - at), ref head)) return HttpParseResult.Malformed;
                at = next + 2;
            }
            return HttpParseResult.Complete;
        }

        private static bool ParseRequestLine(ReadOnlySpan<byte> line, ref HttpRequestHead head)
        {
            int sp1 = line.IndexOf((byte)' ');
            if (sp1 <= 0) return false;
            ReadOnlySpan<byte> method = line.Slice(0, sp1);
            for (int i = 0; i < method.Length; i++)
            {
                if (method[i] < (byte)'A' || method[i] > (byte)'Z') return false;
            }
            ReadOnlySpan<byte> rest = line.Slice(sp1 + 1);
            int sp2 = rest.IndexOf((byte)' ');
            if (sp2 <= 0) return false;
            ReadOnlySpan<byte> target = rest.Slice(0, sp2);
            ReadOnlySpan<byte> version = rest.Slice(sp2 + 1);
            if (target[0] != (byte)'/' && !(target.Length == 1 && target[0] == (byte)'*')) return false;
            for (int i = 0; i < target.Length; i++)
            {
                if (target[i] <= 32 || target[i] >= 127) return false;
            }
            if (version.Length != 8 || !StartsWith(version, "HTTP/1.") || (version[7] != (byte)'0' && version[7] != (byte)'1')) return false;
            head.IsGet = Equals(method, "GET");
            head.IsHead = Equals(method, "HEAD");
            int query = target.IndexOf((byte)'?');
            ReadOnlySpan<byte> path = query >= 0 ? target.Slice(0, query) : target;
            head.TargetIsRoot = path.Length == 1 && path[0] == (byte)'/';
            head.KeepAlive = version[7] == (byte)'1';
            return true;
        }

        private static bool ParseHeader(ReadOnlySpan<byte> line, ref HttpRequestHead head)
        {
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) return false;
            ReadOnlySpan<byte> name = line.Slice(0, colon);
            for (int i = 0; i < name.Length; i++)
            {
                byte b = name[i];
                if (b <= 32 || b >= 127 || b == (byte)'(' || b == (byte)')' || b == (byte)',' || b == (byte)'"') return false;
            }
            ReadOnlySpan<byte> value = Trim(line.Slice(colon + 1));
            if (EqualsIgnoreCase(name, "connection"))
            {
                if (ContainsIgnoreCase(value, "close")) head.KeepAlive = false;
                else if (ContainsIgnoreCase(value, "keep-alive")) head.KeepAlive = true;
            }
            else if (EqualsIgnoreCase(name, "content-length"))
            {
                if (value.Length == 0 || value.Length > 12) return false;
                long n = 0;
                for (int i = 0; i < value.Length; i++)
                {
                    if (value[i] < (byte)'0' || value[i] > (byte)'9') return false;
                    n = n * 10 + (value[i] - '0');
                }
                head.ContentLength = n;
            }
            else if (EqualsIgnoreCase(name, "transfer-encoding"))
            {
                return false; // chunked request bodies are not accepted by this service
            }
            return true;
        }

        private static int IndexOfHeaderEnd(ReadOnlySpan<byte> data)
        {
            for (int i = 0; i + 3 < data.Length; i++)
            {
                if (data[i] == (byte)'\r' && data[i + 1] == (byte)'\n' && data[i + 2] == (byte)'\r' && data[i + 3] == (byte)'\n') return i;
            }
            return -1;
        }

        private static int IndexOfCrlf(ReadOnlySpan<byte> data, int from)
        {
            for (int i = from; i + 1 < data.Length; i++)
            {
                if (data[i] == (byte)'\r' && data[i + 1] == (byte)'\n') return i;
            }
            return data.Length;
        }

        private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
        {
            int a = 0, b = s.Length;
            while (a < b && (s[a] == (byte)' ' || s[a] == (byte)'\t')) a++;
            while (b > a && (s[b - 1] == (byte)' ' || s[b - 1] == (byte)'\t')) b--;
            return s.Slice(a, b - a);
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

        private static bool EqualsIgnoreCase(ReadOnlySpan<byte> s, string lower)
        {
            if (s.Length != lower.Length) return false;
            for (int i = 0; i < s.Length; i++)
            {
                if (Lower(s[i]) != (byte)lower[i]) return false;
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
