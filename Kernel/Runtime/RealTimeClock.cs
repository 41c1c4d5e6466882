namespace Kernel.Runtime
{
    /// <summary>
    /// The MC146818 CMOS clock (ports 0x70/0x71) QEMU emulates from the host's wall clock: the one
    /// device whose time keeps running while QEMU is paused (under TCG the TSC, and so
    /// <see cref="Clock"/>, stops with the guest). One-second resolution. QEMU's microvm has it by
    /// default under TCG and with <c>-machine rtc=on</c> under KVM, which Summoner passes.
    /// </summary>
    public static class RealTimeClock
    {
        private const ushort IndexPort = 0x70;
        private const ushort DataPort = 0x71;
        private const byte SecondsRegister = 0x00, MinutesRegister = 0x02, HoursRegister = 0x04;
        private const byte DayRegister = 0x07, MonthRegister = 0x08, YearRegister = 0x09;
        private const byte StatusA = 0x0A, StatusB = 0x0B, CenturyRegister = 0x32;
        private const byte UpdateInProgress = 0x80;
        private const byte BinaryMode = 0x04, Hours24 = 0x02, Pm = 0x80;

        /// <summary>Reads the date, waiting out an update in progress (QEMU: the last 244 us of each
        /// second); false when there is no clock (the ports read all ones) or it holds no valid date.</summary>
        public static bool TryReadUnixSeconds(out long unixSeconds)
        {
            unixSeconds = 0;
            byte mode = Read(StatusB);
            if (mode == 0xFF) return false;
            // Two identical reads in a row cannot straddle a second's update.
            long previous = -1;
            for (int attempt = 0; attempt < 5; attempt++)
            {
                if (!WaitForUpdateToEnd()) return false;
                long read = ReadOnce(mode);
                if (read < 0) return false;
                if (read == previous)
                {
                    unixSeconds = read;
                    return true;
                }
                previous = read;
            }
            return false;
        }

        /// <summary>Seconds past midnight (0-86399) from the hours, minutes and seconds registers
        /// alone: a cheap check of a date derived earlier (four register reads with the mode, where a
        /// full read takes eighteen or more); -1 if invalid.</summary>
        public static int ReadSecondsPastMidnight()
        {
            byte mode = Read(StatusB);
            if (mode == 0xFF) return -1;
            int hours = DecodeHour(Read(HoursRegister), mode);
            int minutes = Decode(Read(MinutesRegister), mode), seconds = Decode(Read(SecondsRegister), mode);
            return hours is >= 0 and < 24 && minutes is >= 0 and < 60 && seconds is >= 0 and < 60 ? hours * 3600 + minutes * 60 + seconds : -1;
        }

        private static bool WaitForUpdateToEnd()
        {
            long deadline = Clock.Nanoseconds + 10_000_000; // real chips hold it for up to 2 ms
            while ((Read(StatusA) & UpdateInProgress) != 0)
            {
                if (Clock.Nanoseconds > deadline) return false;
            }
            return true;
        }

        private static long ReadOnce(byte mode)
        {
            int second = Decode(Read(SecondsRegister), mode);
            int minute = Decode(Read(MinutesRegister), mode);
            int hour = DecodeHour(Read(HoursRegister), mode);
            int day = Decode(Read(DayRegister), mode);
            int month = Decode(Read(MonthRegister), mode);
            int year = Decode(Read(YearRegister), mode);
            int century = Decode(Read(CenturyRegister), mode);
            if (second is < 0 or > 59 || minute is < 0 or > 59 || hour is < 0 or > 23
                || day is < 1 or > 31 || month is < 1 or > 12 || year is < 0 or > 99) return -1;
            // A machine without the century byte reads 0 or garbage there: this century then.
            if (century is < 19 or > 99) century = 20;
            long days = DaysFromCivil(century * 100 + year, month, day);
            return days * 86_400 + hour * 3600 + minute * 60 + second;
        }

        // 0-23 whether the chip counts 24 hours or 12 with a PM flag; -1 if invalid.
        private static int DecodeHour(byte raw, byte mode)
        {
            int hour = Decode((byte)(raw & ~Pm), mode);
            if ((mode & Hours24) == 0 && hour >= 0) hour = hour % 12 + ((raw & Pm) != 0 ? 12 : 0);
            return hour;
        }

        // BCD unless the status register says binary; -1 for a digit above 9.
        private static int Decode(byte value, byte mode)
        {
            if ((mode & BinaryMode) != 0) return value;
            int high = value >> 4, low = value & 0x0F;
            return high > 9 || low > 9 ? -1 : high * 10 + low;
        }

        // Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years: 146,097 days each).
        private static long DaysFromCivil(int year, int month, int day)
        {
            if (month <= 2) year--;
            int era = year / 400;
            int yearOfEra = year - era * 400;
            int dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
            int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
            return era * 146_097L + dayOfEra - 719_468;
        }

        private static byte Read(byte register)
        {
            Ports.Out8(IndexPort, register); // bit 7 (NMI mask on a PC chipset) left clear, as Linux does
            return Ports.In8(DataPort);
        }
    }
}
