namespace System
{
    // Exceptions are types programs can throw and catch (Kernel/Runtime/Exceptions). An unhandled
    // one ends the VM with a panic that prints TypeName and Message: there is no reflection, so
    // every exception type names itself by overriding TypeName.
    public class Exception
    {
        private readonly string? _message;

        public Exception() { }

        public Exception(string? message) { _message = message; }

        public Exception(string? message, Exception? innerException)
        {
            _message = message;
            InnerException = innerException;
        }

        public virtual string Message => _message ?? "Exception of type '" + TypeName + "' was thrown.";

        public Exception? InnerException { get; }

        public virtual string TypeName => "System.Exception";

        public override string ToString() => TypeName + ": " + Message;
    }

    public class SystemException : Exception
    {
        public SystemException() : base("System error.") { }
        public SystemException(string? message) : base(message) { }
        public SystemException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.SystemException";
    }

    public class ArithmeticException : SystemException
    {
        public ArithmeticException() : base("Overflow or underflow in the arithmetic operation.") { }
        public ArithmeticException(string? message) : base(message) { }
        public ArithmeticException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.ArithmeticException";
    }

    public class DivideByZeroException : ArithmeticException
    {
        public DivideByZeroException() : base("Attempted to divide by zero.") { }
        public DivideByZeroException(string? message) : base(message) { }
        public DivideByZeroException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.DivideByZeroException";
    }

    public class OverflowException : ArithmeticException
    {
        public OverflowException() : base("Arithmetic operation resulted in an overflow.") { }
        public OverflowException(string? message) : base(message) { }
        public OverflowException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.OverflowException";
    }

    public class InvalidOperationException : SystemException
    {
        public InvalidOperationException() : base("Operation is not valid due to the current state of the object.") { }
        public InvalidOperationException(string? message) : base(message) { }
        public InvalidOperationException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.InvalidOperationException";
    }

    public class NotSupportedException : SystemException
    {
        public NotSupportedException() : base("Specified method is not supported.") { }
        public NotSupportedException(string? message) : base(message) { }
        public NotSupportedException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.NotSupportedException";
    }

    public class PlatformNotSupportedException : NotSupportedException
    {
        public PlatformNotSupportedException() : base("Operation is not supported on this platform.") { }
        public PlatformNotSupportedException(string? message) : base(message) { }
        public PlatformNotSupportedException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.PlatformNotSupportedException";
    }

    public class NotImplementedException : SystemException
    {
        public NotImplementedException() : base("The method or operation is not implemented.") { }
        public NotImplementedException(string? message) : base(message) { }
        public NotImplementedException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.NotImplementedException";
    }

    public class NullReferenceException : SystemException
    {
        public NullReferenceException() : base("Object reference not set to an instance of an object.") { }
        public NullReferenceException(string? message) : base(message) { }
        public NullReferenceException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.NullReferenceException";
    }

    public class IndexOutOfRangeException : SystemException
    {
        public IndexOutOfRangeException() : base("Index was outside the bounds of the array.") { }
        public IndexOutOfRangeException(string? message) : base(message) { }
        public IndexOutOfRangeException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.IndexOutOfRangeException";
    }

    public class InvalidCastException : SystemException
    {
        public InvalidCastException() : base("Specified cast is not valid.") { }
        public InvalidCastException(string? message) : base(message) { }
        public InvalidCastException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.InvalidCastException";
    }

    public class OutOfMemoryException : SystemException
    {
        public OutOfMemoryException() : base("Insufficient memory to continue the execution of the program.") { }
        public OutOfMemoryException(string? message) : base(message) { }
        public OutOfMemoryException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.OutOfMemoryException";
    }

    public class FormatException : SystemException
    {
        public FormatException() : base("One of the identified items was in an invalid format.") { }
        public FormatException(string? message) : base(message) { }
        public FormatException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.FormatException";
    }

    public class ArrayTypeMismatchException : SystemException
    {
        public ArrayTypeMismatchException() : base("Attempted to access an element as a type incompatible with the array.") { }
        public ArrayTypeMismatchException(string? message) : base(message) { }
        public ArrayTypeMismatchException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.ArrayTypeMismatchException";
    }

    public class TimeoutException : SystemException
    {
        public TimeoutException() : base("The operation has timed out.") { }
        public TimeoutException(string? message) : base(message) { }
        public TimeoutException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.TimeoutException";
    }

    public class StackOverflowException : SystemException
    {
        public StackOverflowException() : base("Operation caused a stack overflow.") { }
        public StackOverflowException(string? message) : base(message) { }
        public StackOverflowException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.StackOverflowException";
    }

    public class RankException : SystemException
    {
        public RankException() : base("Attempted to operate on an array with the incorrect number of dimensions.") { }
        public RankException(string? message) : base(message) { }
        public RankException(string? message, Exception? innerException) : base(message, innerException) { }
        public override string TypeName => "System.RankException";
    }

    public class ArgumentException : SystemException
    {
        private readonly string? _paramName;

        public ArgumentException() : base("Value does not fall within the expected range.") { }
        public ArgumentException(string? message) : base(message) { }
        public ArgumentException(string? message, Exception? innerException) : base(message, innerException) { }
        public ArgumentException(string? message, string? paramName) : base(message) { _paramName = paramName; }
        public ArgumentException(string? message, string? paramName, Exception? innerException) : base(message, innerException) { _paramName = paramName; }

        public virtual string? ParamName => _paramName;

        public override string Message
            => string.IsNullOrEmpty(_paramName) ? base.Message : base.Message + " (Parameter '" + _paramName + "')";

        public override string TypeName => "System.ArgumentException";

