namespace System.Threading
{
    // A view of a CancellationTokenSource; default (None) can never be canceled.
    public readonly struct CancellationToken : IEquatable<CancellationToken>
    {
        private readonly CancellationTokenSource? _source;

        internal CancellationToken(CancellationTokenSource? source) { _source = source; }

        public CancellationToken(bool canceled) : this(canceled ? CancellationTokenSource.CanceledSource : null) { }

        public static CancellationToken None => default;

        public bool IsCancellationRequested => _source is not null && _source.IsCancellationRequested;

        public bool CanBeCanceled => _source is not null;

        public CancellationTokenRegistration Register(Action callback)
        {
            if (callback is null) throw new ArgumentNullException(nameof(callback));
            return _source is null ? default : _source.Register(callback);
        }

        public CancellationTokenRegistration Register(Action<object?> callback, object? state)
        {
            if (callback is null) throw new ArgumentNullException(nameof(callback));
            return _source is null ? default : _source.Register(() => callback(state));
        }

        public CancellationTokenRegistration UnsafeRegister(Action<object?> callback, object? state) => Register(callback, state);

        public void ThrowIfCancellationRequested()
        {
            if (IsCancellationRequested) throw new OperationCanceledException("The operation was canceled.", this);
        }

        public bool Equals(CancellationToken other) => ReferenceEquals(_source, other._source);

        public override bool Equals(object? other) => other is CancellationToken token && Equals(token);

        public override int GetHashCode() => _source is null ? 0 : _source.GetHashCode();

        public static bool operator ==(CancellationToken left, CancellationToken right) => left.Equals(right);

        public static bool operator !=(CancellationToken left, CancellationToken right) => !left.Equals(right);
    }
}
