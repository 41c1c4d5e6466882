namespace Kernel.Net.App
{
    /// <summary>
    /// The egress broker's protocol, in one place for both ends (the guest's <see cref="EgressClient"/>
    /// and Summoner's broker compile this same file), so they cannot drift. Text lines ending in
    /// '\n', at most <see cref="MaxLength"/> bytes. Summoner opens every connection to the guest's
    /// <c>egress_port</c> and names its role in the first line:
    /// <list type="bullet">
    /// <item><c>summoner-egress control</c>: the control channel; the guest answers
    /// <c>summoner-egress ready</c> (proof that its own stack took the connection, not QEMU's
    /// forwarder) and then sends <c>connect ID HOST PORT</c> per outbound connection; Summoner
    /// answers a refusal as <c>refused ID REASON</c>.</item>
    /// <item><c>summoner-egress data ID</c>: the connection to HOST:PORT asked for as ID; every byte
    /// after this line is the destination's.</item>
    /// </list>
    /// Summoner speaks first on each connection because only it can open connections: QEMU user
    /// networking under restrict=on lets nothing out of the guest, so the guest never dials.
    /// </summary>
    public static class EgressLine
    {
        public const int MaxLength = 512;

        /// <summary>The internal port Summoner forwards and opens to when a service has egress
        /// (passed to the guest as <c>egress_port=</c>); high enough to collide with no service port one would write.</summary>
        public const ushort DefaultPort = 65000;

        public const string Control = "summoner-egress control";
        public const string Ready = "summoner-egress ready";
        private const string DataPrefix = "summoner-egress data ";
        private const string ConnectPrefix = "connect ";
        private const string RefusedPrefix = "refused ";

        public static string FormatData(int id) => DataPrefix + id.ToString();

        public static bool TryParseData(string line, out int id)
        {
            id = 0;
            return line.StartsWith(DataPrefix, System.StringComparison.Ordinal) && TryId(line.Substring(DataPrefix.Length), out id);
        }

        /// <summary>Null when <paramref name="host"/> cannot travel in a line (empty, spaces, control characters, too long).</summary>
        public static string? FormatConnect(int id, string host, ushort port)
        {
            if (!IsHost(host)) return null;
            return ConnectPrefix + id.ToString() + " " + host + " " + port.ToString();
        }

        public static bool TryParseConnect(string line, out int id, out string host, out ushort port)
        {
            id = 0;
            host = "";
            port = 0;
            if (!line.StartsWith(ConnectPrefix, System.StringComparison.Ordinal)) return false;
            int first = line.IndexOf(' ', ConnectPrefix.Length);
            if (first < 0) return false;
            int second = line.IndexOf(' ', first + 1);
            if (second < 0 || line.IndexOf(' ', second + 1) >= 0) return false;
            if (!TryId(line.Substring(ConnectPrefix.Length, first - ConnectPrefix.Length), out id)) return false;
            host = line.Substring(first + 1, second - first - 1);
            int p;
            if (!IsHost(host) || !TryDigits(line.Substring(second + 1), out p) || p < 1 || p > 65535) return false;
            port = (ushort)p;
            return true;
        }

        /// <summary>The reason is cut to fit one line and loses line breaks.</summary>
        public static string FormatRefused(int id, string reason)
        {
            string head = RefusedPrefix + id.ToString() + " ";
            var text = new char[System.Math.Min(reason.Length, MaxLength - head.Length - 1)];
            for (int i = 0; i < text.Length; i++) text[i] = reason[i] < ' ' ? ' ' : reason[i];
            return head + new string(text);
        }

        public static bool TryParseRefused(string line, out int id, out string reason)
        {
            id = 0;
            reason = "";
            if (!line.StartsWith(RefusedPrefix, System.StringComparison.Ordinal)) return false;
            int space = line.IndexOf(' ', RefusedPrefix.Length);
            if (space < 0 || !TryId(line.Substring(RefusedPrefix.Length, space - RefusedPrefix.Length), out id)) return false;
            reason = line.Substring(space + 1);
            return true;
        }

        /// <summary>Letters, digits, '.', '-', '_' (a DNS name or a dotted quad), 1-253 characters.</summary>
        public static bool IsHost(string host)
        {
            if (host.Length == 0 || host.Length > 253) return false;
            for (int i = 0; i < host.Length; i++)
            {
                char c = host[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')) return false;
            }
            return true;
        }

        private static bool TryId(string text, out int id) => TryDigits(text, out id) && id > 0;

        /// <summary>By hand: only ASCII digits, at most 9 of them (no sign, no overflow).</summary>
        private static bool TryDigits(string text, out int value)
        {
            value = 0;
            if (text.Length == 0 || text.Length > 9) return false;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9') return false;
                value = value * 10 + (c - '0');
            }
            return true;
        }
    }
}
