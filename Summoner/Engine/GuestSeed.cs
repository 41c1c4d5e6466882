using System.Security.Cryptography;

namespace Summoner.Engine;

/// <summary>
/// A fresh random <c>seed=</c> for every guest's command line, so guests (warm-pool members in
/// particular) never share random state such as TCP initial sequence numbers.
/// </summary>
public static class GuestSeed
{
    public static string Next() => "seed=" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
