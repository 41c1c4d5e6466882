using System;
using System.Globalization;
using System.Text;

namespace CoreLibTest
{
    public static partial class Checks
    {
        private static void Strings(Report r)
        {
            string a = "Hello", b = "World";
            string joined = a + ", " + b + "!";
            r.Line("concat", joined);
            r.Line("concat-mixed", "n=" + 42 + " c=" + 'x' + " b=" + true);
            r.Line("concat-null", string.Concat(a, null, b));
            string built = new string(new[] { 'H', 'e', 'l', 'l', 'o' });
            r.Line("equality", (built == a) + " " + ReferenceEquals(built, a) + " " + a.Equals(built) + " " + (a != b));
            r.Line("equals-ignorecase", string.Equals("ABC", "abc", StringComparison.OrdinalIgnoreCase) + " " + "ABC".Equals("abd", StringComparison.OrdinalIgnoreCase));
            r.Line("hash-consistent", built.GetHashCode() == a.GetHashCode());
            r.Line("length", joined.Length);
            r.Line("indexer", joined[7].ToString());
            r.Line("substring", joined.Substring(7) + "|" + joined.Substring(0, 5) + "|" + joined.Substring(13).Length);
            r.Line("indexof-char", joined.IndexOf('o') + " " + joined.IndexOf('o', 5) + " " + joined.IndexOf('z'));
            r.Line("indexof-string", joined.IndexOf("World") + " " + joined.IndexOf("") + " " + joined.IndexOf("world") + " " + joined.IndexOf("world", StringComparison.OrdinalIgnoreCase));
            r.Line("lastindexof", joined.LastIndexOf('o') + " " + joined.LastIndexOf('q'));
            r.Line("startswith", joined.StartsWith("Hell") + " " + joined.StartsWith("hell") + " " + joined.StartsWith("hell", StringComparison.OrdinalIgnoreCase) + " " + joined.StartsWith('H'));
            r.Line("endswith", joined.EndsWith("!") + " " + joined.EndsWith("World", StringComparison.Ordinal));
            r.Line("contains", joined.Contains("lo, W") + " " + joined.Contains('!') + " " + joined.Contains("xyz"));
            r.Line("trim", "[" + "  \t padded \r\n".Trim() + "][" + "  x ".TrimStart() + "][" + "  x ".TrimEnd() + "][" + "--x--".Trim('-') + "]");
            r.Line("trim-empty", "[" + "   ".Trim() + "]");
            r.Line("split", Report.Join("a,b,,c".Split(',')));
            r.Line("split-remove-empty", Report.Join("a,b,,c,".Split(',', StringSplitOptions.RemoveEmptyEntries)));
            r.Line("split-count", Report.Join("k=v=w".Split('=', 2)));
            r.Line("split-trim", Report.Join(" a ; b ;c ".Split(';', StringSplitOptions.TrimEntries)));
            r.Line("split-none", Report.Join("abc".Split(',')));
            r.Line("split-chars", Report.Join("a b\tc".Split(' ', '\t')));
            r.Line("split-string", Report.Join("GET / HTTP/1.1\r\nHost: x\r\n\r\n".Split("\r\n")).Replace("\r", "") + " " + Report.Join("a--b--c".Split("--", 2)) + " " + Report.Join("x".Split("")) + " " + Report.Join("--a----b".Split("--", StringSplitOptions.RemoveEmptyEntries)));
            r.Line("split-edge", Report.Join(",a,,b,,c,".Split(',', 3, StringSplitOptions.RemoveEmptyEntries)) + " " + Report.Join("a,,b".Split(',', 2)) + " " + Report.Join(" a , ,b ".Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                + " " + Report.Join(",,".Split(',')) + " " + Report.Join("".Split(',')) + " " + "".Split(',', StringSplitOptions.RemoveEmptyEntries).Length + " " + Report.Join("a b  c".Split()) + " " + Report.Join("x::y::".Split("::", 2, StringSplitOptions.RemoveEmptyEntries)));
            r.Line("indexof-range", "abcabc".IndexOf('c', 3, 3) + " " + "abcabc".IndexOf('a', 1, 2) + " " + "abcabc".LastIndexOf('b', 3) + " " + "a,b;c".IndexOfAny(new[] { ';', ',' }, 2));
            r.Line("case", "MiXeD 123 Ok".ToLowerInvariant() + " " + "MiXeD 123 Ok".ToUpperInvariant());
            r.Line("join", string.Join(", ", "x", "y", "z") + "|" + string.Join('-', new[] { "1", "2" }) + "|" + string.Join("+", new System.Collections.Generic.List<string> { "p", "q" }));
            r.Line("join-ints", string.Join(",", new System.Collections.Generic.List<int> { 1, 2, 3 }));
            r.Line("isnullorempty", string.IsNullOrEmpty(null) + " " + string.IsNullOrEmpty("") + " " + string.IsNullOrEmpty(" ") + " " + string.IsNullOrWhiteSpace(" \t"));
            r.Line("replace", "a-b-c".Replace('-', '+') + " " + "one two one".Replace("one", "1") + " " + "aaa".Replace("a", ""));
            r.Line("pad", "[" + "7".PadLeft(3, '0') + "][" + "ab".PadRight(4) + "][" + "long".PadLeft(2) + "]");
            r.Line("insert-remove", "abef".Insert(2, "cd") + " " + "abcdef".Remove(2, 2) + " " + "abcdef".Remove(4));
            r.Line("compare", Math.Sign(string.CompareOrdinal("abc", "abd")) + " " + Math.Sign(string.CompareOrdinal("b", "a")) + " " + string.CompareOrdinal("x", "x"));
            r.Line("new-string", new string('*', 4) + new string("abcdef".AsSpan(1, 2)));
            r.Line("tochararray", new string(joined.ToCharArray(), 7, 5));
            int letters = 0;
            foreach (char c in joined) if (char.IsLetter(c)) letters++;
            r.Line("foreach", letters);
            r.Line("char-class", char.IsDigit('7') + " " + char.IsWhiteSpace('\u00a0') + " " + char.IsUpper('q') + " " + char.ToUpperInvariant('q'));
            r.Line("empty-edges", "abc".LastIndexOf("") + " " + "abc".IndexOf("", 2) + " [" + "abc".Substring(3) + "] " + "abc".LastIndexOf("c", StringComparison.Ordinal) + " " + "".IndexOf("") + " " + "abc".EndsWith("") + " [" + string.Concat((string?)null, null) + "]");
            r.Line("join-nulls", string.Join("-", new string?[] { "a", null, "c" }) + " " + string.Join(",", Array.Empty<string>()) + "|");
            r.Line("compare-values", string.CompareOrdinal("a", "c") + " " + string.CompareOrdinal("ab", "abcd") + " " + string.CompareOrdinal(null, "a") + " " + Math.Sign(string.Compare("B", "a", StringComparison.OrdinalIgnoreCase)));
            r.Line("bom", Report.Units(Encoding.UTF8.GetString(new byte[] { 0xef, 0xbb, 0xbf, 0x41 })) + " " + Encoding.UTF8.GetBytes("\ufeff").Length);
            r.Line("format", string.Format("{0}-{1,4}-{2,-3}|{0:x}|{{}}", 255, "ab", 'c'));
            r.Line("format-hex", string.Format("{0:X4} {1:x8}", 0xbeef, 17u));
        }

        private static void Conversions(Report r)
        {
            byte[] bytes = [0x00, 0x0f, 0xa5, 0xff];
            r.Line("hex", Convert.ToHexString(bytes) + " " + Report.Hex(Convert.FromHexString("00fFa5")) + " " + Convert.ToInt32("ff", 16) + " " + Convert.ToInt32("0x1F", 16));
            r.Line("base64", Convert.ToBase64String(bytes) + " " + Convert.ToBase64String(new byte[] { 1 }) + " " + Convert.ToBase64String(new byte[] { 1, 2 }) + " " + Convert.ToBase64String([]) + "|");
            r.Line("base64-decode", Report.Hex(Convert.FromBase64String("AA+l/w==")) + " " + Encoding.ASCII.GetString(Convert.FromBase64String("aGVs bG8=")));
            var keep = new object();
            GC.KeepAlive(keep);
            System.Diagnostics.Debug.Assert(keep is not null, "never fails");
            r.Line("gc-api", GC.MaxGeneration >= 0);
        }

        private static void Formatting(Report r)
        {
            int i = -42;
            uint u = 4000000000;
            long l = long.MinValue;
            ulong ul = ulong.MaxValue;
            ushort us = 65535;
            byte by = 200;
            short sh = -7;
            sbyte sb = -128;
            char c = 'Q';
            bool t = true;
            string s = "str";
            string? none = null;
            r.Line("ints", $"{i} {u} {l} {ul} {us} {by} {sh} {sb}");
            r.Line("others", $"{c} {t} {!t} {s} [{none}]");
            r.Line("hex", $"{255:x} {255:X} {0xbeef:X4} {0x1f:x4} {by:x2} {us:X}");
            r.Line("hex-negative", $"{i:x} {sh:x} {sb:X} {l:X} {-1L:x}");
            r.Line("decimal-precision", $"{42:D5} {i:D5} {0:D0} {u:D12}");
            r.Line("alignment", $"[{7,3}][{7,-3}][{"ab",4}][{255,6:x}]");
            r.Line("literal-braces", $"{{{i}}}");
            r.Line("tostring", 12345.ToString() + " " + (-1).ToString() + " " + int.MinValue.ToString() + " " + 0.ToString());
            r.Line("tostring-x", 255.ToString("x") + " " + 255.ToString("X2") + " " + 4096.ToString("x8") + " " + (-1).ToString("x") + " " + uint.MaxValue.ToString("X"));
            r.Line("tostring-provider", 99.ToString(CultureInfo.InvariantCulture) + " " + 255.ToString("x", CultureInfo.InvariantCulture));
            r.Line("tostring-g", 5.ToString("G") + " " + 5.ToString("d3") + " " + ulong.MaxValue.ToString());
            r.Line("nullable", $"{(int?)5}|{(int?)null}|");
            r.Line("object", $"{new Point(2, 3)} {Color.Green:D} {Color.Blue:X}");
            r.Line("nested", $"<{$"[{new Point(1, 2)}|{$"{7:x2}"}]"}>" + $"{new Endpoint("n", 1),20}|");
            r.Line("wide-precision", 5.ToString("D70").Length + " " + $"{-5:D40}".Length + " " + 255.ToString("x30"));
            r.Line("long-text", $"{new string('x', 300)}{1}{new string('y', 700)}".Length);
            int[] spanTarget = [0];
            Span<char> chars = stackalloc char[4];
            r.Line("tryformat", 1234.TryFormat(chars, out int written) + " " + written + " " + 12345.TryFormat(chars, out written) + " " + (-1L).TryFormat(chars, out written, "x") + spanTarget.Length);
        }

        private static void Parsing(Report r)
        {
            r.Line("int-parse", int.Parse("123") + " " + int.Parse("-2147483648") + " " + int.Parse("  +77  ") + " " + int.Parse("0042"));
            r.Line("int-tryparse", TryInt("2147483647") + " " + TryInt("2147483648") + " " + TryInt("12a") + " " + TryInt("") + " " + TryInt(" ") + " " + TryInt("-") + " " + TryInt(null) + " " + TryInt("1 2"));
            r.Line("long-tryparse", TryLong("9223372036854775807") + " " + TryLong("-9223372036854775808") + " " + TryLong("9223372036854775808") + " " + TryLong("-5"));
            r.Line("uint-tryparse", TryUInt("4294967295") + " " + TryUInt("4294967296") + " " + TryUInt("-0") + " " + TryUInt("-1") + " " + TryUInt("+3"));
            r.Line("small", byte.Parse("255") + " " + byte.TryParse("256", out byte b0) + b0 + " " + ushort.Parse("65535") + " " + short.Parse("-32768") + " " + sbyte.TryParse("-129", out sbyte s0));
            r.Line("ulong", ulong.Parse("18446744073709551615") + " " + ulong.TryParse("18446744073709551616", out ulong u0) + u0);
            r.Line("hex", int.Parse("ff", NumberStyles.HexNumber) + " " + int.Parse("FFFFFFFF", NumberStyles.HexNumber) + " " + uint.Parse("DeadBeef", NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                + " " + int.TryParse("1ffffffff", NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int h0) + h0);
            r.Line("span", int.TryParse("x=123".AsSpan(2), out int fromSpan) + " " + fromSpan + " " + int.Parse("99".AsSpan()));
            r.Line("provider", int.Parse("8", CultureInfo.InvariantCulture) + " " + long.Parse("-8", NumberStyles.Integer, CultureInfo.InvariantCulture));
            r.Line("edge", TryInt("\t12\n") + " " + TryInt("\u00a012") + " " + TryInt("1_000") + " " + TryInt("+-1") + " " + TryInt("--1") + " " + TryInt("1e3")
                + " " + TryInt("\u0661") + " " + TryInt("0x10") + " " + TryInt(" 0 ") + " " + TryInt("-0") + " " + TryInt("5\0\0") + " " + TryInt("5\0 ") + " " + TryInt("00000000000000000000042")
                + " " + TryInt("-2147483649") + " " + TryLong("99999999999999999999x") + " " + TryInt("\u2003" + "7"));
            r.Line("hex-edge", int.TryParse(" ff ", NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int hx) + ":" + hx + " " + int.TryParse("-ff", NumberStyles.HexNumber, CultureInfo.InvariantCulture, out hx)
                + " " + long.TryParse("8000000000000000", NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long lx) + ":" + lx + " " + byte.TryParse("1FF", NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte bx) + bx);
            r.Line("bool", bool.Parse("True") + " " + bool.Parse(" false ") + " " + bool.TryParse("yes", out bool y) + y);
        }

        private static string TryInt(string? s) => int.TryParse(s, out int v) ? "ok:" + v : "no:" + v;

        private static string TryLong(string s) => long.TryParse(s, out long v) ? "ok:" + v : "no:" + v;

        private static string TryUInt(string s) => uint.TryParse(s, out uint v) ? "ok:" + v : "no:" + v;

        private static void Builders(Report r)
        {
            var sb = new StringBuilder();
            sb.Append("a").Append('b').Append(12).Append(-3L).Append(4u).Append(5UL).Append(true).Append((byte)6).Append((ushort)7);
            r.Line("append", sb.ToString() + " " + sb.Length);
            sb.Append('-', 3).AppendLine("x").Append($"v={0x10:x}{-3,4}{"s",-2}|");
            r.Line("append-more", sb.ToString().Replace("\n", "\\n"));
            sb.Length = 3;
            r.Line("truncate", sb.ToString() + " " + sb[1]);
            sb.Clear();
            r.Line("clear", sb.Length + "[" + sb + "]");
            for (int i = 0; i < 100; i++) sb.Append(i % 10);
            r.Line("grow", sb.Length + " " + sb.ToString(95, 5));
            var sb2 = new StringBuilder("start");
            sb2.Insert(0, ">>").Remove(2, 1).AppendFormat("[{0}|{1:x}]", "f", 31);
            r.Line("insert-remove-format", sb2.ToString());
            sb2[0] = '<';
            r.Line("set-char", sb2.ToString());
        }

        private static void Encodings(Report r)
        {
            string text = "Hi \u00e9\u20ac\ud83d\ude00";
            byte[] utf8 = Encoding.UTF8.GetBytes(text);
            r.Line("utf8-bytes", Report.Hex(utf8));
            r.Line("utf8-count", Encoding.UTF8.GetByteCount(text) + " " + Encoding.UTF8.GetByteCount("abc"));
            r.Line("utf8-roundtrip", Report.Units(Encoding.UTF8.GetString(utf8)) + " " + (Encoding.UTF8.GetString(utf8) == text));
            Span<byte> buf = stackalloc byte[16];
            int written = Encoding.UTF8.GetBytes("caf\u00e9", buf);
            r.Line("utf8-span", written + " " + Report.Hex(buf.Slice(0, written)));
            byte[] invalid = [0x41, 0xff, 0xc3, 0x28, 0xe2, 0x82, 0x41, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98];
            r.Line("utf8-invalid", Report.Units(Encoding.UTF8.GetString(invalid)));
            r.Line("utf8-lone-surrogate", Report.Hex(Encoding.UTF8.GetBytes("a\ud800b")));
            byte[] ascii = Encoding.ASCII.GetBytes("GET / \u00e9");
            r.Line("ascii-bytes", Report.Hex(ascii) + " " + Encoding.ASCII.GetByteCount("xyz"));
            r.Line("ascii-string", Encoding.ASCII.GetString(new byte[] { 0x48, 0x69, 0x80, 0x21 }));
            written = Encoding.ASCII.GetBytes("HTTP/1.1", buf);
            r.Line("ascii-span", written + " " + Encoding.ASCII.GetString(buf.Slice(0, written)));
            r.Line("empty", Encoding.UTF8.GetString(ReadOnlySpan<byte>.Empty).Length + " " + Encoding.UTF8.GetBytes("").Length);
        }
    }
}