        public static void ThrowIfNullOrEmpty([Diagnostics.CodeAnalysis.NotNull] string? argument, [Runtime.CompilerServices.CallerArgumentExpression(nameof(argument))] string? paramName = null)
        {
            if (argument is null) throw new ArgumentNullException(paramName);
            if (argument.Length == 0) throw new ArgumentException("The value cannot be an empty string.", paramName);
        }
    }

    public class ArgumentNullException : ArgumentException
    {
        public ArgumentNullException() : base("Value cannot be null.") { }
        public ArgumentNullException(string? paramName) : base("Value cannot be null.", paramName) { }
        public ArgumentNullException(string? paramName, string? message) : base(message, paramName) { }
        public override string TypeName => "System.ArgumentNullException";

        public static void ThrowIfNull([Diagnostics.CodeAnalysis.NotNull] object? argument, [Runtime.CompilerServices.CallerArgumentExpression(nameof(argument))] string? paramName = null)
        {
            if (argument is null) throw new ArgumentNullException(paramName);
        }
    }

    public class ArgumentOutOfRangeException : ArgumentException
    {
        public ArgumentOutOfRangeException() : base("Specified argument was out of the range of valid values.") { }
        public ArgumentOutOfRangeException(string? paramName) : base("Specified argument was out of the range of valid values.", paramName) { }
        public ArgumentOutOfRangeException(string? paramName, string? message) : base(message, paramName) { }
        public override string TypeName => "System.ArgumentOutOfRangeException";

        public static void ThrowIfNegative(int value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value < 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be a non-negative value.");
        }

        public static void ThrowIfNegativeOrZero(int value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value <= 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be a non-negative and non-zero value.");
        }

        public static void ThrowIfNegative(long value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value < 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be a non-negative value.");
        }

        public static void ThrowIfNegativeOrZero(long value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value <= 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be a non-negative and non-zero value.");
        }

        public static void ThrowIfNegative(nint value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value < 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be a non-negative value.");
        }

        public static void ThrowIfNegativeOrZero(nint value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value <= 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be a non-negative and non-zero value.");
        }

        public static void ThrowIfZero(int value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value == 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('0') must be a non-zero value.");
        }

        public static void ThrowIfGreaterThan(int value, int other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value > other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfGreaterThanOrEqual(int value, int other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value >= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThan(int value, int other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value < other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThanOrEqual(int value, int other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value <= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than '" + other.ToString() + "'.");
        }

        public static void ThrowIfZero(long value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value == 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('0') must be a non-zero value.");
        }

        public static void ThrowIfGreaterThan(long value, long other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value > other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfGreaterThanOrEqual(long value, long other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value >= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThan(long value, long other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value < other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThanOrEqual(long value, long other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value <= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than '" + other.ToString() + "'.");
        }

        public static void ThrowIfZero(nint value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value == 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('0') must be a non-zero value.");
        }

        public static void ThrowIfGreaterThan(nint value, nint other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value > other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfGreaterThanOrEqual(nint value, nint other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value >= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThan(nint value, nint other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value < other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThanOrEqual(nint value, nint other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value <= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than '" + other.ToString() + "'.");
        }

        public static void ThrowIfZero(uint value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value == 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('0') must be a non-zero value.");
        }

        public static void ThrowIfGreaterThan(uint value, uint other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value > other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfGreaterThanOrEqual(uint value, uint other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value >= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThan(uint value, uint other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value < other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThanOrEqual(uint value, uint other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value <= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than '" + other.ToString() + "'.");
        }

        public static void ThrowIfZero(ulong value, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value == 0) throw new ArgumentOutOfRangeException(paramName, paramName + " ('0') must be a non-zero value.");
        }

        public static void ThrowIfGreaterThan(ulong value, ulong other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value > other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfGreaterThanOrEqual(ulong value, ulong other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value >= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be less than '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThan(ulong value, ulong other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value < other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than or equal to '" + other.ToString() + "'.");
        }

        public static void ThrowIfLessThanOrEqual(ulong value, ulong other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null)
        {
            if (value <= other) throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value.ToString() + "') must be greater than '" + other.ToString() + "'.");
        }

        public static void ThrowIfEqual<T>(T value, T other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null) where T : IEquatable<T>?
        {
            if (Collections.Generic.EqualityComparer<T>.Default.Equals(value, other))
                throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value?.ToString() + "') must not be equal to '" + other?.ToString() + "'.");
        }

        public static void ThrowIfNotEqual<T>(T value, T other, [Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? paramName = null) where T : IEquatable<T>?
        {
            if (!Collections.Generic.EqualityComparer<T>.Default.Equals(value, other))
                throw new ArgumentOutOfRangeException(paramName, paramName + " ('" + value?.ToString() + "') must be equal to '" + other?.ToString() + "'.");
        }
    }

    public class ObjectDisposedException : InvalidOperationException
    {
        public ObjectDisposedException(string? objectName) : base("Cannot access a disposed object.") { ObjectName = objectName ?? ""; }
        public ObjectDisposedException(string? objectName, string? message) : base(message) { ObjectName = objectName ?? ""; }
        public string ObjectName { get; }
        public override string Message => ObjectName.Length == 0 ? base.Message : base.Message + "\nObject name: '" + ObjectName + "'.";
        public override string TypeName => "System.ObjectDisposedException";

        public static void ThrowIf([Diagnostics.CodeAnalysis.DoesNotReturnIf(true)] bool condition, object instance)
        {
            if (condition) throw new ObjectDisposedException(instance?.ToString());
        }
    }
}

namespace System.Threading
{
    public class SynchronizationLockException : SystemException
    {
        public SynchronizationLockException() : base("Object synchronization method was called from an unsynchronized block of code.") { }
        public SynchronizationLockException(string? message) : base(message) { }
        public override string TypeName => "System.Threading.SynchronizationLockException";
    }
}
