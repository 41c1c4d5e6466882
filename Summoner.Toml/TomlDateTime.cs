using System.Globalization;
using System.Text;

namespace Summoner.Toml;

/// <summary>
/// One of TOML's four date/time kinds. Parts absent from the kind are null: a local date has no
/// time, a local time no date, only an offset date-time has an offset. Fractions beyond 100 ns
/// are truncated, which TOML allows (it requires millisecond precision).
/// </summary>
public sealed class TomlDateTime : TomlNode
{
    public TomlDateTime(TomlKind kind, DateOnly? date, TimeOnly? time, TimeSpan? offset, TomlPosition position) : base(position)
    {
        if (kind is not (TomlKind.OffsetDateTime or TomlKind.LocalDateTime or TomlKind.LocalDate or TomlKind.LocalTime))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a date/time kind");
        Kind = kind;
        Date = date;
        Time = time;
        Offset = offset;
    }

    public override TomlKind Kind { get; }

    public DateOnly? Date { get; }

    public TimeOnly? Time { get; }

    public TimeSpan? Offset { get; }

    /// <summary>
    /// The offset date-time as a <see cref="DateTimeOffset"/>; only for <see cref="TomlKind.OffsetDateTime"/>.
    /// .NET limits offsets to ±14:00, so a (valid TOML) +23:00 throws here; <see cref="Offset"/> always holds it.
    /// </summary>
    public DateTimeOffset ToDateTimeOffset() =>
        Kind == TomlKind.OffsetDateTime
            ? new DateTimeOffset(Date!.Value.ToDateTime(Time!.Value), Offset!.Value)
            : throw new InvalidOperationException($"{Describe()} has no offset");

    /// <summary>RFC 3339 text (Z for a zero offset), the form toml-test's expected files use.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Date is { } d) sb.Append(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (Date is not null && Time is not null) sb.Append('T');
        if (Time is { } t)
        {
            sb.Append(t.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
            long fraction = t.Ticks % TimeSpan.TicksPerSecond;
            if (fraction != 0) sb.Append('.').Append(fraction.ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0'));
        }
        if (Offset is { } o)
        {
            if (o == TimeSpan.Zero) sb.Append('Z');
            else sb.Append(o < TimeSpan.Zero ? '-' : '+').Append(o.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
