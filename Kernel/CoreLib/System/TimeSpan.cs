namespace System
{
    // A time interval in 100 ns ticks, as on .NET. Only the constant ("c") format is printed, which
    // needs no culture or floating-point formatting.
    public readonly struct TimeSpan : IEquatable<TimeSpan>, IComparable<TimeSpan>
    {
        public const long TicksPerMicrosecond = 10;
        public const long TicksPerMillisecond = 10_000;
        public const long TicksPerSecond = 10_000_000;
        public const long TicksPerMinute = 600_000_000;
        public const long TicksPerHour = 36_000_000_000;
        public const long TicksPerDay = 864_000_000_000;
        public const long NanosecondsPerTick = 100;

        public static readonly TimeSpan Zero = new TimeSpan(0);
        public static readonly TimeSpan MaxValue = new TimeSpan(long.MaxValue);
        public static readonly TimeSpan MinValue = new TimeSpan(long.MinValue);

        private readonly long _ticks;

        public TimeSpan(long ticks) { _ticks = ticks; }

        public TimeSpan(int hours, int minutes, int seconds) : this(0, hours, minutes, seconds, 0) { }

        public TimeSpan(int days, int hours, int minutes, int seconds) : this(days, hours, minutes, seconds, 0) { }

        public TimeSpan(int days, int hours, int minutes, int seconds, int milliseconds)
        {
            long ms = ((long)days * 3600 * 24 + (long)hours * 3600 + (long)minutes * 60 + seconds) * 1000 + milliseconds;
            if (ms > long.MaxValue / TicksPerMillisecond || ms < long.MinValue / TicksPerMillisecond)
                throw new ArgumentOutOfRangeException(null, "TimeSpan overflowed because the duration is too long.");
            _ticks = ms * TicksPerMillisecond;
        }

        public long Ticks => _ticks;
        public int Days => (int)(_ticks / TicksPerDay);
        public int Hours => (int)(_ticks / TicksPerHour % 24);
        public int Minutes => (int)(_ticks / TicksPerMinute % 60);
        public int Seconds => (int)(_ticks / TicksPerSecond % 60);
        public int Milliseconds => (int)(_ticks / TicksPerMillisecond % 1000);
        public int Microseconds => (int)(_ticks / TicksPerMicrosecond % 1000);
        public double TotalDays => (double)_ticks / TicksPerDay;
        public double TotalHours => (double)_ticks / TicksPerHour;
        public double TotalMinutes => (double)_ticks / TicksPerMinute;
        public double TotalSeconds => (double)_ticks / TicksPerSecond;
        public double TotalMilliseconds => (double)_ticks / TicksPerMillisecond;
        public double TotalMicroseconds => (double)_ticks / TicksPerMicrosecond;
        public double TotalNanoseconds => (double)_ticks * NanosecondsPerTick;

        public static TimeSpan FromTicks(long value) => new TimeSpan(value);
        public static TimeSpan FromDays(int days) => FromUnits(days, TicksPerDay);
        public static TimeSpan FromHours(int hours) => FromUnits(hours, TicksPerHour);
        public static TimeSpan FromMinutes(long minutes) => FromUnits(minutes, TicksPerMinute);
        public static TimeSpan FromSeconds(long seconds) => FromUnits(seconds, TicksPerSecond);
        public static TimeSpan FromMilliseconds(long milliseconds, long microseconds = 0)
            => FromUnits(milliseconds, TicksPerMillisecond) + FromUnits(microseconds, TicksPerMicrosecond);
        public static TimeSpan FromMicroseconds(long microseconds) => FromUnits(microseconds, TicksPerMicrosecond);
        public static TimeSpan FromDays(double value) => FromDouble(value, TicksPerDay);
        public static TimeSpan FromHours(double value) => FromDouble(value, TicksPerHour);
        public static TimeSpan FromMinutes(double value) => FromDouble(value, TicksPerMinute);
        public static TimeSpan FromSeconds(double value) => FromDouble(value, TicksPerSecond);
        public static TimeSpan FromMilliseconds(double value) => FromDouble(value, TicksPerMillisecond);

        private static TimeSpan FromUnits(long value, long ticksPerUnit)
        {
            if (value > long.MaxValue / ticksPerUnit || value < long.MinValue / ticksPerUnit)
                throw new ArgumentOutOfRangeException(nameof(value), "TimeSpan overflowed because the duration is too long.");
            return new TimeSpan(value * ticksPerUnit);
        }

        private static TimeSpan FromDouble(double value, long ticksPerUnit)
        {
            if (double.IsNaN(value)) throw new ArgumentException("TimeSpan does not accept floating point Not-a-Number values.");
            double ticks = value * ticksPerUnit;
            if (ticks > long.MaxValue || ticks < long.MinValue) throw new OverflowException("TimeSpan overflowed because the duration is too long.");
            return new TimeSpan((long)ticks);
        }

        public TimeSpan Add(TimeSpan ts) => this + ts;
        public TimeSpan Subtract(TimeSpan ts) => this - ts;
        public TimeSpan Negate() => -this;

        public TimeSpan Duration()
        {
            if (_ticks == long.MinValue) throw new OverflowException("The duration cannot be returned for TimeSpan.MinValue because the absolute value of TimeSpan.MinValue exceeds the value of TimeSpan.MaxValue.");
            return new TimeSpan(_ticks >= 0 ? _ticks : -_ticks);
        }

        public static TimeSpan operator +(TimeSpan t1, TimeSpan t2)
        {
            long result = t1._ticks + t2._ticks;
            if ((t1._ticks >> 63 == t2._ticks >> 63) && (t1._ticks >> 63 != result >> 63))
                throw new OverflowException("TimeSpan overflowed because the duration is too long.");
            return new TimeSpan(result);
        }

        public static TimeSpan operator -(TimeSpan t1, TimeSpan t2)
        {
            long result = t1._ticks - t2._ticks;
            if ((t1._ticks >> 63 != t2._ticks >> 63) && (t1._ticks >> 63 != result >> 63))
                throw new OverflowException("TimeSpan overflowed because the duration is too long.");
            return new TimeSpan(result);
        }

        public static TimeSpan operator -(TimeSpan t)
        {
            if (t._ticks == long.MinValue) throw new OverflowException("Negating the minimum value of a twos complement number is invalid.");
            return new TimeSpan(-t._ticks);
        }

        public static TimeSpan operator *(TimeSpan timeSpan, long factor) => new TimeSpan(timeSpan._ticks * factor);
        public static TimeSpan operator /(TimeSpan timeSpan, long divisor) => new TimeSpan(timeSpan._ticks / divisor);
        public static bool operator ==(TimeSpan t1, TimeSpan t2) => t1._ticks == t2._ticks;
        public static bool operator !=(TimeSpan t1, TimeSpan t2) => t1._ticks != t2._ticks;
        public static bool operator <(TimeSpan t1, TimeSpan t2) => t1._ticks < t2._ticks;
        public static bool operator <=(TimeSpan t1, TimeSpan t2) => t1._ticks <= t2._ticks;
        public static bool operator >(TimeSpan t1, TimeSpan t2) => t1._ticks > t2._ticks;
        public static bool operator >=(TimeSpan t1, TimeSpan t2) => t1._ticks >= t2._ticks;

        public int CompareTo(TimeSpan value) => _ticks.CompareTo(value._ticks);
        public bool Equals(TimeSpan obj) => _ticks == obj._ticks;
        public override bool Equals(object? value) => value is TimeSpan t && t._ticks == _ticks;
        public override int GetHashCode() => _ticks.GetHashCode();

        // [-][d.]hh:mm:ss[.fffffff]
        public override string ToString()
        {
            var sb = new Text.StringBuilder(26);
            ulong ticks = _ticks < 0 ? (ulong)(-(_ticks + 1)) + 1 : (ulong)_ticks;
            if (_ticks < 0) sb.Append('-');
            ulong days = ticks / TicksPerDay;
            ulong rest = ticks % TicksPerDay;
            if (days != 0) sb.Append(days).Append('.');
            sb.Append((rest / TicksPerHour).ToString("D2")).Append(':')
              .Append((rest / TicksPerMinute % 60).ToString("D2")).Append(':')
              .Append((rest / TicksPerSecond % 60).ToString("D2"));
            ulong fraction = rest % TicksPerSecond;
            if (fraction != 0) sb.Append('.').Append(fraction.ToString("D7"));
            return sb.ToString();
        }
    }
}

