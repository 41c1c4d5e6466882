using System.Text;

namespace Summoner.Engine;

/// <summary>One reader of a guest's serial console (<see cref="IGuest.ReadConsole"/>), line by line.</summary>
public interface IConsoleReader : IDisposable
{
    /// <summary>
    /// The next whole line, without its line end, waiting for it. A cancelled read loses nothing:
    /// the line it waited for is the next read's.
    /// </summary>
    ValueTask<string> ReadLineAsync(CancellationToken cancellationToken);

    /// <summary>The console's last <paramref name="count"/> lines as far as they arrived, unread ones and
    /// a line not finished yet included (a boot's failure shows them).</summary>
    string Tail(int count);
}

/// <summary>
/// A console held in memory: whoever receives the guest's output (a hypervisor's console stream,
/// a test's scripted guest) appends it, and any number of readers follow it. Keeps the last
/// <see cref="Capacity"/> lines; a reader that falls further behind skips to the oldest kept.
/// </summary>
public sealed class ConsoleLines
{
    public const int Capacity = 256;

    private readonly object _gate = new();
    private readonly Queue<string> _lines = new();
    private readonly StringBuilder _partial = new();
    // Lines ever completed: line n (0-based) is in _lines when n >= _total - _lines.Count.
    private long _total;
    private TaskCompletionSource _more = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Adds output; a line counts once its '\n' arrives ('\r' is dropped).</summary>
    public void Append(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        TaskCompletionSource? woken = null;
        lock (_gate)
        {
            foreach (char c in text)
            {
                if (c == '\r') continue;
                if (c != '\n') { _partial.Append(c); continue; }
                _lines.Enqueue(_partial.ToString());
                _partial.Clear();
                if (_lines.Count > Capacity) _lines.Dequeue();
                _total++;
                woken ??= _more;
            }
            if (woken is not null) _more = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        woken?.TrySetResult();
    }

    /// <summary>Appends <paramref name="line"/> and a line end.</summary>
    public void AppendLine(string line) => Append(line + "\n");

    public IConsoleReader Read(bool fromStart)
    {
        lock (_gate) return new Reader(this, fromStart ? Math.Max(0, _total - _lines.Count) : _total);
    }

    public string Tail(int count)
    {
        lock (_gate)
        {
            int whole = _partial.Length > 0 ? count - 1 : count;
            IEnumerable<string> lines = _lines.Skip(Math.Max(0, _lines.Count - whole));
            if (_partial.Length > 0) lines = lines.Append(_partial.ToString());
            return string.Join('\n', lines);
        }
    }

    private sealed class Reader(ConsoleLines console, long next) : IConsoleReader
    {
        public async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                Task more;
                lock (console._gate)
                {
                    long oldest = console._total - console._lines.Count;
                    if (next < oldest) next = oldest;
                    if (next < console._total)
                        return console._lines.ElementAt((int)(next++ - oldest));
                    more = console._more.Task;
                }
                await more.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public string Tail(int count) => console.Tail(count);

        public void Dispose() { }
    }
}
