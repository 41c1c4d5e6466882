using Summoner.Toml;

namespace Summoner.Tests.Toml;

/// <summary>Whatever bytes it is given, the reader returns a table or a located TomlException: never another exception, never a hang.</summary>
[Trait("Category", "unit")]
public sealed class TomlRobustnessTests
{
    [Fact]
    public void Mutated_corpus_files_give_a_table_or_a_located_error()
    {
        var random = new Random(7);
        var crashes = new List<string>();
        int parsed = 0, rejected = 0;
        foreach (string name in TomlTestCorpus.Files("valid/"))
        {
            byte[] original = File.ReadAllBytes(TomlTestCorpus.PathOf(name));
            if (original.Length == 0) continue;
            for (int round = 0; round < 12; round++)
            {
                byte[] bytes = Mutate(original, random);
                try
                {
                    TomlReader.Parse(bytes, name);
                    parsed++;
                }
                catch (TomlException e)
                {
                    rejected++;
                    if (e.Line < 1 || e.Column < 1) crashes.Add($"{name} round {round}: unlocated error {e.Message}");
                }
                catch (Exception e)
                {
                    crashes.Add($"{name} round {round}: {e.GetType().Name}: {e.Message}\n  input: {Convert.ToBase64String(bytes)}");
                }
            }
        }
        Assert.True(crashes.Count == 0, $"{crashes.Count} mutated inputs crashed the reader:\n{string.Join('\n', crashes.Take(20))}");
        Assert.True(rejected > 100 && parsed > 100, $"mutations should both break and keep files: parsed {parsed}, rejected {rejected}");
    }

    private static readonly byte[] Interesting = "[]{}\"'=.,#\n\r\\ \t_+-:eTZ0x"u8.ToArray();

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        int edits = random.Next(1, 4);
        for (int k = 0; k < edits && bytes.Count > 0; k++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes[at] = Interesting[random.Next(Interesting.Length)]; break;
                case 1: bytes.RemoveAt(at); break;
                case 2: bytes.Insert(at, Interesting[random.Next(Interesting.Length)]); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return [.. bytes];
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        string deep = "a = " + new string('[', 100_000) + new string(']', 100_000) + "\n";
        var e = Assert.Throws<TomlException>(() => TomlReader.Parse(deep, "deep.toml"));
        Assert.Equal("deep.toml:1:133: arrays and inline tables are nested more than 128 deep", e.Message);
        string ok = "a = " + new string('[', 100) + new string(']', 100) + "\n";
        Assert.IsType<TomlArray>(TomlReader.Parse(ok)["a"]);
    }
}
