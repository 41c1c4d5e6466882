using System;
using System.Text;

namespace CoreLibTest
{
    public static partial class Checks
    {
        // Character classification and casing over all of Latin-1, as 256-bit maps (and casing as
        // the set of code points that change), so any difference from .NET shows which characters.
        private static void Characters(Report r)
        {
            r.Line("letter", Bitmap(char.IsLetter));
            r.Line("digit", Bitmap(char.IsDigit));
            r.Line("letter-or-digit", Bitmap(char.IsLetterOrDigit));
            r.Line("upper", Bitmap(char.IsUpper));
            r.Line("lower", Bitmap(char.IsLower));
            r.Line("white-space", Bitmap(char.IsWhiteSpace));
            r.Line("control", Bitmap(char.IsControl));
            r.Line("to-upper", CaseChanges(char.ToUpperInvariant));
            r.Line("to-lower", CaseChanges(char.ToLowerInvariant));
            r.Line("string-case", Report.Units("Stra\u00dfe \u00ff\u00b5".ToUpperInvariant()) + " " + Report.Units("\u00c9COLE \u0178".ToLowerInvariant()));
            r.Line("trim-unicode-space", "[" + "\u00a0\u2003x\u3000\u0085".Trim() + "]");
        }

        private static string Bitmap(Func<char, bool> property)
        {
            var sb = new StringBuilder(64);
            for (int block = 0; block < 256; block += 4)
            {
                int nibble = 0;
                for (int bit = 0; bit < 4; bit++)
                    if (property((char)(block + bit))) nibble |= 1 << bit;
                sb.Append(nibble.ToString("x"));
            }
            return sb.ToString();
        }

        private static string CaseChanges(Func<char, char> map)
        {
            var sb = new StringBuilder();
            for (int c = 0; c < 256; c++)
            {
                char mapped = map((char)c);
                if (mapped == c) continue;
                sb.Append(c.ToString("x2")).Append('>').Append(((int)mapped).ToString("x")).Append(' ');
            }
            return sb.ToString();
        }
    }
}
