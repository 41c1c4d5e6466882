using System;

namespace Kernel.Net.Http
{
    /// <summary>A handler for HTTP requests: sync handlers return <c>default</c> (no allocation).</summary>
    public delegate System.Threading.Tasks.ValueTask HttpHandler(HttpRequest request, HttpResponse response);

    /// <summary>One route: a method and a path pattern of literal segments and <c>{name}</c> parameters.</summary>
    internal sealed class HttpRoute
    {
        public const int MaxParameters = 8;
        private readonly string[] _segments;
        private readonly bool[] _isParameter;

        public HttpRoute(string method, string pattern, HttpHandler handler)
        {
            if (string.IsNullOrEmpty(method)) throw new ArgumentException("a route needs a method such as GET", nameof(method));
            if (string.IsNullOrEmpty(pattern) || pattern[0] != '/') throw new ArgumentException("route '" + pattern + "' must start with '/', as in /items/{id}", nameof(pattern));
            Method = method;
            Pattern = pattern;
            Handler = handler ?? throw new ArgumentNullException(nameof(handler));
            _segments = pattern.Substring(1).Split('/');
            _isParameter = new bool[_segments.Length];
            int parameters = 0;
            for (int i = 0; i < _segments.Length; i++)
            {
                string s = _segments[i];
                if (s.Length >= 2 && s[0] == '{' && s[s.Length - 1] == '}')
                {
                    _isParameter[i] = true;
                    _segments[i] = s.Substring(1, s.Length - 2);
                    if (++parameters > MaxParameters) throw new ArgumentException("route '" + pattern + "' has more than 8 parameters", nameof(pattern));
                }
                else if (s.Contains('{') || s.Contains('}'))
                    throw new ArgumentException("route '" + pattern + "': a parameter is a whole segment, as in /items/{id}", nameof(pattern));
            }
        }

        public string Method { get; }

        public string Pattern { get; }

        public HttpHandler Handler { get; }

        public int ParameterIndex(string name)
        {
            int p = 0;
            for (int i = 0; i < _segments.Length; i++)
            {
                if (!_isParameter[i]) continue;
                if (_segments[i] == name) return p;
                p++;
            }
            return -1;
        }

        /// <summary>Matches the path in <paramref name="buffer"/>[start, end) (which starts with '/'), recording parameter offsets.</summary>
        public bool Match(byte[] buffer, int start, int end, int[] parameterStarts, int[] parameterEnds)
        {
            int at = start + 1;
            int p = 0;
            for (int i = 0; i < _segments.Length; i++)
            {
                if (i > 0)
                {
                    if (at >= end || buffer[at] != (byte)'/') return false;
                    at++;
                }
                int segmentEnd = at;
                while (segmentEnd < end && buffer[segmentEnd] != (byte)'/') segmentEnd++;
                if (_isParameter[i])
                {
                    if (segmentEnd == at) return false;
                    parameterStarts[p] = at;
                    parameterEnds[p] = segmentEnd;
                    p++;
                }
                else
                {
                    string literal = _segments[i];
                    if (segmentEnd - at != literal.Length) return false;
                    for (int k = 0; k < literal.Length; k++)
                    {
                        if (buffer[at + k] != (byte)literal[k]) return false;
                    }
                }
                at = segmentEnd;
            }
            return at == end;
        }
    }
}
