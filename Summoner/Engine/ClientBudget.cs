using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Summoner.Engine;

/// <summary>
/// A per-client summon budget: a token bucket per source network (an IPv4 /24, an IPv6 /56: what
/// one party usually controls), taken only by queries that would start a boot. Answers for ready
/// services, and queries that join a boot already running, cost nothing.
/// </summary>
public sealed class ClientBudget
{
    private const int MaxTracked = 65_536;
    private readonly ConcurrentDictionary<ulong, Bucket> _buckets = new();
    private readonly int _burst;
    private readonly long _refillTicks;
    private readonly bool _includeLoopback;

    /// <param name="burst">Boots a client may start at once.</param>
    /// <param name="refill">How long until one more boot is allowed.</param>
    /// <param name="includeLoopback">False leaves loopback clients unbudgeted (see summoner.toml for why).</param>
    public ClientBudget(int burst, TimeSpan refill, bool includeLoopback)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(refill, TimeSpan.Zero);
        _burst = burst;
        _refillTicks = (long)(refill.TotalSeconds * Stopwatch.Frequency);
        _includeLoopback = includeLoopback;
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens = tokens;
        public long Stamp = stamp;
    }

    /// <summary>Takes one boot from the client's budget; false when it has none left. Unknown clients pass.</summary>
    public bool TryTake(SocketAddress? client)
    {
        if (client is null || !TryKey(client, out ulong key, out bool loopback)) return true;
        if (loopback && !_includeLoopback) return true;
        long now = Stopwatch.GetTimestamp();
        if (_buckets.Count >= MaxTracked) Forget(now);
        Bucket bucket = _buckets.GetOrAdd(key, _ => new Bucket(_burst, now));
        lock (bucket)
        {
            bucket.Tokens = Math.Min(_burst, bucket.Tokens + (double)(now - bucket.Stamp) / _refillTicks);
            bucket.Stamp = now;
            if (bucket.Tokens < 1) return false;
            bucket.Tokens--;
            return true;
        }
    }

    /// <summary>Drops buckets that have refilled completely (they equal a fresh one), bounding memory under spoofed sources.</summary>
    private void Forget(long now)
    {
        foreach (var (key, b) in _buckets)
            if (b.Tokens + (double)(now - b.Stamp) / _refillTicks >= _burst) _buckets.TryRemove(key, out _);
    }

    /// <summary>The client's network as a key: the top 24 bits of IPv4, 56 of IPv6 (IPv4-mapped counts as IPv4).</summary>
    internal static bool TryKey(SocketAddress a, out ulong key, out bool loopback)
    {
        key = 0;
        loopback = false;
        if (a.Family == AddressFamily.InterNetwork && a.Size >= 8)
        {
            key = (ulong)a[4] << 16 | (ulong)a[5] << 8 | a[6];
            loopback = a[4] == 127;
            return true;
        }
        if (a.Family != AddressFamily.InterNetworkV6 || a.Size < 24) return false;
        bool mapped = true;
        for (int i = 8; i < 18; i++) mapped &= a[i] == 0;
        if (mapped && a[18] == 0xff && a[19] == 0xff)
        {
            key = (ulong)a[20] << 16 | (ulong)a[21] << 8 | a[22];
            loopback = a[20] == 127;
            return true;
        }
        bool isLoopback = a[23] == 1;
        for (int i = 8; i < 23; i++) isLoopback &= a[i] == 0;
        loopback = isLoopback;
        for (int i = 8; i < 15; i++) key = key << 8 | a[i];
        key |= 1UL << 63;
        return true;
    }
}
