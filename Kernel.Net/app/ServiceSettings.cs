using System;
using System.Collections.Generic;
using System.Text;

namespace Kernel.Net.App
{
    /// <summary>
    /// An app's typed settings. On a guest they come from Summoner's <c>[service.env]</c> table
    /// (handed over through fw_cfg, never the kernel command line) and then the command line; in a
    /// hosted build from <c>key=value</c> arguments and then environment variables. A missing or
    /// malformed value throws <see cref="SettingException"/> naming the key and what to write.
    /// Values are never logged: error messages name keys only.
    /// </summary>
    public sealed class ServiceSettings
    {
        /// <summary>Largest settings file a guest accepts; Summoner's config refuses more.</summary>
        public const int MaxBytes = 16 * 1024;

        private readonly Func<string, string?> _lookup;

        public ServiceSettings(Func<string, string?> lookup)
        {
            ArgumentNullException.ThrowIfNull(lookup);
            _lookup = lookup;
        }

        /// <summary>The raw value, or null when the key is not set.</summary>
        public string? Find(string key) => _lookup(key);

        public string GetString(string key) => _lookup(key) ?? throw Missing(key, "a string");

        public string GetString(string key, string fallback) => _lookup(key) ?? fallback;

        public int GetInt(string key) => ParseInt(key, _lookup(key) ?? throw Missing(key, "an integer"));

        public int GetInt(string key, int fallback)
        {
            string? text = _lookup(key);
            return text is null ? fallback : ParseInt(key, text);
        }

        public bool GetBool(string key) => ParseBool(key, _lookup(key) ?? throw Missing(key, "true or false"));

        public bool GetBool(string key, bool fallback)
        {
            string? text = _lookup(key);
            return text is null ? fallback : ParseBool(key, text);
        }

        /// <summary>
        /// The ports to listen on: Summoner passes a service's <c>ports = [80, 443, "53/udp"]</c> as
        /// <c>port=80,443</c> (TCP) and <c>udp=53</c>; <paramref name="fallback"/> when the key is absent.
        /// </summary>
        public ushort[] GetPorts(string key, ushort fallback)
        {
            string? text = _lookup(key);
            if (text is null) return new ushort[] { fallback };
            var ports = new List<ushort>();
            int at = 0;
            while (at <= text.Length)
            {
                int comma = text.IndexOf(',', at);
                if (comma < 0) comma = text.Length;
                string item = text.Substring(at, comma - at);
                // 0 asks for any free port: tests of hosted builds use it.
                if (!int.TryParse(item, out int port) || port < 0 || port > 65535)
                    throw new SettingException(key, "setting " + key + " must list ports 1-65535 separated by commas, for example " + key + "=80,443");
                ports.Add((ushort)port);
                at = comma + 1;
            }
            return ports.ToArray();
        }

        private static int ParseInt(string key, string text)
        {
            if (!int.TryParse(text, out int value))
                throw new SettingException(key, "setting " + key + " is not an integer: write digits with an optional '-', for example " + key + "=42");
            return value;
        }

        private static bool ParseBool(string key, string text)
        {
            if (text == "true" || text == "1" || text == "yes") return true;
            if (text == "false" || text == "0" || text == "no") return false;
            throw new SettingException(key, "setting " + key + " is not a boolean: write true or false");
        }

        private static SettingException Missing(string key, string what)
            => new SettingException(key, "setting " + key + " is missing: add " + key + " (" + what + ") to the service's [service.env] table, or --env " + key + "=... to summoner run");

        /// <summary>
        /// Parses the settings file Summoner writes: UTF-8 lines <c>KEY=VALUE</c>, keys of
        /// letters, digits and '_', values without control characters. Throws on anything else.
        /// </summary>
        public static Dictionary<string, string> ParseFile(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > MaxBytes)
                throw new SettingException("", "the settings are " + bytes.Length.ToString() + " bytes, more than the " + MaxBytes.ToString() + " a guest accepts");
            string text = Encoding.UTF8.GetString(bytes);
            var values = new Dictionary<string, string>();
            int at = 0;
            int line = 1;
            while (at < text.Length)
            {
                int end = text.IndexOf('\n', at);
                if (end < 0) end = text.Length;
                string entry = text.Substring(at, end - at);
                at = end + 1;
                int eq = entry.IndexOf('=');
                if (eq <= 0 || !IsKey(entry, eq))
                    throw new SettingException("", "settings line " + line.ToString() + " is not KEY=VALUE with a key of letters, digits and '_'");
                values[entry.Substring(0, eq)] = entry.Substring(eq + 1);
                line++;
            }
            return values;
        }

        /// <summary>Keys are what a shell variable name may be, so hosted builds can take them from the environment.</summary>
        public static bool IsKey(string text, int length)
        {
            if (length < 1 || length > 64) return false;
            for (int i = 0; i < length; i++)
            {
                char c = text[i];
                bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
                if (!ok) return false;
            }
            return true;
        }
    }

    /// <summary>A setting the app needs is missing or malformed; the message names the key, never its value.</summary>
    public sealed class SettingException : Exception
    {
        public SettingException(string key, string message) : base(message) { Key = key; }

        public string Key { get; }
    }

    /// <summary>Typed access to a host's settings.</summary>
    public static class ServiceSettingsExtensions
    {
        public static ServiceSettings Settings(this IServiceHost host)
        {
            ArgumentNullException.ThrowIfNull(host);
            return new ServiceSettings(host.Setting);
        }
    }
}
