using System.Net;
using Summoner.Config;
using Summoner.Engine;

namespace Summoner.Serve;

/// <summary>Maps the validated configuration onto the engine's own types.</summary>
public static class EngineSetup
{
    /// <param name="publicAddress">True when the door owns the service's address (always with one host; with [[host]]
    /// entries only under [placement] entrance = "door"): clients are answered with it.</param>
    /// <param name="egressSecret">This daemon's egress secret (<see cref="EgressSecret"/>): a service with egress gets
    /// a token derived from it among its settings, which Summoner's broker shows on every connection to the guest.</param>
    public static ServiceSpec ToSpec(ServiceConfig service, bool publicAddress = false, byte[]? egressSecret = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        IReadOnlyList<KeyValuePair<string, string>> environment = service.Environment;
        if (service.Egress.Count > 0 && egressSecret is not null)
        {
            // Derived, not random per boot: the same on every boot and after a restart, so the fingerprint
            // (which hashes the settings) stays that of the configuration and guests are taken back.
            string token = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(egressSecret, System.Text.Encoding.UTF8.GetBytes("egress:" + service.Name)))[..32];
            environment = [.. environment, new KeyValuePair<string, string>(ServiceSpec.EgressTokenSetting, token)];
        }
        return new ServiceSpec(service.Name, service.DnsNames, service.ImagePath, service.Ports, service.MemoryMiB, service.Vcpus,
            service.CommandLine, service.IdleTimeout, service.BootDeadline, service.WarmPool,
            service.WarmPoolMode == WarmPoolMode.Paused ? PoolMode.Created : PoolMode.Booted)
        {
            ReadyPorts = service.ReadyPorts,
            UdpPorts = service.UdpPorts,
            ReadyUdpPorts = service.ReadyUdpPorts,
            Environment = environment,
            Egress = service.Egress,
            PublicAddress = publicAddress ? service.Address : null,
        };
    }

    public static EngineOptions ToOptions(SummonerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new EngineOptions
        {
            StateDirectory = config.Libvirt.StateDirectory,
            MaxConcurrentBoots = config.Limits.ConcurrentBoots,
            MaxRunningGuests = config.Limits.RunningGuests,
            MaxTotalMemoryMiB = config.Limits.TotalGuestMemoryBytes >> 20,
            AnswerTtl = config.Dns.ServiceTtl,
            WaitingSummons = config.Limits.WaitingSummons,
            CapWait = config.Dns.AnswerDeadline,
            SummonBudget = config.Limits.ClientSummons == 0 ? null
                : new ClientBudget(config.Limits.ClientSummons, config.Limits.ClientSummonRefill, config.Limits.ClientBudgetLoopback),
        };
    }

    /// <summary>
    /// The secret egress tokens are derived from, made once and kept in the state directory (file
    /// egress-secret, owner-only): kept apart from the instance id, which guests' metadata carries.
    /// </summary>
    public static byte[] EgressSecret(string stateDirectory)
    {
        string path = Path.Combine(stateDirectory, "egress-secret");
        if (File.Exists(path))
        {
            byte[] kept = File.ReadAllBytes(path);
            if (kept.Length >= 32) return kept;
        }
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("serve runs guests under QEMU on Linux only");
        byte[] made = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        string temp = path + ".tmp";
        File.Delete(temp);
        using (var f = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            f.Write(made);
        File.Move(temp, path, overwrite: true);
        return made;
    }

    /// <summary>
    /// This daemon's identity, made once and kept in the state directory (file instance-id): guests
    /// carry it, so a restart on the same directory takes back its own guests and only those, even
    /// when other daemons share the libvirt root.
    /// </summary>
    public static string InstanceId(string stateDirectory)
    {
        string path = Path.Combine(stateDirectory, "instance-id");
        if (File.Exists(path))
        {
            string id = File.ReadAllText(path).Trim();
            if (id.Length > 0) return id;
        }
        string made = Guid.NewGuid().ToString("N");
        string temp = path + ".tmp";
        File.WriteAllText(temp, made + "\n");
        File.Move(temp, path, overwrite: true);
        return made;
    }

    /// <summary>
    /// Loopback mode: each service's configured address belongs to the door for the daemon's
    /// lifetime; every guest (fresh or pooled) draws another address from the upper half of the
    /// range for its QEMU forwards, which only the door connects to.
    /// </summary>
    public static LoopbackNetworkPlan LoopbackPlan(SummonerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        IPNetwork range = config.Network.LoopbackRange;
        uint baseValue = Ipv4.ToUInt32(range.BaseAddress);
        long size = 1L << (32 - range.PrefixLength);
        // Skip the range's first address (127.x.0.0) and keep clear of 127.0.0.1. Guests draw from
        // the upper half: services without a fixed address get theirs from the bottom in file order,
        // so one a reload adds finds its address free rather than held by a running guest's forwards.
        uint first = size >= 16 ? baseValue + (uint)(size / 2) : baseValue + 1;
        int count = (int)Math.Max(1, Math.Min(baseValue + size - 1 - first, 65534));
        if (first <= 0x7f000001 && 0x7f000001 < first + (uint)count)
        {
            first = Math.Max(first, 0x7f000002);
            count = (int)Math.Max(1, baseValue + size - 1 - first);
        }
        return new LoopbackNetworkPlan(Ipv4.FromUInt32(first), count,
            reserved: [.. config.Services.Select(s => s.Address), config.Dns.Listen.Address, config.Metrics.Listen.Address]);
    }
}
