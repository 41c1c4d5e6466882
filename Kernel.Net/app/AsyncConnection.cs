using System;

namespace Kernel.Net.App
{
    /// <summary>
    /// One TCP connection in async style, over the callbacks of any <see cref="IServiceHost"/>:
    /// a read or write that would block returns a pending <see cref="LoopOperation{T}"/>, which
    /// the host's readiness callbacks complete on its event loop (the app resumes right there).
    /// Failures are results, not exceptions (a peer going away is ordinary, and a result costs
    /// no unwinding): ReadAsync gives 0 at end of stream or when the connection is gone,
    /// WriteAsync gives false when it is gone.
    /// One read and one write may be pending at a time; awaiting them allocates nothing.
    /// </summary>
    public sealed class AsyncConnection : IConnectionHandler
    {
        private readonly IConnection _connection;
        private readonly LoopCompletion<int> _read = new LoopCompletion<int>();
        private readonly LoopCompletion<bool> _write = new LoopCompletion<bool>();
        private Memory<byte> _readBuffer;
        private ReadOnlyMemory<byte> _writeRemaining;
        private bool _gone;

        public AsyncConnection(IConnection connection)
        {
            _connection = connection ?? throw new ArgumentNullException(nameof(connection));
        }

        /// <summary>True once the connection was closed by either side or reset.</summary>
        public bool IsClosed => _gone;

        /// <summary>Bytes read (&gt;0) once some arrive; 0 at end of stream or when the connection is gone.</summary>
        public LoopOperation<int> ReadAsync(Memory<byte> buffer)
        {
            if (_read.IsPending) throw new InvalidOperationException("a read is already pending on this connection: await it first");
            if (buffer.Length == 0 || _gone) return new LoopOperation<int>(0);
            int n = _connection.Read(buffer.Span);
            if (n != 0) return new LoopOperation<int>(n < 0 ? 0 : n);
            _readBuffer = buffer;
            return _read.Begin();
        }

        /// <summary>Reads only what already arrived, never waiting: bytes read, or 0 if none (or at end of stream).</summary>
        public int TryRead(Span<byte> buffer)
        {
            if (_read.IsPending) throw new InvalidOperationException("a read is already pending on this connection: await it first");
            if (_gone) return 0;
            int n = _connection.Read(buffer);
            return n < 0 ? 0 : n;
        }

        /// <summary>Completes once every byte was accepted by the send buffer (true), or the connection is gone (false).</summary>
        public LoopOperation<bool> WriteAsync(ReadOnlyMemory<byte> data)
        {
            if (_write.IsPending) throw new InvalidOperationException("a write is already pending on this connection: await it first");
            if (_gone) return new LoopOperation<bool>(false);
            int n = _connection.Write(data.Span);
            if (n < 0) return new LoopOperation<bool>(false);
            if (n == data.Length) return new LoopOperation<bool>(true);
            _writeRemaining = data.Slice(n);
            return _write.Begin();
        }

        /// <summary>Orderly close after queued data; a pending read completes with 0, a pending write with false.</summary>
        public void Close()
        {
            if (_gone) return;
            _gone = true;
            _connection.Close();
            FailPending();
        }

        /// <summary>Drops the connection with a reset.</summary>
        public void Abort()
        {
            if (_gone) return;
            _gone = true;
            _connection.Abort();
            FailPending();
        }

        void IConnectionHandler.OnReadable(IConnection connection) => OnReadable();

        void IConnectionHandler.OnWritable(IConnection connection) => OnWritable();

        /// <summary>The stack's host calls these directly (<see cref="StackServiceHost"/>): no interface call per event.</summary>
        internal void OnReadable()
        {
            if (!_read.IsPending) return; // the next ReadAsync finds the data
            int n = _connection.Read(_readBuffer.Span);
            if (n == 0) return;
            _readBuffer = default;
            _read.Complete(n < 0 ? 0 : n);
        }

        internal void OnWritable()
        {
            if (!_write.IsPending) return;
            int n = _connection.Write(_writeRemaining.Span);
            if (n >= 0)
            {
                _writeRemaining = _writeRemaining.Slice(n);
                if (_writeRemaining.Length > 0) return;
            }
            _writeRemaining = default;
            _write.Complete(n >= 0);
        }

        void IConnectionHandler.OnClosed(IConnection connection)
        {
            _gone = true;
            FailPending();
        }

        private void FailPending()
        {
            _readBuffer = default;
            _writeRemaining = default;
            if (_read.IsPending) _read.Complete(0);
            if (_write.IsPending) _write.Complete(false);
        }
    }
}
