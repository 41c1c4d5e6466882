namespace System.Threading
{
    // Disposing unregisters the callback (if it has not run yet).
    public readonly struct CancellationTokenRegistration : IDisposable, IEquatable<CancellationTokenRegistration>
    {
        private readonly CancellationTokenSource? _source;
        private readonly long _id;

        internal CancellationTokenRegistration(CancellationTokenSource source, long id)
        {
            _source = source;
            _id = id;
        }

        public CancellationToken Token => _source is null ? default : _source.Token;

        public void Dispose() => _source?.Unregister(_id);

        public bool Unregister() => _source is not null && _source.Unregister(_id);

        public bool Equals(CancellationTokenRegistration other) => ReferenceEquals(_source, other._source) && _id == other._id;

        public override bool Equals(object? obj) => obj is CancellationTokenRegistration other && Equals(other);

        public override int GetHashCode() => _id.GetHashCode();

        public static bool operator ==(CancellationTokenRegistration left, CancellationTokenRegistration right) => left.Equals(right);

        public static bool operator !=(CancellationTokenRegistration left, CancellationTokenRegistration right) => !left.Equals(right);
    }
}
