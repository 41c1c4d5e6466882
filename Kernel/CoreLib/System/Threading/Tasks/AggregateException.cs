using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace System
{
    // What a faulted Task reports: every exception that faulted it, in the order they were recorded.
    public class AggregateException : Exception
    {
        private const string DefaultMessage = "One or more errors occurred.";
        private readonly ReadOnlyCollection<Exception> _inner;
        private readonly string _baseMessage;

        public AggregateException() : this(DefaultMessage, Array.Empty<Exception>()) { }

        public AggregateException(params Exception[] innerExceptions) : this(DefaultMessage, innerExceptions) { }

        public AggregateException(IEnumerable<Exception> innerExceptions) : this(DefaultMessage, new List<Exception>(innerExceptions).ToArray()) { }

        public AggregateException(string? message, params Exception[] innerExceptions)
            : base(message, innerExceptions is not null && innerExceptions.Length > 0 ? innerExceptions[0] : null)
        {
            if (innerExceptions is null) throw new ArgumentNullException(nameof(innerExceptions));
            var copy = new Exception[innerExceptions.Length];
            for (int i = 0; i < copy.Length; i++)
                copy[i] = innerExceptions[i] ?? throw new ArgumentException("An element of innerExceptions was null.", nameof(innerExceptions));
            _inner = new ReadOnlyCollection<Exception>(copy);
            _baseMessage = message ?? DefaultMessage;
        }

        public ReadOnlyCollection<Exception> InnerExceptions => _inner;

        // As .NET: the base message followed by each inner message in parentheses.
        public override string Message
        {
            get
            {
                if (_inner.Count == 0) return _baseMessage;
                var sb = new Text.StringBuilder(_baseMessage);
                for (int i = 0; i < _inner.Count; i++)
                    sb.Append(" (").Append(_inner[i].Message).Append(')');
                return sb.ToString();
            }
        }

        public override string TypeName => "System.AggregateException";

        // Breadth first, as .NET: this level's plain exceptions, then those of nested aggregates.
        public AggregateException Flatten()
        {
            var flat = new List<Exception>();
            var pending = new List<AggregateException> { this };
            for (int i = 0; i < pending.Count; i++)
            {
                foreach (Exception e in pending[i]._inner)
                {
                    if (e is AggregateException nested) pending.Add(nested);
                    else flat.Add(e);
                }
            }
            return new AggregateException(_baseMessage, flat.ToArray());
        }
    }
}
