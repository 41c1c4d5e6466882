namespace Summoner.Metrics;

/// <summary>One sample line: name{labels} value.</summary>
internal static class Sample
{
    public static void Write(TextWriter writer, string name, string labels, double value)
    {
        writer.Write(name);
        if (labels.Length > 0)
        {
            writer.Write('{');
            writer.Write(labels);
            writer.Write('}');
        }
        writer.Write(' ');
        writer.Write(Exposition.FormatValue(value));
        writer.Write('\n');
    }
}
