using System.Net.Sockets;
using System.Text;
using Summoner.Testing;
using Xunit;

namespace Kernel.Net.Tests;

/// <summary>
/// The Date header of apps/hello booted as Summoner boots it (an RTC, no <c>epoch=</c>): the host's
/// date, also after QEMU was paused and resumed over QMP as a warm pool member is (the guest's TSC
/// stops while paused under TCG, so a date carried by it alone would be behind by the pause).
/// </summary>
[Trait("Category", "qemu")]
public class GuestDateTests
{
    [Fact]
    public async Task Date_is_the_hosts_date_from_the_guests_rtc_also_after_a_pause()
    {
        string qmp = Path.Combine(Path.GetTempPath(), $"gdt-{Environment.ProcessId}-{Guid.NewGuid():N}"[..28] + ".qmp");
        (RunningGuest guest, int port) = await RunningGuest.StartForwardedAsync(RepoPaths.Image("hello"), "port=80 name=date-demo", TimeSpan.FromSeconds(60),
            ["-machine", "rtc=on", "-qmp", $"unix:{qmp},server=on,wait=off"]);
        using (guest)
        {
            try
            {
                await AssertDateIsNowAsync(port, guest, "after boot");
                await QmpAsync(qmp, "stop");
                await Task.Delay(TimeSpan.FromSeconds(6));
                await QmpAsync(qmp, "cont");
                await AssertDateIsNowAsync(port, guest, "right after a 6 s pause");
            }
            finally
            {
                File.Delete(qmp);
            }
        }
    }

    private static async Task AssertDateIsNowAsync(int port, RunningGuest guest, string when)
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var page = await GuestHttpTests.RunAsync(TimeSpan.FromSeconds(30), "curl", "-sS", "-i", "-m", "20", $"http://127.0.0.1:{port}/");
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.True(page.Exit == 0, $"curl {when}: {page.Stderr}\n{guest.Serial}");
        long? served = ResponseDate.UnixSeconds(page.Stdout);
        Assert.True(served is not null, $"no Date header {when}:\n{page.Stdout}");
        // The RTC counts whole seconds and the guest takes the middle of the one it read: one second of slack.
        Assert.True(served >= before - 1 && served <= after + 1, $"Date {when} is {served}, the host's clock said {before}-{after} (Unix s)");
    }

    // One QMP command on a fresh connection: greeting, capabilities negotiation, the command.
    private static async Task QmpAsync(string socketPath, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await reader.ReadLineAsync(); // {"QMP": ...}
        foreach (string execute in new[] { "qmp_capabilities", command })
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"{{\"execute\":\"{execute}\"}}\n"));
            string? reply;
            do reply = await reader.ReadLineAsync();
            while (reply is not null && reply.Contains("\"event\"", StringComparison.Ordinal));
            Assert.True(reply is not null && reply.Contains("\"return\"", StringComparison.Ordinal), $"QMP {execute}: {reply}");
        }
    }
}
