using System.Globalization;

namespace Summoner.Toml;

/// <summary>RFC 3339 date-times as TOML 1.0.0 restricts them (seconds required).</summary>
internal sealed partial class TomlParser
{
    private TomlDateTime ParseDateTime(string token, int start, TomlPosition position)
    {
        var reader = new DateTimeText(token);
        DateOnly? date = null;
        TimeOnly? time = null;
        TimeSpan? offset = null;
        string shape = "expected YYYY-MM-DD, HH:MM:SS[.fraction], or both joined by 'T' or a space, with an optional Z or ±HH:MM offset";

        if (token.Length > 4 && token[4] == '-')
        {
            if (!reader.Number(4, out int year) || !reader.Char('-') || !reader.Number(2, out int month) || !reader.Char('-') || !reader.Number(2, out int day))
                throw Error(start, $"invalid date-time '{token}': {shape}");
            if (month is < 1 or > 12) throw Error(start, $"invalid date '{token}': month {month} is not 1-12");
            if (year < 1) throw Error(start, $"invalid date '{token}': year 0 is not supported");
            if (day < 1 || day > DateTime.DaysInMonth(year, month))
                throw Error(start, $"invalid date '{token}': {year:D4}-{month:D2} has no day {day}");
            date = new DateOnly(year, month, day);
            if (reader.AtEnd) return new TomlDateTime(TomlKind.LocalDate, date, null, null, position);
            if (!(reader.Char('T') || reader.Char('t') || reader.Char(' ')))
                throw Error(start, $"invalid date-time '{token}': {shape}");
        }

        if (!reader.Number(2, out int hour) || !reader.Char(':') || !reader.Number(2, out int minute) || !reader.Char(':') || !reader.Number(2, out int second))
            throw Error(start, $"invalid date-time '{token}': {shape}");
        if (hour > 23 || minute > 59 || second > 59)
            throw Error(start, $"invalid time '{token}': hour must be 00-23, minute 00-59, second 00-59");
        long ticks = new TimeSpan(hour, minute, second).Ticks;
        if (reader.Char('.'))
        {
            int digits = reader.Digits(out string fraction);
            if (digits == 0) throw Error(start, $"invalid time '{token}': expected digits after '.'");
            string sevenDigits = fraction.Length >= 7 ? fraction[..7] : fraction.PadRight(7, '0');
            ticks += long.Parse(sevenDigits, CultureInfo.InvariantCulture);
        }
        time = new TimeOnly(ticks);

        if (date is not null && !reader.AtEnd)
        {
            if (reader.Char('Z') || reader.Char('z'))
            {
                offset = TimeSpan.Zero;
            }
            else if (reader.Peek is '+' or '-')
            {
                bool negative = reader.Peek == '-';
                reader.Char(reader.Peek);
                if (!reader.Number(2, out int offsetHours) || !reader.Char(':') || !reader.Number(2, out int offsetMinutes) || offsetHours > 23 || offsetMinutes > 59)
                    throw Error(start, $"invalid offset in '{token}': expected Z or ±HH:MM");
                offset = new TimeSpan(offsetHours, offsetMinutes, 0) * (negative ? -1 : 1);
            }
        }
        if (!reader.AtEnd) throw Error(start, $"invalid date-time '{token}': {shape}");

        TomlKind kind = date is null ? TomlKind.LocalTime : offset is null ? TomlKind.LocalDateTime : TomlKind.OffsetDateTime;
        return new TomlDateTime(kind, date, time, offset, position);
    }

    /// <summary>A cursor over a date-time token with fixed-width field readers.</summary>
    private ref struct DateTimeText(string text)
    {
        private readonly string _text = text;
        private int _at;

        public readonly bool AtEnd => _at >= _text.Length;

        public readonly char Peek => _at < _text.Length ? _text[_at] : '\0';

        public bool Char(char c)
        {
            if (Peek != c) return false;
            _at++;
            return true;
        }

        public bool Number(int width, out int value)
        {
            value = 0;
            if (_at + width > _text.Length) return false;
            for (int k = 0; k < width; k++)
            {
                char c = _text[_at + k];
                if (!char.IsAsciiDigit(c)) return false;
                value = (value * 10) + (c - '0');
            }
            _at += width;
            return true;
        }

        public int Digits(out string digits)
        {
            int start = _at;
            while (_at < _text.Length && char.IsAsciiDigit(_text[_at])) _at++;
            digits = _text[start.._at];
            return digits.Length;
        }
    }
}
