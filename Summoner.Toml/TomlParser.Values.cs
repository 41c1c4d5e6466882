namespace Summoner.Toml;

/// <summary>Values: dispatch, arrays, inline tables and booleans.</summary>
internal sealed partial class TomlParser
{
    // Arrays and inline tables recurse; a hostile file must get an error, not a stack overflow.
    private const int MaxNesting = 128;
    private int _depth;

    private TomlNode ParseValue()
    {
        int start = _i;
        TomlPosition position = PositionAt(start);
        char c = Peek();
        switch (c)
        {
            case '"':
                return new TomlString(Peek(1) == '"' && Peek(2) == '"' ? ParseMultiLineBasicString() : ParseBasicString(), position);
            case '\'':
                return new TomlString(Peek(1) == '\'' && Peek(2) == '\'' ? ParseMultiLineLiteralString() : ParseLiteralString(), position);
            case '[' or '{':
                if (++_depth > MaxNesting) throw ErrorHere($"arrays and inline tables are nested more than {MaxNesting} deep");
                TomlNode nested = c == '[' ? ParseArray(position) : ParseInlineTable(position);
                _depth--;
                return nested;
            case 't' when Matches("true"):
                _i += 4;
                return new TomlBoolean(true, position);
            case 'f' when Matches("false"):
                _i += 5;
                return new TomlBoolean(false, position);
            case '+' or '-' or 'i' or 'n' or (>= '0' and <= '9'):
                return ParseNumberOrDateTime(position);
            default:
                throw ErrorHere($"expected a value (a string, number, boolean, date-time, array or inline table), found {Found()}");
        }
    }

    private bool Matches(string word) => string.CompareOrdinal(_s, _i, word, 0, word.Length) == 0;

    private TomlArray ParseArray(TomlPosition position)
    {
        _i++; // [
        var array = new TomlArray(position, isArrayOfTables: false);
        while (true)
        {
            SkipSpacesCommentsAndNewlines();
            if (Peek() == ']')
            {
                _i++;
                return array;
            }
            array.Add(ParseValue());
            SkipSpacesCommentsAndNewlines();
            if (Peek() == ',')
            {
                _i++;
                continue;
            }
            if (Peek() == ']')
            {
                _i++;
                return array;
            }
            throw ErrorHere($"expected ',' or ']' in the array started at {position}, found {Found()}");
        }
    }

    private TomlTable ParseInlineTable(TomlPosition position)
    {
        _i++; // {
        var table = new TomlTable(position, TomlTableOrigin.Inline);
        SkipSpaces();
        if (Peek() == '}')
        {
            _i++;
            return table;
        }
        while (true)
        {
            ParseKeyValue(table);
            SkipSpaces();
            if (Peek() == '}')
            {
                _i++;
                break;
            }
            if (Peek() != ',')
                throw ErrorHere($"expected ',' or '}}' in the inline table started at {position} (inline tables stay on one line), found {Found()}");
            _i++;
            SkipSpaces();
            if (Peek() == '}') throw ErrorHere("a trailing comma is not allowed in an inline table (TOML 1.0)");
        }
        Seal(table);
        return table;
    }

    /// <summary>An inline table and the tables its dotted keys made are complete once written.</summary>
    private static void Seal(TomlTable table)
    {
        table.Origin = TomlTableOrigin.Inline;
        foreach (var (_, value) in table)
        {
            if (value is TomlTable sub) Seal(sub);
        }
    }
}
