namespace Summoner.Toml;

/// <summary>
/// Recursive-descent TOML 1.0.0 parser over the decoded text. Works on offsets and turns them
/// into line:column only when reporting, so the hot path does no bookkeeping.
/// This file holds the document structure (lines, keys, headers, table rules); values are in
/// the other parts of the partial class.
/// </summary>
internal sealed partial class TomlParser
{
    private readonly string _s;
    private readonly string _file;
    private readonly TomlTable _root;
    private readonly List<int> _lineStarts = [0];
    private TomlTable _current;
    private int _i;

    public TomlParser(string text, string file)
    {
        _s = text;
        _file = file;
        for (int k = 0; k < text.Length; k++)
        {
            if (text[k] == '\n') _lineStarts.Add(k + 1);
        }
        _root = new TomlTable(new TomlPosition(1, 1), TomlTableOrigin.Root);
        _current = _root;
    }

    private bool AtEnd => _i >= _s.Length;

    private char Peek(int ahead = 0) => _i + ahead < _s.Length ? _s[_i + ahead] : '\0';

    public TomlTable ParseDocument()
    {
        if (_s.Length > 0 && _s[0] == '\uFEFF') _i = 1;
        while (true)
        {
            SkipSpaces();
            if (AtEnd) break;
            char c = _s[_i];
            if (c == '[') ParseHeader();
            else if (c != '#' && c != '\n' && c != '\r') ParseKeyValue(_current);
            SkipSpaces();
            SkipComment();
            ExpectLineEnd();
        }
        return _root;
    }

    // ---- positions and errors ----

    internal static TomlPosition PositionIn(string text, int offset)
    {
        int line = 1, lineStart = 0;
        for (int k = 0; k < offset && k < text.Length; k++)
        {
            if (text[k] == '\n')
            {
                line++;
                lineStart = k + 1;
            }
        }
        return new TomlPosition(line, offset - lineStart + 1);
    }

    private TomlPosition PositionAt(int offset)
    {
        int line = _lineStarts.BinarySearch(offset);
        if (line < 0) line = ~line - 1;
        return new TomlPosition(line + 1, offset - _lineStarts[line] + 1);
    }

    private TomlException Error(int offset, string reason) => new(_file, PositionAt(offset), reason);

    private TomlException ErrorHere(string reason) => Error(_i, reason);

    /// <summary>Names the character at the cursor for "expected X, found Y" messages.</summary>
    private string Found()
    {
        if (AtEnd) return "end of file";
        char c = _s[_i];
        return c switch
        {
            '\n' => "end of line",
            '\r' => Peek(1) == '\n' ? "end of line" : "a carriage return",
            '\t' => "a tab",
            _ when char.IsControl(c) => $"control character U+{(int)c:X4}",
            _ when char.IsHighSurrogate(c) && _i + 1 < _s.Length => $"'{_s.Substring(_i, 2)}'",
            _ => $"'{c}'",
        };
    }

    // ---- whitespace, comments, line ends ----

    private void SkipSpaces()
    {
        while (_i < _s.Length && (_s[_i] == ' ' || _s[_i] == '\t')) _i++;
    }

    private void SkipComment()
    {
        if (Peek() != '#') return;
        _i++;
        while (_i < _s.Length)
        {
            char c = _s[_i];
            if (c == '\n' || (c == '\r' && Peek(1) == '\n')) return;
            if (IsForbiddenControl(c)) throw ErrorHere($"control character U+{(int)c:X4} is not allowed in a comment");
            _i++;
        }
    }

    /// <summary>Skips whitespace, comments and newlines: the filler allowed between array elements.</summary>
    private void SkipSpacesCommentsAndNewlines()
    {
        while (true)
        {
            SkipSpaces();
            SkipComment();
            if (Peek() == '\n') _i++;
            else if (Peek() == '\r' && Peek(1) == '\n') _i += 2;
            else if (Peek() == '\r') throw ErrorHere("a carriage return must be followed by a line feed");
            else return;
        }
    }

    private void ExpectLineEnd()
    {
        if (AtEnd) return;
        if (_s[_i] == '\n')
        {
            _i++;
            return;
        }
        if (_s[_i] == '\r' && Peek(1) == '\n')
        {
            _i += 2;
            return;
        }
        throw ErrorHere($"expected the end of the line (or a # comment), found {Found()}");
    }

    /// <summary>Control characters TOML forbids in comments and strings: all but tab, and DEL.</summary>
    private static bool IsForbiddenControl(char c) => (c < 0x20 && c != '\t') || c == '\x7f';

    // ---- keys ----

    private readonly record struct KeyPart(string Name, int Offset);

    private List<KeyPart> ParseKey()
    {
        var parts = new List<KeyPart>();
        while (true)
        {
            SkipSpaces();
            int start = _i;
            char c = Peek();
            string name;
            if (c == '"')
            {
                if (Peek(1) == '"' && Peek(2) == '"') throw ErrorHere("a multi-line string cannot be a key");
                name = ParseBasicString();
            }
            else if (c == '\'')
            {
                if (Peek(1) == '\'' && Peek(2) == '\'') throw ErrorHere("a multi-line string cannot be a key");
                name = ParseLiteralString();
            }
            else
            {
                while (_i < _s.Length && IsBareKeyChar(_s[_i])) _i++;
                if (_i == start)
                    throw ErrorHere($"expected a key (letters, digits, '_', '-' or a quoted string), found {Found()}");
                name = _s[start.._i];
            }
            parts.Add(new KeyPart(name, start));
            SkipSpaces();
            if (Peek() != '.') return parts;
            _i++;
        }
    }

