using System.Text;
using Summoner.Config;
using Summoner.Testing;

namespace Summoner.Tests.Config;

/// <summary>Any edit of summoner.toml gives a config or a ConfigException with located errors, never a crash.</summary>
[Trait("Category", "unit")]
public sealed class ConfigRobustnessTests
{
    private static readonly string[] Replacements =
        ["0", "-1", "\"\"", "\"x\"", "[]", "{}", "99999999999", "\"1s\"", "\"64MiB\"", "true", "1.5", "\"127.0.0.1:0\"", "\"::1\"", "\"10.0.0.0/8\"", "[1, 2]", "1979-05-27"];

    [Fact]
    public void Every_value_of_summoner_toml_replaced_by_junk_loads_or_fails_with_located_errors()
    {
        string path = Path.Combine(RepoPaths.Root, "summoner.toml");
        string[] lines = File.ReadAllLines(path);
        var crashes = new List<string>();
        int rejected = 0;
        for (int line = 0; line < lines.Length; line++)
        {
            int eq = lines[line].IndexOf(" = ", StringComparison.Ordinal);
            if (eq < 0 || lines[line].StartsWith('#')) continue;
            foreach (string junk in Replacements)
            {
                string[] edited = (string[])lines.Clone();
                edited[line] = lines[line][..(eq + 3)] + junk;
                string text = string.Join('\n', edited);
                try
                {
                    SummonerConfig.Parse(text, path);
                }
                catch (ConfigException e)
                {
                    rejected++;
                    if (e.Errors.Count == 0 || e.Errors.Any(x => x.Line < 1 || x.Column < 1 || x.File != path))
                        crashes.Add($"line {line + 1} = {junk}: unlocated error {e.Message}");
                }
                catch (Exception e)
                {
                    crashes.Add($"line {line + 1} = {junk}: {e.GetType().Name}: {e.Message}");
                }
            }
        }
        Assert.True(crashes.Count == 0, string.Join('\n', crashes));
        Assert.True(rejected > 100, $"only {rejected} edits were rejected");
    }

    [Fact]
    public void Randomly_mutated_summoner_toml_loads_or_fails_with_located_errors()
    {
        byte[] original = File.ReadAllBytes(Path.Combine(RepoPaths.Root, "summoner.toml"));
        var random = new Random(11);
        var crashes = new List<string>();
        byte[] alphabet = "[]{}\"'=.,#\n_-:0159sm"u8.ToArray();
        for (int round = 0; round < 400; round++)
        {
            byte[] bytes = (byte[])original.Clone();
            for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(bytes.Length)] = alphabet[random.Next(alphabet.Length)];
            string text = Encoding.UTF8.GetString(bytes);
            try
            {
                SummonerConfig.Parse(text, "/srv/m/summoner.toml");
            }
            catch (ConfigException)
            {
            }
            catch (Exception e)
            {
                crashes.Add($"{e.GetType().Name}: {e.Message}\n{text}");
            }
        }
        Assert.True(crashes.Count == 0, string.Join("\n----\n", crashes.Take(3)));
    }
}
