using System.Text;

namespace Summoner.Dns.Wire;

/// <summary>
/// A validated domain name held in uncompressed wire form, with its original case. Built from
/// configuration text; equality and hashing ignore ASCII case (RFC 4343).
/// </summary>
public sealed class DnsName : IEquatable<DnsName>
{
    private readonly byte[] _wire;

    private DnsName(byte[] wire) => _wire = wire;

    public static DnsName Root { get; } = new([0]);

    /// <summary>Uncompressed wire form, ending with the root label.</summary>
    public ReadOnlySpan<byte> Wire => _wire;

    public int LabelCount
    {
        get
        {
            int count = 0;
            for (int i = 0; _wire[i] != 0; i += 1 + _wire[i]) count++;
            return count;
        }
    }

    /// <summary>
    /// Parses a name in presentation form ("hello.example.test." or without the final dot). Letters,
    /// digits, '-' and '_' are accepted; anything else (including '*': wildcards are not served) is rejected with the reason.
    /// </summary>
    public static DnsName Parse(string text)
    {
        if (!TryParse(text, out var name, out string? error)) throw new FormatException(error);
        return name;
    }

    public static bool TryParse(string? text, out DnsName name, out string? error)
    {
        name = Root;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "a DNS name is empty: write it like \"hello.example.test.\"";
            return false;
        }
        if (text == ".") return true;
        string body = text.EndsWith('.') ? text[..^1] : text;
        var wire = new List<byte>(body.Length + 2);
        foreach (string label in body.Split('.'))
        {
            if (label.Length == 0)
            {
                error = $"DNS name \"{text}\" has an empty label (two dots in a row, or a leading dot)";
                return false;
            }
            if (label.Length > DnsLimits.MaxLabelLength)
            {
                error = $"DNS name \"{text}\": label \"{label}\" is {label.Length} characters, the limit is 63";
                return false;
            }
            foreach (char c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    error = $"DNS name \"{text}\": character '{c}' is not allowed; use letters, digits, '-' and '_'";
                    return false;
                }
            }
            wire.Add((byte)label.Length);
            foreach (char c in label) wire.Add((byte)c);
        }
        wire.Add(0);
        if (wire.Count > DnsLimits.MaxNameLength)
        {
            error = $"DNS name \"{text}\" is {wire.Count} bytes in wire form, the limit is 255";
            return false;
        }
        name = new DnsName([.. wire]);
        return true;
    }

    /// <summary>Builds a name from wire bytes already validated by <see cref="DnsMessageReader"/>.</summary>
    public static DnsName FromWire(ReadOnlySpan<byte> wire) => new(wire.ToArray());

    /// <summary>Prepends <paramref name="relative"/> ("www" or "a.b") to this name.</summary>
    public DnsName Prepend(string relative)
    {
        var prefix = Parse(relative);
        var combined = new byte[prefix._wire.Length - 1 + _wire.Length];
        prefix._wire.AsSpan(0, prefix._wire.Length - 1).CopyTo(combined);
        _wire.CopyTo(combined.AsSpan(prefix._wire.Length - 1));
        if (combined.Length > DnsLimits.MaxNameLength)
            throw new FormatException($"DNS name \"{relative}.{this}\" is longer than 255 bytes in wire form");
        return new DnsName(combined);
    }

    public bool IsSubdomainOf(DnsName apex) => IsSubdomainOf(_wire, apex._wire);

    /// <summary>True when <paramref name="name"/> equals <paramref name="apex"/> or lies below it (label-aligned, case-insensitive).</summary>
    public static bool IsSubdomainOf(ReadOnlySpan<byte> name, ReadOnlySpan<byte> apex)
    {
        if (name.Length < apex.Length) return false;
        int start = 0;
        while (name.Length - start > apex.Length) start += 1 + name[start];
        return name.Length - start == apex.Length && WireEqualsIgnoreCase(name[start..], apex);
    }

    public static bool WireEqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && ToLower(a[i]) != ToLower(b[i])) return false;
        }
        return true;
    }

    public static bool LabelEqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => WireEqualsIgnoreCase(a, b);

    public static byte ToLower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;

    /// <summary>Writes <paramref name="name"/> as one char per byte, lower-cased: the key zones index names by.</summary>
    public static void WriteKey(ReadOnlySpan<byte> name, Span<char> destination)
    {
        for (int i = 0; i < name.Length; i++) destination[i] = (char)ToLower(name[i]);
    }

    internal string Key
    {
        get
        {
            Span<char> key = stackalloc char[_wire.Length];
            WriteKey(_wire, key);
            return new string(key);
        }
    }

    /// <summary>Presentation form with a final dot; bytes outside printable ASCII and '.' '\' inside labels are escaped as \DDD.</summary>
    public static string Format(ReadOnlySpan<byte> wire)
    {
        if (wire.Length == 0 || wire[0] == 0) return ".";
        var text = new StringBuilder(wire.Length + 4);
        for (int i = 0; i < wire.Length && wire[i] != 0; i += 1 + wire[i])
        {
            foreach (byte b in wire.Slice(i + 1, wire[i]))
            {
                if (b is (byte)'.' or (byte)'\\' || b <= 0x20 || b >= 0x7F) text.Append('\\').Append(b.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
                else text.Append((char)b);
            }
            text.Append('.');
        }
        return text.ToString();
    }

    public override string ToString() => Format(_wire);

    public bool Equals(DnsName? other) => other is not null && WireEqualsIgnoreCase(_wire, other._wire);

    public override bool Equals(object? obj) => obj is DnsName other && Equals(other);

    public override int GetHashCode() => string.GetHashCode(Key, StringComparison.Ordinal);
}