    private static bool IsBareKeyChar(char c) => c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-';

    private static string Join(List<KeyPart> parts, int count) => string.Join('.', parts.Take(count).Select(p => QuoteIfNeeded(p.Name)));

    private static string QuoteIfNeeded(string key) =>
        key.Length > 0 && key.All(IsBareKeyChar) ? key : "\"" + key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    // ---- key = value ----

    private void ParseKeyValue(TomlTable table)
    {
        List<KeyPart> key = ParseKey();
        SkipSpaces();
        if (Peek() != '=') throw ErrorHere($"expected '=' after the key '{Join(key, key.Count)}', found {Found()}");
        _i++;
        SkipSpaces();
        TomlNode value = ParseValue();

        TomlTable target = table;
        for (int k = 0; k < key.Count - 1; k++)
        {
            KeyPart part = key[k];
            if (target.TryGetValue(part.Name, out TomlNode? existing))
            {
                if (existing is TomlTable sub && sub.Origin == TomlTableOrigin.DottedKey)
                {
                    target = sub;
                    continue;
                }
                throw Error(part.Offset, $"cannot add keys to '{Join(key, k + 1)}': it is already defined as {DescribeDefined(existing)} at {target.KeyPosition(part.Name)}");
            }
            var created = new TomlTable(PositionAt(part.Offset), TomlTableOrigin.DottedKey);
            target.Add(part.Name, created, created.Position);
            target = created;
        }
        KeyPart last = key[^1];
        if (target.ContainsKey(last.Name))
            throw Error(last.Offset, $"duplicate key '{Join(key, key.Count)}': already defined at {target.KeyPosition(last.Name)}");
        target.Add(last.Name, value, PositionAt(last.Offset));
    }

    private static string DescribeDefined(TomlNode node) => node switch
    {
        TomlTable { Origin: TomlTableOrigin.Inline } => "an inline table",
        TomlTable { Origin: TomlTableOrigin.Header or TomlTableOrigin.ImplicitByHeader } => "a [table] (dotted keys may not extend it)",
        TomlArray { IsArrayOfTables: true } => "an array of tables",
        _ => node.Describe(),
    };

    // ---- [table] and [[array of tables]] ----

    private void ParseHeader()
    {
        int start = _i;
        bool arrayOfTables = Peek(1) == '[';
        _i += arrayOfTables ? 2 : 1;
        List<KeyPart> key = ParseKey();
        SkipSpaces();
        if (arrayOfTables)
        {
            if (Peek() != ']' || Peek(1) != ']') throw ErrorHere($"expected ']]' to close the [[{Join(key, key.Count)}]] header, found {Found()}");
            _i += 2;
        }
        else
        {
            if (Peek() != ']') throw ErrorHere($"expected ']' to close the [{Join(key, key.Count)}] header, found {Found()}");
            _i++;
        }

        TomlTable parent = _root;
        for (int k = 0; k < key.Count - 1; k++)
        {
            KeyPart part = key[k];
            if (!parent.TryGetValue(part.Name, out TomlNode? existing))
            {
                var created = new TomlTable(PositionAt(part.Offset), TomlTableOrigin.ImplicitByHeader);
                parent.Add(part.Name, created, created.Position);
                parent = created;
                continue;
            }
            parent = existing switch
            {
                TomlTable { Origin: TomlTableOrigin.Inline } => throw Error(part.Offset,
                    $"cannot add a table under '{Join(key, k + 1)}': it is an inline table (closed once written), defined at {parent.KeyPosition(part.Name)}"),
                TomlTable t => t,
                TomlArray { IsArrayOfTables: true } a => (TomlTable)a[^1],
                _ => throw Error(part.Offset, $"cannot add a table under '{Join(key, k + 1)}': it is {existing.Describe()}, defined at {parent.KeyPosition(part.Name)}"),
            };
        }

        KeyPart last = key[^1];
        TomlPosition headerPosition = PositionAt(start);
        string name = Join(key, key.Count);
        if (arrayOfTables)
        {
            var element = new TomlTable(headerPosition, TomlTableOrigin.Header);
            if (!parent.TryGetValue(last.Name, out TomlNode? existing))
            {
                var array = new TomlArray(headerPosition, isArrayOfTables: true);
                array.Add(element);
                parent.Add(last.Name, array, PositionAt(last.Offset));
            }
            else if (existing is TomlArray { IsArrayOfTables: true } array)
            {
                array.Add(element);
            }
            else
            {
                throw Error(start, $"cannot define [[{name}]]: '{name}' is already {DescribeDefined(existing)}, defined at {parent.KeyPosition(last.Name)}");
            }
            _current = element;
            return;
        }

        if (!parent.TryGetValue(last.Name, out TomlNode? node))
        {
            var table = new TomlTable(headerPosition, TomlTableOrigin.Header);
            parent.Add(last.Name, table, PositionAt(last.Offset));
            _current = table;
        }
        else if (node is TomlTable { Origin: TomlTableOrigin.ImplicitByHeader } implicitTable)
        {
            implicitTable.Origin = TomlTableOrigin.Header;
            _current = implicitTable;
        }
        else
        {
            string what = node switch
            {
                TomlTable { Origin: TomlTableOrigin.DottedKey } => "a table defined by dotted keys",
                TomlTable { Origin: TomlTableOrigin.Inline } => "an inline table",
                TomlTable => "a table",
                TomlArray { IsArrayOfTables: true } => "an array of tables",
                _ => node.Describe(),
            };
            throw Error(start, $"duplicate table [{name}]: '{name}' is already {what}, defined at {parent.KeyPosition(last.Name)}");
        }
    }
}
