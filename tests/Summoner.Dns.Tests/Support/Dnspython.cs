using System.Text.Json;

namespace Summoner.Dns.Tests.Support;

/// <summary>Parses messages (hex, one per line) with Debian's python3-dnspython through dnspython_check.py.</summary>
public static class Dnspython
{
    public static async Task<List<Dictionary<string, JsonElement>>> ParseAsync(string hexLines)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "dnspython_check.py");
        string output = await ExternalTool.RunAsync("python3", [script], hexLines, timeoutSeconds: 120);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(line)!)
            .ToList();
    }
}
