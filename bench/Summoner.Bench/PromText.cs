using System.Globalization;

namespace Summoner.Bench;

/// <summary>
/// Reads values out of serve's Prometheus text exposition. A query names a metric and some of
/// its labels; every series that carries those labels (whatever else it carries, e.g. a
/// <c>kind</c> label added later) is summed, so the bench does not break when labels are added.
/// </summary>
public static class PromText
{
    public static double Sum(string exposition, string metric, params (string Name, string Value)[] labels)
    {
        ArgumentNullException.ThrowIfNull(exposition);
        ArgumentNullException.ThrowIfNull(labels);
        double sum = 0;
        foreach (string raw in exposition.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(metric, StringComparison.Ordinal)) continue;
            int brace = metric.Length;
            Dictionary<string, string> have;
            int valueAt;
            if (line.Length > brace && line[brace] == '{')
            {
                int close = line.IndexOf('}', brace);
                if (close < 0) continue;
                have = Labels(line[(brace + 1)..close]);
                valueAt = close + 1;
            }
            else if (line.Length > brace && line[brace] == ' ')
            {
                have = [];
                valueAt = brace;
            }
            else continue; // a longer metric name that starts with this one
            if (!labels.All(l => have.TryGetValue(l.Name, out string? v) && v == l.Value)) continue;
            string[] rest = line[valueAt..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (rest.Length > 0 && double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) sum += value;
        }
        return sum;
    }

    // name="value",name="value" with \" and \\ escapes inside values.
    private static Dictionary<string, string> Labels(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        int i = 0;
        while (i < text.Length)
        {
            int eq = text.IndexOf('=', i);
            if (eq < 0 || eq + 1 >= text.Length || text[eq + 1] != '"') break;
            string name = text[i..eq].Trim().TrimStart(',').Trim();
            var value = new System.Text.StringBuilder();
            int j = eq + 2;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\' && j + 1 < text.Length) j++;
                value.Append(text[j]);
            }
            result[name] = value.ToString();
            i = j + 1;
        }
        return result;
    }
}
