using System;
using System.Collections.Generic;
using System.Text;

namespace Kernel.Net.App
{
    /// <summary>
    /// Outbound connections through Summoner's egress broker (<see cref="EgressLine"/>): with the
    /// <c>egress_port=N</c> setting the host listens on N itself, Summoner opens a control channel
    /// there once the guest is ready, and every <c>ConnectAsync</c> becomes a request on it. Summoner
    /// checks the request against the service's egress list, dials, and answers with a new
    /// connection to N carrying the destination's bytes, or a refusal with its reason. The guest
    /// never dials out itself: under QEMU's restrict=on it could not, which is the point.
    /// Requests made before the control channel exists wait for it (within their deadline).
    /// </summary>
    public sealed class EgressClient
    {
        private readonly IServiceHost _host;
        private readonly List<Request> _requests = new List<Request>();
        private readonly string _token;
        private ControlChannel? _control;
        private int _nextId = 1;

        private EgressClient(IServiceHost host, ushort port, string token)
        {
            _host = host;
            Port = port;
            _token = token;
            host.Listen(port, Accept);
        }

        /// <summary>Null without an <c>egress_port</c> setting (outbound connections then go out directly).
        /// <c>egress_token</c> is what Summoner's connections must carry (Summoner always sets it).</summary>
        public static EgressClient? FromSettings(IServiceHost host)
        {
            ArgumentNullException.ThrowIfNull(host);
            string? text = host.Setting("egress_port");
            int port;
            if (text is null || !int.TryParse(text, out port) || port < 1 || port > 65535) return null;
            return new EgressClient(host, (ushort)port, host.Setting("egress_token") ?? "");
        }

        public ushort Port { get; }

        /// <summary>True while Summoner holds the control channel.</summary>
        public bool Connected => _control is not null;

        /// <summary>Asks Summoner for a connection to <paramref name="name"/>:<paramref name="port"/>.</summary>
        public LoopOperation<ConnectResult> ConnectAsync(string name, ushort port, long timeoutNanoseconds)
        {
            ArgumentNullException.ThrowIfNull(name);
            int id = _nextId++;
            string? line = EgressLine.FormatConnect(id, name, port);
            if (line is null) return new LoopOperation<ConnectResult>(new ConnectResult(ConnectError.NameNotResolved, "'" + name + "' is not a host name or an IPv4 address"));
            var request = new Request(id, line);
            _requests.Add(request);
            LoopOperation<ConnectResult> operation = request.Completion.Begin();
            request.Timer = _host.ScheduleTimer(timeoutNanoseconds, () => Finish(request, new ConnectResult(ConnectError.TimedOut,
                _control is null ? "Summoner's egress broker never connected (is egress set for this service?)" : "Summoner did not connect it in time")));
            if (_control is not null) { _control.Send(line); request.Sent = true; }
            return operation;
        }

        private IConnectionHandler Accept(IConnection connection) => new Arrival(this, connection);

        private void Finish(Request request, ConnectResult result)
        {
            if (!request.Completion.IsPending) return;
            Remove(request);
            if (request.Timer >= 0) { _host.CancelTimer(request.Timer); request.Timer = -1; }
            request.Completion.Complete(result);
        }

        private void Remove(Request request)
        {
            // By hand: List<T>.Remove would bring the generic equality machinery into the image.
            for (int i = 0; i < _requests.Count; i++)
                if ((object)_requests[i] == request) { _requests.RemoveAt(i); return; }
        }

        private Request? Find(int id)
        {
            for (int i = 0; i < _requests.Count; i++)
                if (_requests[i].Id == id) return _requests[i];
            return null;
        }

        /// <summary>A new control channel replaces the old one (a restarted Summoner opens a fresh one);
        /// requests the old one carried unanswered go again, since their answers may never come.</summary>
        private void BecomeControl(ControlChannel control)
        {
            ControlChannel? old = _control;
            _control = control;
            if (old is not null) old.Connection.Abort();
            control.Send(EgressLine.Ready);
            for (int i = 0; i < _requests.Count; i++)
            {
                control.Send(_requests[i].Line);
                _requests[i].Sent = true;
            }
        }

        private void ControlGone(ControlChannel control)
        {
            if ((object?)_control != control) return;
            _control = null;
            for (int i = 0; i < _requests.Count; i++) _requests[i].Sent = false;
        }

        private void OnLine(string line)
        {
            int id;
            string reason;
            if (!EgressLine.TryParseRefused(line, out id, out reason)) return;
            Request? request = Find(id);
            if (request is not null) Finish(request, new ConnectResult(ConnectError.Refused, reason));
        }

