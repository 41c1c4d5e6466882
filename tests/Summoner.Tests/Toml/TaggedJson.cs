using System.Globalization;
using System.Text.Json;
using Summoner.Toml;

namespace Summoner.Tests.Toml;

/// <summary>
/// Compares a parsed TOML value with toml-test's "tagged JSON" ({"type":..., "value":...} for
/// scalars). Returns null when equal, else the path and what differs.
/// </summary>
internal static class TaggedJson
{
    public static string? Compare(TomlNode actual, JsonElement expected, string path = "")
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Array:
                if (actual is not TomlArray array) return $"{path}: expected an array, got {actual.Describe()}";
                if (array.Count != expected.GetArrayLength()) return $"{path}: expected {expected.GetArrayLength()} elements, got {array.Count}";
                int index = 0;
                foreach (JsonElement item in expected.EnumerateArray())
                {
                    string? diff = Compare(array[index], item, $"{path}[{index}]");
                    if (diff is not null) return diff;
                    index++;
                }
                return null;
            case JsonValueKind.Object when IsTagged(expected):
                return CompareScalar(actual, expected.GetProperty("type").GetString()!, expected.GetProperty("value").GetString()!, path);
            case JsonValueKind.Object:
                if (actual is not TomlTable table) return $"{path}: expected a table, got {actual.Describe()}";
                var expectedKeys = expected.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                foreach (string key in table.Keys)
                {
                    if (!expectedKeys.Contains(key)) return $"{path}.{key}: unexpected key";
                }
                foreach (JsonProperty property in expected.EnumerateObject())
                {
                    if (!table.TryGetValue(property.Name, out TomlNode? value)) return $"{path}.{property.Name}: missing key";
                    string? diff = Compare(value, property.Value, $"{path}.{property.Name}");
                    if (diff is not null) return diff;
                }
                return null;
            default:
                return $"{path}: unexpected JSON {expected.ValueKind} in the expected file";
        }
    }

    private static bool IsTagged(JsonElement e) =>
        e.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String
        && e.TryGetProperty("value", out JsonElement value) && value.ValueKind == JsonValueKind.String
        && e.EnumerateObject().Count() == 2;

    private static string? CompareScalar(TomlNode actual, string type, string value, string path)
    {
        string got = $"{actual.Describe()} {actual}";
        switch (type)
        {
            case "string":
                return actual is TomlString s && s.Value == value ? null : $"{path}: expected string {Quote(value)}, got {(actual is TomlString s2 ? Quote(s2.Value) : got)}";
            case "integer":
                return actual is TomlInteger i && i.Value == long.Parse(value, CultureInfo.InvariantCulture) ? null : $"{path}: expected integer {value}, got {got}";
            case "bool":
                return actual is TomlBoolean b && b.Value == bool.Parse(value) ? null : $"{path}: expected bool {value}, got {got}";
            case "float":
                if (actual is not TomlFloat f) return $"{path}: expected float {value}, got {got}";
                double want = value switch
                {
                    "inf" or "+inf" => double.PositiveInfinity,
                    "-inf" => double.NegativeInfinity,
                    "nan" or "+nan" or "-nan" => double.NaN,
                    _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
                };
                // Older corpora (Debian's) write "0" for -0.0, as their runner compares floats with ==;
                // so a zero's sign is checked only where the text gives one (TomlReaderTests pins the rest).
                bool signMatters = want != 0 || value.StartsWith('-');
                bool same = double.IsNaN(want) ? double.IsNaN(f.Value)
                    : want.Equals(f.Value) && (!signMatters || double.IsNegative(want) == double.IsNegative(f.Value));
                return same ? null : $"{path}: expected float {value}, got {f}";
            case "datetime" or "datetime-local" or "date-local" or "time-local":
                TomlKind kind = type switch
                {
                    "datetime" => TomlKind.OffsetDateTime,
                    "datetime-local" => TomlKind.LocalDateTime,
                    "date-local" => TomlKind.LocalDate,
                    _ => TomlKind.LocalTime,
                };
                if (actual is not TomlDateTime dt || dt.Kind != kind) return $"{path}: expected {type} {value}, got {got}";
                // .NET's own parsers read the expected text, independently of ours.
                bool equal = kind switch
                {
                    TomlKind.OffsetDateTime => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture) is var o && o == dt.ToDateTimeOffset() && o.Offset == dt.Offset,
                    TomlKind.LocalDateTime => DateTime.Parse(value, CultureInfo.InvariantCulture) == dt.Date!.Value.ToDateTime(dt.Time!.Value),
                    TomlKind.LocalDate => DateOnly.Parse(value, CultureInfo.InvariantCulture) == dt.Date,
                    _ => TimeOnly.Parse(value, CultureInfo.InvariantCulture) == dt.Time,
                };
                return equal ? null : $"{path}: expected {type} {value}, got {dt}";
            default:
                return $"{path}: unknown tagged type {type}";
        }
    }

    private static string Quote(string s) => JsonSerializer.Serialize(s);
}
