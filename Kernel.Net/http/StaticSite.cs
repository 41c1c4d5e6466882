using System;
using System.Text;
using System.Threading.Tasks;

namespace Kernel.Net.Http
{
    /// <summary>
    /// Static files packed at build time (the project's <c>wwwroot/</c>, by Kernel/Static/StaticPack.cs)
    /// served over <see cref="HttpServer"/>: Content-Type by extension, Content-Length, a strong ETag
    /// (content hash) with If-None-Match, Last-Modified with If-Modified-Since (304), single byte
    /// ranges with If-Range (206, 416), HEAD, and the precompressed gzip variant when the client
    /// accepts it (Vary: Accept-Encoding). Bodies are sent from the blob without copying.
    /// <see cref="FromImage"/> gives the image's content on a guest and the app's wwwroot/ (packed
    /// by the same code at start) hosted.
    /// </summary>
    public sealed partial class StaticSite
    {
        private const int HeaderSize = 16;
        private const int EntrySize = 48;
        private readonly byte[] _blob;
        private readonly StaticFile[] _files;

        private StaticSite(byte[] blob, StaticFile[] files)
        {
            _blob = blob;
            _files = files;
        }

        /// <summary>How many files the site holds.</summary>
        public int Count => _files.Length;

        /// <summary>Total bytes of the packed content (index, identity and gzip variants).</summary>
        public int Size => _blob.Length;

        /// <summary>The path of file <paramref name="index"/> (e.g. <c>/static/style.css</c>).</summary>
        public string Path(int index) => _files[index].Path;

        /// <summary>Reads a packed blob; the site keeps <paramref name="blob"/> (not copied) and serves from it.</summary>
        public static StaticSite Load(byte[] blob)
        {
            ArgumentNullException.ThrowIfNull(blob);
            if (blob.Length == 0) return new StaticSite(blob, Array.Empty<StaticFile>());
            if (blob.Length < HeaderSize || blob[0] != (byte)'S' || blob[1] != (byte)'U' || blob[2] != (byte)'M' || blob[3] != (byte)'S'
                || blob[4] != (byte)'T' || blob[5] != (byte)'A' || blob[6] != (byte)'T' || blob[7] != (byte)'1')
                throw new ArgumentException("not a static-content blob (no SUMSTAT1 header): rebuild the image with this SDK", nameof(blob));
            uint count = U32(blob, 8);
            if (count > (uint)((blob.Length - HeaderSize) / EntrySize)) throw new ArgumentException("static-content blob: the index is cut short", nameof(blob));
            var files = new StaticFile[count];
            for (int i = 0; i < files.Length; i++)
            {
                int at = HeaderSize + i * EntrySize;
                var f = new StaticFile
                {
                    Path = Utf8(blob, at),
                    ContentType = Utf8(blob, at + 8),
                    ETag = Utf8(blob, at + 16),
                    DataOffset = Checked(blob, at + 24),
                    DataLength = (int)U32(blob, at + 28),
                    GzipOffset = (int)U32(blob, at + 32),
                    GzipLength = (int)U32(blob, at + 36),
                    LastModified = (long)((ulong)U32(blob, at + 40) | (ulong)U32(blob, at + 44) << 32),
                };
                if (f.GzipLength > 0) Checked(blob, at + 32);
                // The gzip variant is another representation: its own strong validator.
                f.GzipETag = f.ETag.Length > 1 ? f.ETag.Substring(0, f.ETag.Length - 1) + "-gz\"" : f.ETag;
                byte[] date = new byte[HttpDate.Length];
                HttpDate.Format(f.LastModified, date);
                f.LastModifiedText = Encoding.ASCII.GetString(date);
                files[i] = f;
            }
            return new StaticSite(blob, files);
        }

        /// <summary>Copies a packed blob (e.g. the image's read-only section) into the heap and reads it.</summary>
        public static StaticSite Load(ReadOnlySpan<byte> blob) => Load(blob.ToArray());

        /// <summary>Routes GET and HEAD of every file's path to this site (other methods get 405 with Allow).</summary>
        public void MapTo(HttpServer server)
        {
            ArgumentNullException.ThrowIfNull(server);
            for (int i = 0; i < _files.Length; i++)
            {
                int index = i;
                server.MapGet(_files[i].Path, (request, response) =>
                {
                    Serve(index, request, response);
                    return default;
                });
            }
        }

