using System.Collections.Concurrent;
using System.Diagnostics;

namespace Summoner.Libvirt;

/// <summary>Which accelerator to use on this host, and why.</summary>
public sealed record AcceleratorDecision(Accelerator Accelerator, string Reason, TimeSpan ProbeTime);

/// <summary>
/// Decides once per host whether KVM can run our guests (recorded in the work directory and reused
/// while the host looks the same, see <see cref="AcceleratorRecord"/>), by
/// booting <see cref="ProbeImage"/> under KVM: it uses SSE at ring 0, which real hardware KVM runs
/// and kvm_pvm's instruction emulator cannot ("KVM internal error ... emulation failure"), the exact
/// failure that kills a NativeAOT C# kernel. When KVM fails, the same image is booted under TCG to
/// confirm that TCG works before choosing it.
/// </summary>
public static class AcceleratorProbe
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<AcceleratorDecision>>> Decisions = new();

    /// <summary>
    /// The decision for this connection's host: from memory, else from the record in
    /// <paramref name="workDirectory"/> if the host still matches it, else by probe boots (whose image
    /// and serial logs go to <paramref name="workDirectory"/>), then recorded. A failed probe is not
    /// kept; the next call tries again. <paramref name="cancellationToken"/> stops this caller's
    /// wait, not the shared probe.
    /// </summary>
    public static Task<AcceleratorDecision> DecideAsync(LibvirtConnection connection, string workDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrEmpty(workDirectory);
        string key = connection.Uri + "\n" + Path.GetFullPath(workDirectory);
        var entry = Decisions.GetOrAdd(key, _ => new Lazy<Task<AcceleratorDecision>>(() => DecideOnceAsync(connection, workDirectory)));
        var task = entry.Value;
        _ = task.ContinueWith(_ => Decisions.TryRemove(new KeyValuePair<string, Lazy<Task<AcceleratorDecision>>>(key, entry)),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task.WaitAsync(cancellationToken);
    }

    private static async Task<AcceleratorDecision> DecideOnceAsync(LibvirtConnection connection, string workDirectory)
    {
        string fingerprint = AcceleratorRecord.Fingerprint(connection.Uri);
        if (AcceleratorRecord.TryRead(workDirectory, fingerprint) is { } recorded) return recorded;
        var decision = await ProbeAsync(connection, workDirectory, CancellationToken.None).ConfigureAwait(false);
        AcceleratorRecord.Write(workDirectory, fingerprint, decision);
        return decision;
    }

    /// <summary>Runs the probe boots without consulting or writing any record.</summary>
    public static async Task<AcceleratorDecision> ProbeAsync(LibvirtConnection connection, string workDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(workDirectory);
        string image = Path.Combine(workDirectory, "accelerator-probe.elf");
        ProbeImage.WriteHalting(image);

        string kvmVerdict;
        if (!File.Exists("/dev/kvm"))
        {
            kvmVerdict = "/dev/kvm does not exist (no KVM module loaded, or not exposed to this container)";
        }
        else
        {
            var kvm = await BootAsync(connection, workDirectory, image, Accelerator.Kvm, cancellationToken).ConfigureAwait(false);
            if (kvm.Ok) return new AcceleratorDecision(Accelerator.Kvm, "KVM ran the probe guest's ring-0 SSE code", clock.Elapsed);
            string module = Directory.Exists("/sys/module/kvm_pvm") ? " (/dev/kvm is kvm_pvm, whose ring-0 emulator has no SSE)" : "";
            kvmVerdict = $"KVM could not run ring-0 SSE code{module}: {kvm.Detail}";
        }

        var tcg = await BootAsync(connection, workDirectory, image, Accelerator.Tcg, cancellationToken).ConfigureAwait(false);
        if (!tcg.Ok)
            throw new LibvirtException($"neither KVM nor TCG could run the probe guest. KVM: {kvmVerdict}. TCG: {tcg.Detail}. Check that qemu-system-x86 is installed and see QEMU's log for the probe domain");
        return new AcceleratorDecision(Accelerator.Tcg, kvmVerdict + "; TCG ran it", clock.Elapsed);
    }

    private static async Task<(bool Ok, string Detail)> BootAsync(LibvirtConnection connection, string workDirectory, string image, Accelerator accelerator, CancellationToken cancellationToken)
    {
        string name = $"summoner-probe-{accelerator.ToString().ToLowerInvariant()}-{Environment.ProcessId}";
        string serial = Path.Combine(workDirectory, name + ".serial");
        File.Delete(serial);
        var spec = new DomainSpec
        {
            Name = name,
            KernelPath = image,
            Serial = new SerialConsole.ToFile(serial),
            Accelerator = accelerator,
            MemoryMiB = 16,
        };
        Domain domain;
        try
        {
            domain = await connection.CreateDomainAsync(spec, startPaused: false, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException e)
        {
            return (false, "the domain did not start: " + e.LibvirtMessage);
        }
        using (domain)
        {
            try
            {
                var deadline = Stopwatch.StartNew();
                // TCG prints within ~20 ms and a kvm_pvm failure stops the guest at once; 15 s covers a loaded host.
                while (deadline.Elapsed < TimeSpan.FromSeconds(15))
                {
                    string text = ReadShared(serial);
                    if (text.Contains(ProbeImage.SuccessLine, StringComparison.Ordinal)) return (true, "ok");
                    if (text.Contains("sse-wrong", StringComparison.Ordinal)) return (false, "SSE arithmetic gave a wrong result");
                    var status = domain.GetStatus();
                    if (status.State is not DomainState.Running)
                        return (false, $"the probe guest stopped before printing (state {status.State}, reason {status.Reason})");
                    await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                }
                return (false, "the probe guest printed nothing within 15 s");
            }
            catch (LibvirtException e) when (e.Code == LibvirtException.ErrNoDomain)
            {
                return (false, "the probe guest's QEMU exited before printing");
            }
            finally
            {
                try { await domain.DestroyAsync(CancellationToken.None).ConfigureAwait(false); }
                catch (LibvirtException e) when (e.Code is LibvirtException.ErrNoDomain or LibvirtException.ErrOperationInvalid) { }
                File.Delete(serial);
            }
        }
    }

    private static string ReadShared(string path)
    {
        try
        {
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(s);
            return r.ReadToEnd();
        }
        catch (FileNotFoundException) { return ""; }
    }
}
