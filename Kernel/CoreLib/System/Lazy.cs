namespace System
{
    // One thread: the factory runs on first Value, once.
    public class Lazy<T>
    {
        private Func<T>? _factory;
        private T? _value;
        private bool _created;

        public Lazy(Func<T> valueFactory)
        {
            _factory = valueFactory ?? throw new ArgumentNullException(nameof(valueFactory));
        }

        public bool IsValueCreated => _created;

        public T Value
        {
            get
            {
                if (!_created)
                {
                    Func<T> factory = _factory ?? throw new InvalidOperationException("ValueFactory attempted to access the Value property of this instance.");
                    _factory = null;
                    _value = factory();
                    _created = true;
                }
                return _value!;
            }
        }

        public override string? ToString() => _created ? _value?.ToString() : "Value is not created.";
    }
}
