using System.Globalization;
using System.Net.Http.Json;
using Summoner.Control;

namespace Summoner.Cli;

/// <summary>The CLI side of ps/stop/logs: talks to a running daemon's control endpoint.</summary>
public sealed class ControlClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _base;

    public ControlClient(Uri baseAddress, string token)
    {
        _base = baseAddress;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }

    public void Dispose() => _http.Dispose();

    public async Task<ServiceStatus[]> ListAsync(CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(() => _http.GetAsync(new Uri("/api/services", UriKind.Relative), cancellationToken)).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(ControlJsonContext.Default.ServiceStatusArray, cancellationToken).ConfigureAwait(false) ?? [];
    }

    public async Task<HostRow[]> HostsAsync(CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(() => _http.GetAsync(new Uri("/api/hosts", UriKind.Relative), cancellationToken)).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(ControlJsonContext.Default.HostRowArray, cancellationToken).ConfigureAwait(false) ?? [];
    }

    private static readonly string[] HostsHeader = ["HOST", "STATE", "GUESTS", "MEMORY", "PLACEMENT-FAILURES", "REASON"];

    public static string FormatHosts(IReadOnlyList<HostRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) return "no [[host]] entries: guests run on this machine's embedded driver\n";
        var table = new List<string[]> { HostsHeader };
        foreach (HostRow h in rows)
        {
            table.Add([h.Name, h.State, $"{h.Guests}/{h.MaxGuests}", $"{h.GuestMemoryMiB}/{h.MaxGuestMemoryMiB} MiB",
                h.PlacementFailures.ToString(CultureInfo.InvariantCulture), h.Reason ?? "-"]);
        }
        int[] widths = [.. Enumerable.Range(0, table[0].Length).Select(c => table.Max(r => r[c].Length))];
        return string.Join('\n', table.Select(r => string.Join("  ", r.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd())) + "\n";
    }

    public async Task<ServiceStatus> StopAsync(string name, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(() => _http.PostAsync(new Uri($"/api/services/{Uri.EscapeDataString(name)}/stop", UriKind.Relative), null, cancellationToken)).ConfigureAwait(false);
        return (await response.Content.ReadFromJsonAsync(ControlJsonContext.Default.ServiceStatus, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Asks the daemon to re-read its configuration file; returns its report, or throws with it when the file was refused.</summary>
    public async Task<string> ReloadAsync(CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(() => _http.PostAsync(new Uri("/api/reload", UriKind.Relative), null, cancellationToken)).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<string> LogsAsync(string name, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await SendAsync(() => _http.GetAsync(new Uri($"/api/services/{Uri.EscapeDataString(name)}/logs", UriKind.Relative), cancellationToken)).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        HttpResponseMessage response;
        try
        {
            response = await send().ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"no summoner daemon answers at {_base} ({ex.Message}): start it with ./summoner serve, or pass --control with its [metrics] listen address");
        }
        if (!response.IsSuccessStatusCode)
        {
            string body = (await response.Content.ReadAsStringAsync().ConfigureAwait(false)).Trim();
            response.Dispose();
            throw new CliException(body.Length > 0 ? body : $"the daemon answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        return response;
    }

    private static readonly string[] Header = ["SERVICE", "STATE", "ADDRESS", "UPTIME", "LAST SUMMON", "GUEST"];

    public static string FormatTable(IEnumerable<ServiceStatus> rows)
    {
        // The HOST column only with [[host]] entries (a guest runs somewhere else than this machine).
        bool hosts = rows.Any(s => s.Host is not null);
        var table = new List<string[]> { hosts ? [.. Header, "HOST"] : Header };
        foreach (ServiceStatus s in rows)
        {
            table.Add([
                s.Name, s.ReloadPending ? s.State + " (reload pending)" : s.State, s.Address ?? "-",
                s.UptimeSeconds is { } up ? TimeSpan.FromSeconds(up).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "-",
                s.LastSummonMs is { } ms ? ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "-",
                s.Guest ?? "-",
                .. hosts ? new[] { s.Host ?? "-" } : [],
            ]);
        }
        int[] widths = [.. Enumerable.Range(0, table[0].Length).Select(c => table.Max(r => r[c].Length))];
        return string.Join('\n', table.Select(r => string.Join("  ", r.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd())) + "\n";
    }
}

/// <summary>A user-facing failure: printed as one line (it says what to do), exit code 1.</summary>
public sealed class CliException : Exception
{
    public CliException() { }
    public CliException(string message) : base(message) { }
    public CliException(string message, Exception inner) : base(message, inner) { }
}
