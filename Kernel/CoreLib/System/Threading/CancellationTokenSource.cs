using System.Collections.Generic;
using Kernel.Runtime;

namespace System.Threading
{
    // One thread: Cancel runs the registered callbacks at once, newest first (as .NET does), and
    // timeouts are kernel timers (Kernel.Runtime.Timers) that fire from the event loop.
    public class CancellationTokenSource : IDisposable
    {
        internal static readonly CancellationTokenSource CanceledSource = CreateCanceled();

        private List<Registration>? _registrations;
        private long _nextId = 1;
        private bool _canceled;
        private bool _disposed;
        private int _timerId;
        private CancellationTokenRegistration[]? _links;

        private struct Registration
        {
            public long Id;
            public Action Callback;
        }

        public CancellationTokenSource() { }

        public CancellationTokenSource(int millisecondsDelay)
        {
            if (millisecondsDelay < -1) throw new ArgumentOutOfRangeException(nameof(millisecondsDelay));
            CancelAfter(millisecondsDelay);
        }

        public CancellationTokenSource(TimeSpan delay) : this(ToMilliseconds(delay, nameof(delay))) { }

        public bool IsCancellationRequested => _canceled;

        public CancellationToken Token
        {
            get
            {
                ThrowIfDisposed();
                return new CancellationToken(this);
            }
        }

        public void Cancel()
        {
            ThrowIfDisposed();
            if (_canceled) return;
            _canceled = true;
            StopTimer();
            List<Registration>? registrations = _registrations;
            _registrations = null;
            if (registrations is null) return;
            for (int i = registrations.Count - 1; i >= 0; i--)
                registrations[i].Callback();
        }

        public void Cancel(bool throwOnFirstException) => Cancel();

        public void CancelAfter(int millisecondsDelay)
        {
            ThrowIfDisposed();
            if (millisecondsDelay < -1) throw new ArgumentOutOfRangeException(nameof(millisecondsDelay));
            if (_canceled) return;
            StopTimer();
            if (millisecondsDelay == Timeout.Infinite) return;
            _timerId = Timers.Schedule(millisecondsDelay * 1_000_000L, OnTimeout);
        }

        public void CancelAfter(TimeSpan delay) => CancelAfter(ToMilliseconds(delay, nameof(delay)));

        public bool TryReset()
        {
            ThrowIfDisposed();
            if (_canceled) return false;
            StopTimer();
            _registrations = null;
            return true;
        }

        public void Dispose()
        {
            if (_disposed) return;
            StopTimer();
            if (_links is not null)
                foreach (CancellationTokenRegistration link in _links) link.Dispose();
            _links = null;
            _disposed = true;
        }

        public static CancellationTokenSource CreateLinkedTokenSource(CancellationToken token) => CreateLinkedTokenSource([token]);

        public static CancellationTokenSource CreateLinkedTokenSource(CancellationToken token1, CancellationToken token2) => CreateLinkedTokenSource([token1, token2]);

        public static CancellationTokenSource CreateLinkedTokenSource(params CancellationToken[] tokens)
        {
            if (tokens is null) throw new ArgumentNullException(nameof(tokens));
            var linked = new CancellationTokenSource();
            var links = new CancellationTokenRegistration[tokens.Length];
            for (int i = 0; i < tokens.Length; i++)
            {
                if (tokens[i].IsCancellationRequested)
                {
                    linked.Cancel();
                    break;
                }
                links[i] = tokens[i].Register(linked.CancelFromLink);
            }
            linked._links = links;
            return linked;
        }

        internal CancellationTokenRegistration Register(Action callback)
        {
            if (_canceled)
            {
                callback();
                return default;
            }
            _registrations ??= new List<Registration>();
            long id = _nextId++;
            _registrations.Add(new Registration { Id = id, Callback = callback });
            return new CancellationTokenRegistration(this, id);
        }

        internal bool Unregister(long id)
        {
            List<Registration>? registrations = _registrations;
            if (registrations is null) return false;
            for (int i = 0; i < registrations.Count; i++)
            {
                if (registrations[i].Id != id) continue;
                registrations.RemoveAt(i);
                return true;
            }
            return false;
        }

        private void CancelFromLink()
        {
            if (!_disposed) Cancel();
        }

        private void OnTimeout()
        {
            _timerId = 0;
            if (!_disposed) Cancel();
        }

        private void StopTimer()
        {
            if (_timerId == 0) return;
            Timers.Cancel(_timerId);
            _timerId = 0;
        }

        private void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(null, "The CancellationTokenSource has been disposed.");
        }

        internal static int ToMilliseconds(TimeSpan delay, string paramName)
        {
            long ms = delay.Ticks / TimeSpan.TicksPerMillisecond;
            if (ms < -1 || ms > uint.MaxValue - 1) throw new ArgumentOutOfRangeException(paramName);
            return ms > int.MaxValue ? int.MaxValue : (int)ms;
        }

        private static CancellationTokenSource CreateCanceled()
        {
            var source = new CancellationTokenSource();
            source._canceled = true;
            return source;
        }
    }
}
