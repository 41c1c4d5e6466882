using System.Net.Sockets;
using Summoner.Engine.Tests;
using Summoner.Keeper;

namespace Summoner.Tests.Keeper;

/// <summary>
/// The daemon's side of the keeper against a keeper that already serves another daemon: it answers
/// "busy PID" and closes as soon as it accepts. A second `serve` on the same state directory must say
/// so, whichever of the keeper's close and the daemon's "take" comes first.
/// </summary>
[Trait("Category", "unit")]
public sealed class SocketKeeperTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("summoner-keeper-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_busy_answer_sent_and_closed_before_the_daemon_asks_is_still_read()
    {
        string path = Path.Combine(_dir, "keeper.sock");
        using var listener = Listen(path);
        using Socket daemonSide = Connect(path);
        using (Socket keeperSide = listener.Accept())
            FdPassing.Send(keeperSide, "busy 4242");
        var log = new ListLogger();

        // The keeper's end is closed: the daemon's "take" fails with EPIPE before it reads anything.
        string? busy = new SocketKeeper(log).TakeAll(daemonSide, path);

        Assert.Equal("4242", busy);
        Assert.Empty(log.Entries);
    }

    [Fact]
    public void A_busy_answer_is_read_when_the_keeper_closed_with_the_daemons_take_unread()
    {
        string path = Path.Combine(_dir, "keeper.sock");
        using var listener = Listen(path);
        using Socket daemonSide = Connect(path);
        SocketKeeper.Ask(daemonSide);
        // The keeper answers and closes with the daemon's "take" unread, before the daemon reads:
        // the kernel then reports a reset to the daemon ahead of the answer queued for it.
        using (Socket keeperSide = listener.Accept())
        {
            Assert.True(keeperSide.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectRead), "the daemon's take did not arrive");
            FdPassing.Send(keeperSide, "busy 4242");
        }
        var log = new ListLogger();

        string? busy = new SocketKeeper(log).ReadAnswer(daemonSide, path);

        Assert.Equal("4242", busy);
        Assert.Empty(log.Entries);
    }

    [Fact]
    public void A_second_daemon_on_a_state_directory_whose_keeper_serves_another_is_refused_with_the_others_pid()
    {
        string keeperDir = Path.Combine(_dir, "keeper");
        Directory.CreateDirectory(keeperDir);
        using var listener = Listen(Path.Combine(keeperDir, KeeperProcess.SocketFile));
        // The keeper's answer to every daemon while one is connected, as fast as it can give it.
        var keeper = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    using Socket connection = listener.Accept();
                    FdPassing.Send(connection, "busy 4242");
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The listener was closed: the test is over.
            }
        }) { IsBackground = true };
        keeper.Start();
        var log = new ListLogger();

        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            SocketKeeper opened = SocketKeeper.Open(_dir, log);
            Assert.Fail($"opened (keeper pid {opened.Pid}) instead of refusing: {string.Join(" | ", log.Entries.Select(e => e.Message))}");
        });

        Assert.Contains("another summoner serve (pid 4242) is running on state directory " + _dir, e.Message);
        Assert.Contains("give this one its own state_dir", e.Message);
    }

    private static Socket Connect(string path)
    {
        var daemonSide = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        daemonSide.Connect(new UnixDomainSocketEndPoint(path));
        return daemonSide;
    }

    private static Socket Listen(string path)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        return listener;
    }
}
