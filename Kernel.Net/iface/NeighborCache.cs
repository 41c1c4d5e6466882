using Kernel.Net.Wire;

namespace Kernel.Net.Iface
{
    /// <summary>ARP cache: IPv4 to Ethernet address with expiry, fixed size, evicting the entry closest to expiry.</summary>
    public sealed class NeighborCache
    {
        private readonly Ipv4Address[] _ip;
        private readonly MacAddress[] _mac;
        private readonly long[] _expires;
        private readonly long _lifetime;

        public NeighborCache(int capacity, long lifetime)
        {
            _ip = new Ipv4Address[capacity];
            _mac = new MacAddress[capacity];
            _expires = new long[capacity];
            _lifetime = lifetime;
        }

        public bool TryLookup(Ipv4Address ip, long now, out MacAddress mac)
        {
            for (int i = 0; i < _ip.Length; i++)
            {
                if (_ip[i] == ip && _expires[i] > now) { mac = _mac[i]; return true; }
            }
            mac = default;
            return false;
        }

        public bool Contains(Ipv4Address ip, long now) => TryLookup(ip, now, out _);

        public void Fill(Ipv4Address ip, MacAddress mac, long now)
        {
            int slot = 0;
            for (int i = 0; i < _ip.Length; i++)
            {
                if (_ip[i] == ip) { slot = i; break; }
                if (_expires[i] < _expires[slot]) slot = i;
            }
            _ip[slot] = ip;
            _mac[slot] = mac;
            _expires[slot] = now + _lifetime;
        }
    }
}
