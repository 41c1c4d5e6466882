namespace System
{
    // Exceptions are types programs can name and throw; until the unwinder exists a throw ends
    // the VM with a panic naming the type and message (Runtime/ExceptionHandling.cs).
    public class Exception
    {
        private readonly string? _message;

        public Exception() { }

        public Exception(string? message) { _message = message; }

        public Exception(string? message, Exception? innerException) { _message = message; InnerException = innerException; }

        public virtual string Message => _message ?? "Exception of type was thrown.";

        public Exception? InnerException { get; }

        public virtual string TypeName => "System.Exception";
    }

    public class SystemException : Exception
    {
        public SystemException() { }
        public SystemException(string? message) : base(message) { }
        public override string TypeName => "System.SystemException";
    }

    public class ArgumentException : SystemException
    {
        public ArgumentException() { }
        public ArgumentException(string? message) : base(message) { }
        public ArgumentException(string? message, string? paramName) : base(message) { ParamName = paramName; }
        public string? ParamName { get; }
        public override string TypeName => "System.ArgumentException";
    }

    public class ArgumentNullException : ArgumentException
    {
        public ArgumentNullException() { }
        public ArgumentNullException(string? paramName) : base("Value cannot be null.", paramName) { }
        public override string TypeName => "System.ArgumentNullException";
    }

    public class ArgumentOutOfRangeException : ArgumentException
    {
        public ArgumentOutOfRangeException() { }
        public ArgumentOutOfRangeException(string? paramName) : base("Specified argument was out of the range of valid values.", paramName) { }
        public ArgumentOutOfRangeException(string? paramName, string? message) : base(message, paramName) { }
        public override string TypeName => "System.ArgumentOutOfRangeException";
    }

    public class InvalidOperationException : SystemException
    {
        public InvalidOperationException() { }
        public InvalidOperationException(string? message) : base(message) { }
        public override string TypeName => "System.InvalidOperationException";
    }

    public class NotSupportedException : SystemException
    {
        public NotSupportedException() { }
        public NotSupportedException(string? message) : base(message) { }
        public override string TypeName => "System.NotSupportedException";
    }

    public class NotImplementedException : SystemException
    {
        public NotImplementedException() { }
        public NotImplementedException(string? message) : base(message) { }
        public override string TypeName => "System.NotImplementedException";
    }

    public class PlatformNotSupportedException : NotSupportedException
    {
        public PlatformNotSupportedException() { }
        public override string TypeName => "System.PlatformNotSupportedException";
    }

    public class NullReferenceException : SystemException
    {
        public NullReferenceException() : base("Object reference not set to an instance of an object.") { }
        public override string TypeName => "System.NullReferenceException";
    }

    public class IndexOutOfRangeException : SystemException
    {
        public IndexOutOfRangeException() : base("Index was outside the bounds of the array.") { }
        public override string TypeName => "System.IndexOutOfRangeException";
    }

    public class InvalidCastException : SystemException
    {
        public InvalidCastException() : base("Specified cast is not valid.") { }
        public override string TypeName => "System.InvalidCastException";
    }

    public class DivideByZeroException : SystemException
    {
        public DivideByZeroException() : base("Attempted to divide by zero.") { }
        public override string TypeName => "System.DivideByZeroException";
    }

    public class OverflowException : SystemException
    {
        public OverflowException() : base("Arithmetic operation resulted in an overflow.") { }
        public override string TypeName => "System.OverflowException";
    }

    public class OutOfMemoryException : SystemException
    {
        public OutOfMemoryException() : base("Insufficient memory.") { }
        public override string TypeName => "System.OutOfMemoryException";
    }
}