        /// <summary>Data connection <paramref name="id"/> arrived: it is the app's connection now.</summary>
        private AsyncConnection? Deliver(int id, IConnection connection)
        {
            Request? request = Find(id);
            if (request is null) return null; // given up on (deadline): nobody wants it
            var async = new AsyncConnection(connection);
            Finish(request, new ConnectResult(async));
            return async;
        }

        private sealed class Request
        {
            public Request(int id, string line) { Id = id; Line = line; }

            public int Id { get; }

            public string Line { get; }

            public bool Sent { get; set; }

            public int Timer { get; set; } = -1;

            public LoopCompletion<ConnectResult> Completion { get; } = new LoopCompletion<ConnectResult>();
        }

        /// <summary>
        /// A connection Summoner opened, until its first line says what it is. Read a byte at a time:
        /// the destination's bytes may follow the line at once, and must stay in the connection for the app.
        /// </summary>
        private sealed class Arrival : IConnectionHandler
        {
            private readonly EgressClient _owner;
            private readonly IConnection _connection;
            private readonly byte[] _line = new byte[EgressLine.MaxLength];
            private int _length;
            private IConnectionHandler? _next;

            public Arrival(EgressClient owner, IConnection connection)
            {
                _owner = owner;
                _connection = connection;
            }

            public void OnReadable(IConnection connection)
            {
                if (_next is not null) { _next.OnReadable(connection); return; }
                Span<byte> one = stackalloc byte[1];
                while (true)
                {
                    int n = _connection.Read(one);
                    if (n == 0) return;
                    if (n < 0) { _connection.Close(); return; }
                    if (one[0] != (byte)'\n')
                    {
                        if (_length == _line.Length) { _connection.Abort(); return; }
                        _line[_length++] = one[0];
                        continue;
                    }
                    string line = Encoding.ASCII.GetString(_line, 0, _length);
                    int id;
                    if (EgressLine.IsControl(line, _owner._token))
                    {
                        var control = new ControlChannel(_owner, _connection);
                        _next = control;
                        _owner.BecomeControl(control);
                        control.OnReadable(connection); // lines may have come with the first one
                    }
                    else if (EgressLine.TryParseData(line, _owner._token, out id))
                    {
                        _next = _owner.Deliver(id, _connection);
                        if (_next is null) _connection.Abort();
                    }
                    else _connection.Abort();
                    return;
                }
            }

            public void OnWritable(IConnection connection) => _next?.OnWritable(connection);

            public void OnClosed(IConnection connection) => _next?.OnClosed(connection);
        }

        /// <summary>The control channel: request lines out (queued while the send buffer is full), refusals in.</summary>
        private sealed class ControlChannel : IConnectionHandler
        {
            private readonly EgressClient _owner;
            private readonly byte[] _in = new byte[EgressLine.MaxLength];
            private int _inLength;
            private byte[] _out = new byte[256];
            private int _outLength;

            public ControlChannel(EgressClient owner, IConnection connection)
            {
                _owner = owner;
                Connection = connection;
            }

            public IConnection Connection { get; }

            public void Send(string line)
            {
                int needed = _outLength + line.Length + 1;
                if (needed > _out.Length)
                {
                    var bigger = new byte[Math.Max(needed, _out.Length * 2)];
                    Array.Copy(_out, bigger, _outLength);
                    _out = bigger;
                }
                for (int i = 0; i < line.Length; i++) _out[_outLength++] = (byte)line[i];
                _out[_outLength++] = (byte)'\n';
                Flush();
            }

            public void OnReadable(IConnection connection)
            {
                while (true)
                {
                    int n = Connection.Read(_in.AsSpan(_inLength));
                    if (n == 0) return;
                    if (n < 0) { Gone(); Connection.Close(); return; }
                    _inLength += n;
                    int start = 0;
                    for (int i = 0; i < _inLength; i++)
                    {
                        if (_in[i] != (byte)'\n') continue;
                        _owner.OnLine(Encoding.ASCII.GetString(_in, start, i - start));
                        start = i + 1;
                    }
                    if (start == 0 && _inLength == _in.Length) { Gone(); Connection.Abort(); return; } // a line longer than the protocol allows
                    Array.Copy(_in, start, _in, 0, _inLength - start);
                    _inLength -= start;
                }
            }

            public void OnWritable(IConnection connection) => Flush();

            public void OnClosed(IConnection connection) => Gone();

            private void Gone() => _owner.ControlGone(this);

            private void Flush()
            {
                if (_outLength == 0) return;
                int n = Connection.Write(_out.AsSpan(0, _outLength));
                if (n <= 0) return; // full (OnWritable follows) or gone (OnClosed follows)
                Array.Copy(_out, n, _out, 0, _outLength - n);
                _outLength -= n;
            }
        }
    }
}
