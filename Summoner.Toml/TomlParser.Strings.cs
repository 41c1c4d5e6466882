using System.Globalization;
using System.Text;

namespace Summoner.Toml;

/// <summary>The four string forms: basic, multi-line basic, literal, multi-line literal.</summary>
internal sealed partial class TomlParser
{
    private readonly StringBuilder _buffer = new();

    private string ParseBasicString()
    {
        int open = _i;
        _i++; // "
        _buffer.Clear();
        while (true)
        {
            if (AtEnd) throw Error(open, "unterminated string: expected a closing '\"' before the end of the file");
            char c = _s[_i];
            if (c == '"')
            {
                _i++;
                return _buffer.ToString();
            }
            if (c == '\\')
            {
                ParseEscape();
                continue;
            }
            if (c == '\n' || c == '\r')
                throw ErrorHere("unterminated string: expected a closing '\"' before the end of the line (use \"\"\" for multi-line strings)");
            if (IsForbiddenControl(c)) throw ErrorHere($"control character U+{(int)c:X4} must be escaped in a string (for example \\u{(int)c:X4})");
            _buffer.Append(c);
            _i++;
        }
    }

    private string ParseMultiLineBasicString()
    {
        int open = _i;
        _i += 3;
        SkipNewlineAfterOpeningDelimiter();
        _buffer.Clear();
        while (true)
        {
            if (AtEnd) throw Error(open, "unterminated multi-line string: expected a closing '\"\"\"' before the end of the file");
            char c = _s[_i];
            if (c == '"')
            {
                if (TryCloseMultiLine('"')) return _buffer.ToString();
                continue;
            }
            if (c == '\\')
            {
                if (IsLineEndingBackslash())
                {
                    _i++;
                    while (_i < _s.Length && (_s[_i] is ' ' or '\t' or '\n' || (_s[_i] == '\r' && Peek(1) == '\n'))) _i++;
                }
                else
                {
                    ParseEscape();
                }
                continue;
            }
            AppendMultiLineChar(c);
        }
    }

    private string ParseLiteralString()
    {
        int open = _i;
        _i++; // '
        int start = _i;
        while (true)
        {
            if (AtEnd) throw Error(open, "unterminated literal string: expected a closing \"'\" before the end of the file");
            char c = _s[_i];
            if (c == '\'')
            {
                _i++;
                return _s[start..(_i - 1)];
            }
            if (c == '\n' || c == '\r')
                throw ErrorHere("unterminated literal string: expected a closing \"'\" before the end of the line (use ''' for multi-line strings)");
            if (IsForbiddenControl(c)) throw ErrorHere($"control character U+{(int)c:X4} is not allowed in a literal string");
            _i++;
        }
    }

    private string ParseMultiLineLiteralString()
    {
        int open = _i;
        _i += 3;
        SkipNewlineAfterOpeningDelimiter();
        _buffer.Clear();
        while (true)
        {
            if (AtEnd) throw Error(open, "unterminated multi-line literal string: expected a closing ''' before the end of the file");
            char c = _s[_i];
            if (c == '\'')
            {
                if (TryCloseMultiLine('\'')) return _buffer.ToString();
                continue;
            }
            AppendMultiLineChar(c);
        }
    }

    private void SkipNewlineAfterOpeningDelimiter()
    {
        if (Peek() == '\n') _i++;
        else if (Peek() == '\r' && Peek(1) == '\n') _i += 2;
    }

    private void AppendMultiLineChar(char c)
    {
        if (c == '\r')
        {
            if (Peek(1) != '\n') throw ErrorHere("a carriage return must be followed by a line feed");
            _buffer.Append("\r\n");
            _i += 2;
            return;
        }
        if (c != '\n' && IsForbiddenControl(c)) throw ErrorHere($"control character U+{(int)c:X4} is not allowed in a string");
        _buffer.Append(c);
        _i++;
    }

    /// <summary>
    /// At a run of quotes inside a multi-line string: three close it, and up to two more just
    /// before those three belong to the content. More than five in a row cannot be written.
    /// </summary>
    private bool TryCloseMultiLine(char quote)
    {
        int run = 0;
        while (Peek(run) == quote) run++;
        if (run < 3)
        {
            _buffer.Append(quote, run);
            _i += run;
            return false;
        }
        if (run > 5) throw Error(_i + 5, $"too many quotes: at most two {quote} may come right before the closing delimiter");
        _buffer.Append(quote, run - 3);
        _i += run;
        return true;
    }

    /// <summary>A backslash followed only by whitespace up to the end of the line.</summary>
    private bool IsLineEndingBackslash()
    {
        int k = _i + 1;
        while (k < _s.Length && (_s[k] == ' ' || _s[k] == '\t')) k++;
        return k < _s.Length && (_s[k] == '\n' || (_s[k] == '\r' && k + 1 < _s.Length && _s[k + 1] == '\n'));
    }

    private void ParseEscape()
    {
        int start = _i;
        _i++; // backslash
        char e = Peek();
        switch (e)
        {
            case 'b': _buffer.Append('\b'); break;
            case 't': _buffer.Append('\t'); break;
            case 'n': _buffer.Append('\n'); break;
            case 'f': _buffer.Append('\f'); break;
            case 'r': _buffer.Append('\r'); break;
            case '"': _buffer.Append('"'); break;
            case '\\': _buffer.Append('\\'); break;
            case 'u':
            case 'U':
                int digits = e == 'u' ? 4 : 8;
                if (_i + 1 + digits > _s.Length || !IsHex(_s.AsSpan(_i + 1, digits)))
                    throw Error(start, $"invalid escape: \\{e} needs exactly {digits} hexadecimal digits");
                int scalar = int.Parse(_s.AsSpan(_i + 1, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                if (scalar is < 0 or > 0x10FFFF || (scalar >= 0xD800 && scalar <= 0xDFFF))
                    throw Error(start, $"invalid escape: U+{scalar:X} is not a Unicode scalar value");
                _buffer.Append(char.ConvertFromUtf32(scalar));
                _i += digits;
                break;
            default:
                throw Error(start, $"invalid escape sequence \\{(AtEnd ? "" : e.ToString())}: expected one of \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX");
        }
        _i++;
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
        }
        return true;
    }
}
