using System;
using Kernel.Net.App;

namespace Kernel.Net.Http
{
    /// <summary>
    /// Limits and deadlines of an <see cref="HttpServer"/>. Each limit has its status: the request
    /// target (414), the header section and the header count (431), the body (413), the number of
    /// connections (503); a request that stalls past a deadline gets 408 and a close.
    /// Times are nanoseconds on the host's monotonic clock.
    /// </summary>
    public sealed class HttpServerOptions
    {
        private const long Second = 1_000_000_000L;
        private const long Millisecond = 1_000_000L;

        /// <summary>Longest request target (path and query); longer gets 414.</summary>
        public int MaxTargetBytes { get; set; } = 4 * 1024;

        /// <summary>Request line plus header fields plus the blank line; more gets 431 (bounds every line too).</summary>
        public int MaxHeaderBytes { get; set; } = 8 * 1024;

        /// <summary>Header fields per request; more gets 431.</summary>
        public int MaxHeaderCount { get; set; } = 100;

        /// <summary>Decoded request body, Content-Length or chunked; more gets 413.</summary>
        public int MaxBodyBytes { get; set; } = 1024 * 1024;

        /// <summary>Connections served at once; one more is answered 503 and closed.</summary>
        public int MaxConnections { get; set; } = 200;

        /// <summary>Keep-alive connection with nothing of a next request: closed silently.</summary>
        public long IdleTimeout { get; set; } = 60 * Second;

        /// <summary>From the first byte of a request to the end of its request line (a connection that sends nothing is idle).</summary>
        public long RequestLineTimeout { get; set; } = 5 * Second;

        /// <summary>From the first byte of a request to the end of its header section.</summary>
        public long HeaderTimeout { get; set; } = 10 * Second;

        /// <summary>A request body must bring at least <see cref="MinBodyBytesPerInterval"/> bytes (or finish) in each interval of this length.</summary>
        public long BodyProgressInterval { get; set; } = 10 * Second;

        public int MinBodyBytesPerInterval { get; set; } = 1024;

        /// <summary>Unix time (seconds) at the host's clock zero, for a fixed clock (tests, a machine whose
        /// date is wrong). Without it, <c>Date</c> comes from the host's own date (<see cref="App.IWallClock"/>:
        /// a guest's RTC, a process's clock), and a host without one sends none (RFC 9110 §6.6.1). Setting <c>epoch</c>.</summary>
        public long? EpochSeconds { get; set; }

        /// <summary>The <c>Server</c> header; empty for none.</summary>
        public string ServerHeader { get; set; } = "summoner-kernel-net";

        /// <summary>Defaults overridden by the host's settings (guest: kernel command line; hosted: arguments):
        /// <c>http_max_target</c>, <c>http_max_header_bytes</c>, <c>http_max_headers</c>, <c>http_max_body</c>,
        /// <c>http_max_connections</c> (bytes or counts), <c>http_idle_ms</c>, <c>http_request_line_ms</c>,
        /// <c>http_header_ms</c>, <c>http_body_interval_ms</c>, <c>http_body_min_bytes</c>, <c>epoch</c> (Unix seconds).
        /// A value that is not a positive number throws with the setting's name.</summary>
        public static HttpServerOptions FromSettings(IServiceHost host)
        {
            ArgumentNullException.ThrowIfNull(host);
            var o = new HttpServerOptions();
            o.MaxTargetBytes = (int)Read(host, "http_max_target", o.MaxTargetBytes, 1);
            o.MaxHeaderBytes = (int)Read(host, "http_max_header_bytes", o.MaxHeaderBytes, 1);
            o.MaxHeaderCount = (int)Read(host, "http_max_headers", o.MaxHeaderCount, 1);
            o.MaxBodyBytes = (int)Read(host, "http_max_body", o.MaxBodyBytes, 1);
            o.MaxConnections = (int)Read(host, "http_max_connections", o.MaxConnections, 1);
            o.IdleTimeout = Read(host, "http_idle_ms", o.IdleTimeout / Millisecond, 1) * Millisecond;
            o.RequestLineTimeout = Read(host, "http_request_line_ms", o.RequestLineTimeout / Millisecond, 1) * Millisecond;
            o.HeaderTimeout = Read(host, "http_header_ms", o.HeaderTimeout / Millisecond, 1) * Millisecond;
            o.BodyProgressInterval = Read(host, "http_body_interval_ms", o.BodyProgressInterval / Millisecond, 1) * Millisecond;
            o.MinBodyBytesPerInterval = (int)Read(host, "http_body_min_bytes", o.MinBodyBytesPerInterval, 0);
            string? epoch = host.Setting("epoch");
            if (epoch is not null)
            {
                if (!long.TryParse(epoch, out long e) || e < 0)
                    throw new ArgumentException("epoch=" + epoch + " is not Unix seconds: use for example epoch=1767225600");
                o.EpochSeconds = e;
            }
            o.Validate();
            return o;
        }

        /// <summary>Throws if the limits contradict each other.</summary>
        public void Validate()
        {
            if (MaxHeaderBytes < 256) throw new ArgumentException("http_max_header_bytes=" + MaxHeaderBytes.ToString() + " is too small: use at least 256");
            if (MaxTargetBytes >= MaxHeaderBytes)
                throw new ArgumentException("http_max_target=" + MaxTargetBytes.ToString() + " must be below http_max_header_bytes=" + MaxHeaderBytes.ToString());
            if (MaxHeaderCount < 1 || MaxBodyBytes < 0 || MaxConnections < 1) throw new ArgumentException("HTTP limits must be positive");
            if (IdleTimeout <= 0 || RequestLineTimeout <= 0 || HeaderTimeout <= 0 || BodyProgressInterval <= 0)
                throw new ArgumentException("HTTP deadlines must be positive");
        }

        private static long Read(IServiceHost host, string key, long fallback, long min)
        {
            string? text = host.Setting(key);
            if (text is null) return fallback;
            if (!long.TryParse(text, out long v) || v < min || v > int.MaxValue)
                throw new ArgumentException(key + "=" + text + " is not a usable number: use an integer from " + min.ToString() + " up, for example " + key + "=" + fallback.ToString());
            return v;
        }
    }
}
