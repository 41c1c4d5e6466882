namespace Kernel.Net.App
{
    /// <summary>
    /// The egress broker's protocol, in one place for both ends (the guest's <see cref="EgressClient"/>
    /// and Summoner's broker compile this same file), so they cannot drift. Text lines ending in
    /// '\n', at most <see cref="MaxLength"/> bytes. Summoner opens every connection to the guest's
    /// <c>egress_port</c> and names its role in the first line:
    /// <list type="bullet">
    /// <item><c>summoner-egress control TOKEN</c>: the control channel; the guest answers
    /// <c>summoner-egress ready</c> (proof that its own stack took the connection, not QEMU's
    /// forwarder) and then sends <c>connect ID HOST PORT</c> per outbound connection; Summoner
    /// answers a refusal as <c>refused ID REASON</c>.</item>
    /// <item><c>summoner-egress data ID TOKEN</c>: the connection to HOST:PORT asked for as ID; every byte
    /// after this line is the destination's.</item>
    /// </list>
    /// TOKEN is the guest's <c>egress_token</c> setting (handed over through fw_cfg, never a command
    /// line): in loopback mode any local process can connect to the forwarded port, and without it
    /// one could take the control channel over or answer a request with bytes of its choosing.
    /// Summoner speaks first on each connection because only it can open connections: QEMU user
    /// networking under restrict=on lets nothing out of the guest, so the guest never dials.
    /// </summary>
    public static class EgressLine
    {
        public const int MaxLength = 512;

        /// <summary>The internal port Summoner forwards and opens to when a service has egress
        /// (passed to the guest as <c>egress_port=</c>); high enough to collide with no service port one would write.</summary>
        public const ushort DefaultPort = 65000;

        private const string ControlPrefix = "summoner-egress control";
        public const string Ready = "summoner-egress ready";
        private const string DataPrefix = "summoner-egress data ";
        private const string ConnectPrefix = "connect ";
        private const string RefusedPrefix = "refused ";

        /// <summary>The control channel's first line (an empty token: none was given to the guest).</summary>
        public static string FormatControl(string token) => token.Length == 0 ? ControlPrefix : ControlPrefix + " " + token;

        public static bool IsControl(string line, string token) => line == FormatControl(token);

        public static string FormatData(int id, string token) => DataPrefix + id.ToString() + (token.Length == 0 ? "" : " " + token);

        /// <summary>A data line carrying <paramref name="token"/> (and nothing else after the ID).</summary>
        public static bool TryParseData(string line, string token, out int id)
        {
            id = 0;
            if (!line.StartsWith(DataPrefix, System.StringComparison.Ordinal)) return false;
            string rest = line.Substring(DataPrefix.Length);
            string suffix = token.Length == 0 ? "" : " " + token;
            if (rest.Length <= suffix.Length || !rest.EndsWith(suffix, System.StringComparison.Ordinal)) return false;
            return TryId(rest.Substring(0, rest.Length - suffix.Length), out id);
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