        /// <summary>The index of the file at <paramref name="path"/>, or -1.</summary>
        public int Find(ReadOnlySpan<byte> path)
        {
            int lo = 0, hi = _files.Length - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) / 2;
                int c = CompareOrdinal(_files[mid].Path, path);
                if (c == 0) return mid;
                if (c < 0) lo = mid + 1;
                else hi = mid - 1;
            }
            return -1;
        }

        /// <summary>Serves the request if its path is one of the site's files (GET/HEAD only); false otherwise,
        /// so a fallback handler can answer it.</summary>
        public bool TryServe(HttpRequest request, HttpResponse response)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (request.Method != "GET" && request.Method != "HEAD") return false;
            int index = Find(request.PathBytes);
            if (index < 0) return false;
            Serve(index, request, response);
            return true;
        }

        private void Serve(int index, HttpRequest request, HttpResponse response)
        {
            StaticFile f = _files[index];
            bool hasRange = request.TryGetHeader("Range", out ReadOnlySpan<byte> range);
            // A range is of the identity bytes: clients that ask for one resume a download.
            bool gzip = f.GzipLength > 0 && !hasRange && AcceptsGzip(request);
            string etag = gzip ? f.GzipETag : f.ETag;
            response.AddHeader("Content-Type", f.ContentType);
            response.AddHeader("ETag", etag);
            response.AddHeader("Last-Modified", f.LastModifiedText);
            response.AddHeader("Accept-Ranges", "bytes");
            if (f.GzipLength > 0) response.AddHeader("Vary", "Accept-Encoding");

            // RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it.
            if (request.TryGetHeader("If-None-Match", out ReadOnlySpan<byte> inm))
            {
                if (MatchesAny(inm, etag))
                {
                    response.Status = 304;
                    return;
                }
            }
            else if (request.TryGetHeader("If-Modified-Since", out ReadOnlySpan<byte> ims) && HttpDate.TryParse(ims, out long since) && f.LastModified <= since)
            {
                response.Status = 304;
                return;
            }

            if (gzip)
            {
                response.AddHeader("Content-Encoding", "gzip");
                response.WriteBody(new ReadOnlyMemory<byte>(_blob, f.GzipOffset, f.GzipLength));
                return;
            }
            int length = f.DataLength;
            if (hasRange && IfRangeHolds(request, f))
            {
                int parsed = ParseRange(range, length, out int first, out int last);
                if (parsed == RangeUnsatisfiable)
                {
                    response.Status = 416;
                    response.AddHeader("Content-Range", "bytes */" + length.ToString());
                    return;
                }
                if (parsed == RangeOk)
                {
                    response.Status = 206;
                    response.AddHeader("Content-Range", "bytes " + first.ToString() + "-" + last.ToString() + "/" + length.ToString());
                    response.WriteBody(new ReadOnlyMemory<byte>(_blob, f.DataOffset + first, last - first + 1));
                    return;
                }
                // RangeIgnored: several ranges or a unit we do not serve; the whole file (RFC 9110 §14.2 allows it).
            }
            response.WriteBody(new ReadOnlyMemory<byte>(_blob, f.DataOffset, length));
            return;
        }

        private const int RangeOk = 0;
        private const int RangeIgnored = 1;
        private const int RangeUnsatisfiable = 2;

        /// <summary>One <c>bytes=</c> range (first-last, first-, or -suffix) against <paramref name="length"/>.</summary>
        internal static int ParseRange(ReadOnlySpan<byte> value, int length, out int first, out int last)
        {
            first = 0;
            last = 0;
            if (value.Length < 6 || !HttpRequest.EqualsIgnoreCase(value.Slice(0, 6), "bytes=")) return RangeIgnored;
            ReadOnlySpan<byte> spec = Trim(value.Slice(6));
            for (int i = 0; i < spec.Length; i++) if (spec[i] == (byte)',') return RangeIgnored;
            int dash = spec.IndexOf((byte)'-');
            if (dash < 0) return RangeIgnored;
            ReadOnlySpan<byte> a = Trim(spec.Slice(0, dash)), b = Trim(spec.Slice(dash + 1));
            if (a.Length == 0)
            {
                if (!Number(b, out long suffix)) return RangeIgnored;
                if (suffix == 0 || length == 0) return RangeUnsatisfiable;
                first = (int)(suffix >= length ? 0 : length - suffix);
                last = length - 1;
                return RangeOk;
            }
            if (!Number(a, out long start)) return RangeIgnored;
            long end = length - 1;
            if (b.Length > 0)
            {
                if (!Number(b, out end) || end < start) return RangeIgnored; // invalid: ignore the field
                if (end > length - 1) end = length - 1;
            }
            if (start >= length) return RangeUnsatisfiable;
            first = (int)start;
            last = (int)end;
            return RangeOk;
        }

        private static bool IfRangeHolds(HttpRequest request, StaticFile f)
        {
            if (!request.TryGetHeader("If-Range", out ReadOnlySpan<byte> v)) return true;
            if (v.Length > 0 && v[0] == (byte)'"') return EqualsAscii(v, f.ETag); // strong comparison
            return HttpDate.TryParse(v, out long date) && date == f.LastModified;
        }

        /// <summary>Whether Accept-Encoding lists gzip (or *) with a q above zero.</summary>
        private static bool AcceptsGzip(HttpRequest request)
        {
            if (!request.TryGetHeader("Accept-Encoding", out ReadOnlySpan<byte> v)) return false;
            bool star = false;
            while (v.Length > 0)
            {
                int comma = v.IndexOf((byte)',');
                ReadOnlySpan<byte> item = Trim(comma < 0 ? v : v.Slice(0, comma));
                v = comma < 0 ? default : v.Slice(comma + 1);
                int semi = item.IndexOf((byte)';');
                ReadOnlySpan<byte> coding = Trim(semi < 0 ? item : item.Slice(0, semi));
                bool zero = semi >= 0 && QualityIsZero(item.Slice(semi + 1));
                if (HttpRequest.EqualsIgnoreCase(coding, "gzip") || HttpRequest.EqualsIgnoreCase(coding, "x-gzip")) return !zero;
                if (coding.Length == 1 && coding[0] == (byte)'*') star = !zero;
            }
            return star;
        }

        private static bool QualityIsZero(ReadOnlySpan<byte> param)
        {
            param = Trim(param);
            if (param.Length < 2 || (param[0] | 0x20) != (byte)'q' || param[1] != (byte)'=') return false;
            ReadOnlySpan<byte> q = Trim(param.Slice(2));
            for (int i = 0; i < q.Length; i++) if (q[i] != (byte)'0' && q[i] != (byte)'.') return false;
            return q.Length > 0;
        }

        /// <summary>If-None-Match: "*" or a list of entity tags, compared weakly (RFC 9110 §13.1.2).</summary>
        private static bool MatchesAny(ReadOnlySpan<byte> list, string etag)
        {
            while (list.Length > 0)
            {
                int comma = list.IndexOf((byte)',');
                ReadOnlySpan<byte> item = Trim(comma < 0 ? list : list.Slice(0, comma));
                list = comma < 0 ? default : list.Slice(comma + 1);
                if (item.Length == 1 && item[0] == (byte)'*') return true;
                if (item.Length > 2 && item[0] == (byte)'W' && item[1] == (byte)'/') item = item.Slice(2);
                if (EqualsAscii(item, etag)) return true;
            }
            return false;
        }

        private static bool EqualsAscii(ReadOnlySpan<byte> s, string text)
        {
            if (s.Length != text.Length) return false;
            for (int i = 0; i < s.Length; i++) if (s[i] != text[i]) return false;
            return true;
        }

        private static int CompareOrdinal(string path, ReadOnlySpan<byte> bytes)
        {
            // Paths are ASCII in practice; a non-ASCII request path compares by its bytes' UTF-8
            // order, the order the packer sorted UTF-8 strings by (ordinal UTF-16 agrees below U+D800).
            byte[] p = Encoding.UTF8.GetBytes(path);
            int n = p.Length < bytes.Length ? p.Length : bytes.Length;
            for (int i = 0; i < n; i++) if (p[i] != bytes[i]) return p[i] - bytes[i];
            return p.Length - bytes.Length;
        }

        private static bool Number(ReadOnlySpan<byte> s, out long value)
        {
            value = 0;
            if (s.Length == 0 || s.Length > 15) return false;
            for (int i = 0; i < s.Length; i++)
            {
                int d = s[i] - '0';
                if (d < 0 || d > 9) return false;
                value = value * 10 + d;
            }
            return true;
        }

        private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
        {
            int a = 0, b = s.Length;
            while (a < b && (s[a] == (byte)' ' || s[a] == (byte)'\t')) a++;
            while (b > a && (s[b - 1] == (byte)' ' || s[b - 1] == (byte)'\t')) b--;
            return s.Slice(a, b - a);
        }

        private static uint U32(byte[] b, int at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);

        private static string Utf8(byte[] blob, int at) => Encoding.UTF8.GetString(blob, Checked(blob, at), (int)U32(blob, at + 4));

        /// <summary>The offset at <paramref name="at"/>, checked with the length after it against the blob.</summary>
        private static int Checked(byte[] blob, int at)
        {
            uint offset = U32(blob, at), length = U32(blob, at + 4);
            if ((ulong)offset + length > (ulong)blob.Length) throw new ArgumentException("static-content blob: an entry points outside it");
            return (int)offset;
        }

        private sealed class StaticFile
        {
            public string Path = "";
            public string ContentType = "";
            public string ETag = "";
            public string GzipETag = "";
            public string LastModifiedText = "";
            public int DataOffset;
            public int DataLength;
            public int GzipOffset;
            public int GzipLength;
            public long LastModified;
        }
    }
}
