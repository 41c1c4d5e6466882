using System.Globalization;
using System.Net;
using System.Text.Json;
using Summoner.Testing;
using Xunit;
using Xunit.Abstractions;
using ServeProcess = Summoner.Serve.Tests.MultiHostTests.ServeProcess;

namespace Summoner.Serve.Tests;

/// <summary>
/// What the many-host labs share: a fabric namespace with a bridge that every other namespace hangs
/// off by a veth pair made there (nothing passes through the root namespace), a client namespace where
/// serve, dig, curl and the CLI run, the serve processes started on it, and one teardown that removes
/// all of it, each step run whatever the one before did.
/// </summary>
internal abstract class NamespaceLab(ITestOutputHelper output, string directoryPrefix) : IAsyncDisposable
{
    private readonly List<string> _namespaces = [];
    private NetworkNamespace? _fabric;

    protected ITestOutputHelper Out { get; } = output;
    protected List<ServeProcess> Serves { get; } = [];
    protected NetworkNamespace Fabric => _fabric ?? throw new InvalidOperationException("no fabric yet");

    /// <summary>The fabric's suffix, unique to this lab: a part of the names of its namespaces and veth ends.</summary>
    protected string Tag => Fabric.Name["sumtest-".Length..];

    public string Client { get; private set; } = "";
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory(directoryPrefix).FullName;

    /// <summary>How long one curl may wait for an answer (a cold summon included).</summary>
    protected virtual int CurlSeconds => 20;

    /// <summary>A lab <paramref name="build"/> made, or nothing left of it if building failed.</summary>
    protected static async Task<TLab> BuiltAsync<TLab>(TLab lab, Func<Task> build) where TLab : NamespaceLab
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentNullException.ThrowIfNull(build);
        try
        {
            await build();
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
        return lab;
    }

    /// <summary>Makes the fabric (its bridge at <paramref name="fabricCidr"/>) and the client namespace on it.</summary>
    protected void CreateFabric(string fabricCidr, string clientPrefix, string clientCidr)
    {
        _fabric = NetworkNamespace.Create(fabricCidr);
        Client = Add(clientPrefix + Tag, clientCidr, "vc" + Tag);
    }

    /// <summary>A namespace with one veth into the fabric's bridge, at <paramref name="cidr"/>.</summary>
    protected string Add(string name, string cidr, string fabricEnd)
    {
        Command.Run("ip", "netns", "add", name);
        _namespaces.Add(name);
        Command.Run("ip", "-n", name, "link", "set", "lo", "up");
        Plug(name, fabricEnd);
        Command.Run("ip", "-n", name, "addr", "add", cidr, "dev", "eth0");
        Command.Run("ip", "-n", name, "link", "set", "eth0", "up");
        return name;
    }

    /// <summary>Gives <paramref name="netns"/> an eth0 on the fabric's bridge, made in the fabric with its peer created straight into that namespace.</summary>
    protected void Plug(string netns, string fabricEnd)
    {
        Fabric.Ip("link", "add", fabricEnd, "type", "veth", "peer", "name", "eth0", "netns", netns);
        Fabric.Ip("link", "set", fabricEnd, "master", Fabric.Bridge);
        Fabric.Ip("link", "set", fabricEnd, "up");
    }

    /// <summary>Writes <paramref name="toml"/> as serve <paramref name="name"/>'s config in a folder of its own and starts it in the client namespace.</summary>
    protected async Task<ServeProcess> StartServeAsync(string name, int dnsPort, int metricsPort, string toml)
    {
        string dir = Path.Combine(Directory, "serve-" + name);
        System.IO.Directory.CreateDirectory(dir);
        string config = Path.Combine(dir, "summoner.toml");
        await File.WriteAllTextAsync(config, toml);
        var serve = new ServeProcess(config, dnsPort, metricsPort);
        Serves.Add(serve);
        await serve.StartAsync(Client);
        return serve;
    }

    public async Task<(int Exit, string Stdout, string Stderr)> InClientAsync(params string[] command) =>
        await ServeDaemon.RunAsync(TimeSpan.FromSeconds(90), "ip", ["netns", "exec", Client, .. command]);

    public async Task<IPAddress> DigAsync(ServeProcess serve, string service = "hello")
    {
        var (exit, stdout, stderr) = await InClientAsync("dig", "@127.0.0.1", "-p", serve.DnsPort.ToString(CultureInfo.InvariantCulture), service + ".summoner.test", "+short", "+tries=1", "+time=60");
        string line = stdout.Trim();
        Assert.True(exit == 0 && IPAddress.TryParse(line, out _), $"dig {service}: {exit} '{stdout}' {stderr}\n{serve.Output}");
        return IPAddress.Parse(line);
    }

    /// <summary>The HTTP status of GET / at <paramref name="address"/>, or curl's error.</summary>
    public async Task<string> CurlStatusAsync(IPAddress address)
    {
        var (_, stdout, stderr) = await InClientAsync("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", CurlSeconds.ToString(CultureInfo.InvariantCulture), $"http://{address}/");
        return stdout.Trim().Length > 0 ? stdout.Trim() : stderr;
    }

    public async Task<string> CurlAsync(string url, string? token = null)
    {
        string[] auth = token is null ? [] : ["-H", "Authorization: Bearer " + token];
        var (exit, stdout, stderr) = await InClientAsync(["curl", "-sf", "--max-time", "20", .. auth, url]);
        Assert.True(exit == 0, $"curl {url}: {exit} {stderr}");
        return stdout;
    }

    /// <summary>The row named <paramref name="name"/> of the control API's <paramref name="collection"/> ("services", "hosts").</summary>
    public async Task<JsonElement> ApiRowAsync(ServeProcess serve, string collection, string name)
    {
        using JsonDocument doc = JsonDocument.Parse(await CurlAsync($"http://127.0.0.1:{serve.MetricsPort}/api/{collection}", serve.Token));
        return doc.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name).Clone();
    }

    /// <summary>The CLI, run where the daemon's control listener is.</summary>
    public async Task<string> SummonerAsync(ServeProcess serve, params string[] arguments)
    {
        var (exit, stdout, stderr) = await InClientAsync(["dotnet", ServeDaemon.SummonerDll, .. arguments, "--config", serve.ConfigPath]);
        Assert.True(exit == 0, $"summoner {string.Join(' ', arguments)}: {stderr}");
        return stdout;
    }

    /// <summary>The lab's daemons (libvirtd, sshd), after every serve stopped and before the namespaces go.</summary>
    protected abstract Task DisposeDaemonsAsync(Func<Func<Task>, Task> step);

    /// <summary>Namespaces the lab made itself rather than through <see cref="Add"/>; before the fabric goes.</summary>
    protected virtual void DisposeOwnNamespaces() { }

    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        async Task Step(Func<Task> step)
        {
            try { await step(); }
            catch (Exception ex) { failures.Add(ex); }
        }
        foreach (ServeProcess serve in Serves)
        {
            await Step(() => serve.StopAsync(Out));
            await Step(() => { ServeDaemon.KillKeepers(serve.StateDirectory); return Task.CompletedTask; });
        }
        await DisposeDaemonsAsync(Step);
        foreach (string ns in _namespaces) Command.TryRun(["ip", "netns", "del", ns]);
        DisposeOwnNamespaces();
        _fabric?.Dispose();
        foreach (ServeProcess serve in Serves)
            foreach (int pid in ServeDaemon.QemuPidsUnder(serve.StateDirectory)) MultiHostTests.Native.Kill(pid, 9);
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        if (failures.Count > 0) throw new AggregateException("cleaning up " + GetType().Name, failures);
    }
}
