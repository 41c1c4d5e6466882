using System;

namespace Kernel.Net.Http
{
    /// <summary>IMF-fixdate (RFC 9110 §5.6.7), e.g. <c>Sun, 06 Nov 1994 08:49:37 GMT</c>, from Unix seconds.</summary>
    public static class HttpDate
    {
        public const int Length = 29;
        private const string Days = "ThuFriSatSunMonTueWed"; // 1970-01-01 was a Thursday
        private const string Months = "JanFebMarAprMayJunJulAugSepOctNovDec";

        public static void Format(long unixSeconds, Span<byte> destination)
        {
            if (destination.Length < Length) throw new ArgumentException("the destination needs 29 bytes", nameof(destination));
            long days = unixSeconds / 86400;
            long secs = unixSeconds % 86400;
            int weekday = (int)(days % 7);
            // Civil date from a day count (the era arithmetic of Howard Hinnant's days_from_civil, inverted).
            long z = days + 719468;
            long era = z / 146097;
            long doe = z - era * 146097;
            long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            long mp = (5 * doy + 2) / 153;
            int day = (int)(doy - (153 * mp + 2) / 5 + 1);
            int month = (int)(mp < 10 ? mp + 3 : mp - 9);
            long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
            Copy(Days, weekday * 3, destination);
            destination[3] = (byte)',';
            destination[4] = (byte)' ';
            Two(day, destination.Slice(5));
            destination[7] = (byte)' ';
            Copy(Months, (month - 1) * 3, destination.Slice(8));
            destination[11] = (byte)' ';
            Two((int)(year / 100), destination.Slice(12));
            Two((int)(year % 100), destination.Slice(14));
            destination[16] = (byte)' ';
            Two((int)(secs / 3600), destination.Slice(17));
            destination[19] = (byte)':';
            Two((int)(secs / 60 % 60), destination.Slice(20));
            destination[22] = (byte)':';
            Two((int)(secs % 60), destination.Slice(23));
            destination[25] = (byte)' ';
            destination[26] = (byte)'G';
            destination[27] = (byte)'M';
            destination[28] = (byte)'T';
        }

        /// <summary>Parses an IMF-fixdate (the form every current client sends in If-Modified-Since);
        /// false for anything else, which a conditional request then ignores (RFC 9110 §13.1.3).</summary>
        public static bool TryParse(ReadOnlySpan<byte> text, out long unixSeconds)
        {
            unixSeconds = 0;
            if (text.Length != Length || text[3] != (byte)',' || text[4] != (byte)' ' || text[7] != (byte)' ' || text[11] != (byte)' '
                || text[16] != (byte)' ' || text[19] != (byte)':' || text[22] != (byte)':' || text[25] != (byte)' '
                || text[26] != (byte)'G' || text[27] != (byte)'M' || text[28] != (byte)'T') return false;
            int month = -1;
            for (int m = 0; m < 12; m++)
            {
                if (text[8] == Months[m * 3] && text[9] == Months[m * 3 + 1] && text[10] == Months[m * 3 + 2]) month = m + 1;
            }
            if (month < 0 || !Digits(text.Slice(5, 2), out int day) || !Digits(text.Slice(12, 4), out int year)
                || !Digits(text.Slice(17, 2), out int hour) || !Digits(text.Slice(20, 2), out int minute) || !Digits(text.Slice(23, 2), out int second)
                || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return false;
            // days_from_civil (Howard Hinnant), the inverse of Format's arithmetic.
            long y = year - (month <= 2 ? 1 : 0);
            long era = y / 400;
            long yoe = y - era * 400;
            long doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
            long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            long days = era * 146097 + doe - 719468;
            unixSeconds = days * 86400 + hour * 3600 + minute * 60 + second;
            return true;
        }

        private static bool Digits(ReadOnlySpan<byte> text, out int value)
        {
            value = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int d = text[i] - '0';
                if (d < 0 || d > 9) return false;
                value = value * 10 + d;
            }
            return true;
        }

        private static void Two(int value, Span<byte> destination)
        {
            destination[0] = (byte)('0' + value / 10);
            destination[1] = (byte)('0' + value % 10);
        }

        private static void Copy(string table, int at, Span<byte> destination)
        {
            for (int i = 0; i < 3; i++) destination[i] = (byte)table[at + i];
        }
    }
}