namespace System.Diagnostics
{
    // Nanosecond timestamps from the kernel's calibrated clock; Frequency is 10^9 as on Linux .NET.
    public sealed class Stopwatch
    {
        public static readonly long Frequency = 1_000_000_000;
        public static readonly bool IsHighResolution = true;

        private long _elapsed;
        private long _startedAt;
        private bool _running;

        public static long GetTimestamp() => Kernel.Runtime.Clock.Nanoseconds;

        public static TimeSpan GetElapsedTime(long startingTimestamp) => GetElapsedTime(startingTimestamp, GetTimestamp());

        public static TimeSpan GetElapsedTime(long startingTimestamp, long endingTimestamp)
            => new TimeSpan((endingTimestamp - startingTimestamp) / TimeSpan.NanosecondsPerTick);

        public static Stopwatch StartNew()
        {
            var sw = new Stopwatch();
            sw.Start();
            return sw;
        }

        public bool IsRunning => _running;

        public long ElapsedTicks => _running ? _elapsed + GetTimestamp() - _startedAt : _elapsed;

        public long ElapsedMilliseconds => ElapsedTicks / 1_000_000;

        public TimeSpan Elapsed => new TimeSpan(ElapsedTicks / TimeSpan.NanosecondsPerTick);

        public void Start()
        {
            if (_running) return;
            _startedAt = GetTimestamp();
            _running = true;
        }

        public void Stop()
        {
            if (!_running) return;
            _elapsed += GetTimestamp() - _startedAt;
            _running = false;
        }

        public void Reset()
        {
            _elapsed = 0;
            _running = false;
        }

        public void Restart()
        {
            _elapsed = 0;
            _startedAt = GetTimestamp();
            _running = true;
        }
    }
}
