using System.Globalization;

namespace Summoner.Toml;

/// <summary>Integers, floats and date-times: all start with a sign, a digit, inf or nan.</summary>
internal sealed partial class TomlParser
{
    private TomlNode ParseNumberOrDateTime(TomlPosition position)
    {
        int start = _i;
        while (_i < _s.Length && IsNumberTokenChar(_s[_i])) _i++;
        // A date and a time may be separated by one space ("1979-05-27 07:32:00").
        if (_i - start == 10 && IsDateShape(start) && Peek() == ' ' && char.IsAsciiDigit(Peek(1)) && char.IsAsciiDigit(Peek(2)) && Peek(3) == ':')
        {
            _i++;
            while (_i < _s.Length && IsNumberTokenChar(_s[_i])) _i++;
        }
        string token = _s[start.._i];
        if (token.Length == 0) throw ErrorHere($"expected a value, found {Found()}");
        if (IsDateShape(start) || (token.Length >= 3 && char.IsAsciiDigit(token[0]) && char.IsAsciiDigit(token[1]) && token[2] == ':'))
            return ParseDateTime(token, start, position);
        return ParseNumber(token, start, position);
    }

    private static bool IsNumberTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '.' or ':';

    private bool IsDateShape(int at) =>
        at + 5 <= _s.Length && char.IsAsciiDigit(_s[at]) && char.IsAsciiDigit(_s[at + 1]) && char.IsAsciiDigit(_s[at + 2])
        && char.IsAsciiDigit(_s[at + 3]) && _s[at + 4] == '-';

    private TomlNode ParseNumber(string token, int start, TomlPosition position)
    {
        ReadOnlySpan<char> body = token;
        bool negative = false, signed = false;
        if (body[0] is '+' or '-')
        {
            signed = true;
            negative = body[0] == '-';
            body = body[1..];
        }
        if (body is "inf") return new TomlFloat(negative ? double.NegativeInfinity : double.PositiveInfinity, position);
        if (body is "nan") return new TomlFloat(double.NaN, position);

        if (body.Length > 1 && body[0] == '0' && body[1] is 'x' or 'o' or 'b')
        {
            if (signed) throw Error(start, $"invalid integer '{token}': a hexadecimal, octal or binary integer cannot have a sign");
            int radix = body[1] switch { 'x' => 16, 'o' => 8, _ => 2 };
            ReadOnlySpan<char> digits = body[2..];
            if (!HasValidUnderscores(digits, c => DigitValue(c) < radix))
                throw Error(start, $"invalid integer '{token}': expected base-{radix} digits, with '_' only between digits");
            ulong value = 0;
            foreach (char c in digits)
            {
                if (c == '_') continue;
                ulong next = value * (ulong)radix + (ulong)DigitValue(c);
                if (value > ulong.MaxValue / (ulong)radix || next > long.MaxValue)
                    throw Error(start, $"integer '{token}' does not fit in 64 bits (max 0x7FFFFFFFFFFFFFFF)");
                value = next;
            }
            return new TomlInteger((long)value, position);
        }

        int fractionAt = body.IndexOf('.');
        int exponentAt = body.IndexOfAny('e', 'E');
        if (fractionAt < 0 && exponentAt < 0)
        {
            if (!HasValidUnderscores(body, char.IsAsciiDigit))
                throw Error(start, $"invalid value '{token}': expected a number (digits with '_' only between digits), a date-time, or a string in quotes");
            if (body.Length > 1 && body[0] == '0') throw Error(start, $"invalid integer '{token}': leading zeros are not allowed");
            string plain = (negative ? "-" : "") + body.ToString().Replace("_", "", StringComparison.Ordinal);
            if (!long.TryParse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
                throw Error(start, $"integer '{token}' does not fit in 64 bits");
            return new TomlInteger(integer, position);
        }

        int integerEnd = fractionAt >= 0 ? fractionAt : exponentAt;
        ReadOnlySpan<char> integerPart = body[..integerEnd];
        bool ok = HasValidUnderscores(integerPart, char.IsAsciiDigit) && !(integerPart.Length > 1 && integerPart[0] == '0');
        if (ok && fractionAt >= 0)
        {
            int fractionEnd = exponentAt >= 0 ? exponentAt : body.Length;
            ok = fractionEnd > fractionAt + 1 && HasValidUnderscores(body[(fractionAt + 1)..fractionEnd], char.IsAsciiDigit);
            if (exponentAt >= 0 && exponentAt < fractionAt) ok = false;
        }
        if (ok && exponentAt >= 0)
        {
            ReadOnlySpan<char> exponent = body[(exponentAt + 1)..];
            if (exponent.Length > 0 && exponent[0] is '+' or '-') exponent = exponent[1..];
            ok = HasValidUnderscores(exponent, char.IsAsciiDigit);
        }
        if (!ok)
            throw Error(start, $"invalid float '{token}': expected digits, an optional .fraction and an optional exponent (e.g. 3.14, 6.02e23, 1e-9)");
        string text = (negative ? "-" : "") + body.ToString().Replace("_", "", StringComparison.Ordinal);
        double d = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(d)) throw Error(start, $"float '{token}' is too large for a 64-bit float");
        return new TomlFloat(d, position);
    }

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => 99,
    };

    /// <summary>Non-empty, only digits and underscores, and each underscore between two digits.</summary>
    private static bool HasValidUnderscores(ReadOnlySpan<char> s, Func<char, bool> isDigit)
    {
        if (s.IsEmpty || !isDigit(s[0]) || !isDigit(s[^1])) return false;
        for (int k = 1; k < s.Length; k++)
        {
            if (s[k] == '_')
            {
                if (!isDigit(s[k - 1]) || !isDigit(s[k + 1])) return false;
            }
            else if (!isDigit(s[k]))
            {
                return false;
            }
        }
        return true;
    }
}
