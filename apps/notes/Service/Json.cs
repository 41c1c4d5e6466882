using System;
using System.Text;

namespace Notes
{
    /// <summary>
    /// Just enough JSON (RFC 8259) for this API, hand-written because the guest's core library has
    /// no serializer: strings escaped on the way out, and one flat object of string members read on
    /// the way in. Anything else in a request body is an error the caller turns into a 400.
    /// </summary>
    public static class Json
    {
        /// <summary>Appends <paramref name="value"/> as a JSON string, quotes included.</summary>
        public static void WriteString(StringBuilder to, string value)
        {
            to.Append('"');
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': to.Append("\\\""); break;
                    case '\\': to.Append("\\\\"); break;
                    case '\n': to.Append("\\n"); break;
                    case '\r': to.Append("\\r"); break;
                    case '\t': to.Append("\\t"); break;
                    default:
                        if (c < 0x20)
                        {
                            to.Append("\\u00");
                            to.Append(Hex((c >> 4) & 0xf));
                            to.Append(Hex(c & 0xf));
                        }
                        else to.Append(c);
                        break;
                }
            }
            to.Append('"');
        }

        /// <summary>
        /// Reads <paramref name="utf8"/> as one object whose members are all strings and returns the
        /// value of <paramref name="member"/>; null with <paramref name="error"/> set when the text is
        /// not such an object, a member repeats, or <paramref name="member"/> is missing.
        /// </summary>
        public static string? ReadStringMember(ReadOnlySpan<byte> utf8, string member, out string? error)
        {
            string text = Encoding.UTF8.GetString(utf8);
            int at = 0;
            string? found = null;
            error = null;
            SkipSpace(text, ref at);
            if (!Take(text, ref at, '{')) { error = "expected a JSON object, as in {\"" + member + "\": \"...\"}"; return null; }
            SkipSpace(text, ref at);
            if (Take(text, ref at, '}')) { error = "missing \"" + member + "\""; return Finish(text, at, null, ref error); }
            while (true)
            {
                SkipSpace(text, ref at);
                string? name = ReadString(text, ref at, out error);
                if (name is null) return null;
                SkipSpace(text, ref at);
                if (!Take(text, ref at, ':')) { error = "expected ':' after \"" + name + "\""; return null; }
                SkipSpace(text, ref at);
                bool quoted = at < text.Length && text[at] == '"';
                string? value = ReadString(text, ref at, out error);
                if (value is null)
                {
                    if (!quoted) error = "\"" + name + "\" must be a string";
                    return null;
                }
                if (name == member)
                {
                    if (found is not null) { error = "\"" + member + "\" appears twice"; return null; }
                    found = value;
                }
                else { error = "unknown member \"" + name + "\": this API takes only \"" + member + "\""; return null; }
                SkipSpace(text, ref at);
                if (Take(text, ref at, ',')) continue;
                if (Take(text, ref at, '}')) break;
                error = "expected ',' or '}'";
                return null;
            }
            if (found is null) error = "missing \"" + member + "\"";
            return Finish(text, at, found, ref error);
        }

        private static string? Finish(string text, int at, string? value, ref string? error)
        {
            SkipSpace(text, ref at);
            if (error is null && at != text.Length) error = "unexpected text after the object";
            return error is null ? value : null;
        }

        private static string? ReadString(string text, ref int at, out string? error)
        {
            error = null;
            if (!Take(text, ref at, '"')) { error = "expected a string"; return null; }
            var value = new StringBuilder();
            while (at < text.Length)
            {
                char c = text[at++];
                if (c == '"') return value.ToString();
                if (c < 0x20) { error = "a control character inside a string must be escaped"; return null; }
                if (c != '\\') { value.Append(c); continue; }
                if (at >= text.Length) break;
                char e = text[at++];
                switch (e)
                {
                    case '"': value.Append('"'); break;
                    case '\\': value.Append('\\'); break;
                    case '/': value.Append('/'); break;
                    case 'b': value.Append('\b'); break;
                    case 'f': value.Append('\f'); break;
                    case 'n': value.Append('\n'); break;
                    case 'r': value.Append('\r'); break;
                    case 't': value.Append('\t'); break;
                    case 'u':
                        int code = 0;
                        for (int i = 0; i < 4; i++)
                        {
                            int digit = at < text.Length ? HexValue(text[at++]) : -1;
                            if (digit < 0) { error = "\\u needs four hex digits"; return null; }
                            code = code * 16 + digit;
                        }
                        value.Append((char)code);
                        break;
                    default:
                        error = "unknown escape \\" + e.ToString();
                        return null;
                }
            }
            error = "unterminated string";
            return null;
        }

        private static void SkipSpace(string text, ref int at)
        {
            while (at < text.Length && text[at] is ' ' or '\t' or '\n' or '\r') at++;
        }

        private static bool Take(string text, ref int at, char c)
        {
            if (at >= text.Length || text[at] != c) return false;
            at++;
            return true;
        }

        private static char Hex(int digit) => (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);

        private static int HexValue(char c) =>
            c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
}
