using System;
using System.Buffers.Binary;
using System.Collections.Generic;

namespace CoreLibTest
{
    public static partial class Checks
    {
        private static void Spans(Report r)
        {
            byte[] array = [1, 2, 3, 4, 5, 6, 7, 8];
            Span<byte> span = array;
            r.Line("length", span.Length);
            r.Line("index", span[3]);
            span[0] = 42;
            r.Line("write-through", array[0]);
            r.Line("empty", Span<byte>.Empty.IsEmpty);
            r.Line("nonempty", span.IsEmpty);
            r.Line("slice", Report.Hex(span.Slice(2, 3)));
            r.Line("slice-tail", Report.Hex(span.Slice(6)));

            Span<byte> target = stackalloc byte[10];
            span.Slice(0, 4).CopyTo(target);
            r.Line("stackalloc-copy", Report.Hex(target));
            r.Line("trycopy-short", span.TryCopyTo(target.Slice(0, 3)));
            r.Line("trycopy-fits", span.TryCopyTo(target));
            r.Line("trycopy-result", Report.Hex(target));
            target.Slice(8).Fill(0xee);
            r.Line("fill", Report.Hex(target));
            target.Slice(0, 5).Clear();
            r.Line("clear", Report.Hex(target));
            byte[] copy = target.Slice(7).ToArray();
            r.Line("toarray", copy.Length + " " + Report.Hex(copy));

            // Overlapping copy within one buffer behaves like memmove.
            Span<int> ints = stackalloc int[6];
            for (int i = 0; i < ints.Length; i++) ints[i] = i * 10;
            ints.Slice(0, 4).CopyTo(ints.Slice(2));
            r.Line("overlap-forward", Join(ints));
            ints.Slice(2, 4).CopyTo(ints);
            r.Line("overlap-backward", Join(ints));

            ReadOnlySpan<byte> a = [1, 2, 3, 9];
            ReadOnlySpan<byte> b = array.AsSpan(1, 3);
            r.Line("sequence-equal", a.Slice(0, 3).SequenceEqual(b));
            r.Line("sequence-differs", a.SequenceEqual(b));
            r.Line("indexof-byte", a.IndexOf((byte)9));
            r.Line("indexof-missing", a.IndexOf((byte)7));
            r.Line("startswith", span.StartsWith(new byte[] { 42, 2 }));
            r.Line("startswith-not", span.StartsWith(new byte[] { 2 }));
            r.Line("asspan-array", array.AsSpan(5).Length);

            ReadOnlySpan<char> text = "hello, world".AsSpan();
            r.Line("char-indexof", text.IndexOf(','));
            r.Line("char-startswith", text.StartsWith("hello".AsSpan()));
            r.Line("char-equal", text.Slice(7).SequenceEqual("world"));
            r.Line("char-tostring", text.Slice(0, 5).ToString());
            r.Line("string-asspan", "abcdef".AsSpan(2, 3).ToString());
            r.Line("string-implicit", ((ReadOnlySpan<char>)"xyz").Length);

            int sum = 0;
            foreach (byte x in span) sum += x;
            r.Line("foreach", sum);

            Span<int> owned = new int[] { 5, 6, 7 };
            foreach (ref int x in owned) x *= 2;
            r.Line("foreach-ref", Join(owned));
            r.Line("ranges", Report.Hex(array.AsSpan()[2..^4]));
            Span<int> rev = stackalloc int[] { 1, 2, 3, 4 };
            rev.Reverse();
            r.Line("reverse-sort", Join(rev) + " " + "hello".AsSpan().IndexOfAny('l', 'o') + " " + Math.Sign("abc".AsSpan().SequenceCompareTo("abd")));
            rev.Sort();
            r.Line("span-sort", Join(rev));

            Memory<byte> memory = array;
            Memory<byte> tail = memory.Slice(4, 2);
            tail.Span[0] = 99;
            ReadOnlyMemory<byte> readOnly = memory;
            r.Line("memory", memory.Length + " " + array[4] + " " + Report.Hex(readOnly.Slice(3, 3).Span) + " " + tail.ToArray().Length + " " + memory.IsEmpty + " " + Memory<byte>.Empty.IsEmpty);
            ReadOnlyMemory<char> text2 = "hello world".AsMemory(6);
            r.Line("memory-string", text2.ToString() + " " + text2.Slice(1, 3).Span.ToString() + " " + text2.Length + " " + "abc".AsMemory().Equals("abc".AsMemory()));
            var held = new List<ReadOnlyMemory<byte>> { readOnly.Slice(0, 2), readOnly.Slice(6) };
            r.Line("memory-on-heap", Report.Hex(held[0].Span) + "|" + Report.Hex(held[1].Span));
        }

        private static string Join(Span<int> values)
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < values.Length; i++)
            {
                if (i != 0) sb.Append(',');
                sb.Append(values[i]);
            }
            return sb.ToString();
        }

        private static void Binary(Report r)
        {
            Span<byte> buf = stackalloc byte[8];
            BinaryPrimitives.WriteUInt16BigEndian(buf, 0x1234);
            r.Line("u16-be", Report.Hex(buf.Slice(0, 2)));
            BinaryPrimitives.WriteUInt16LittleEndian(buf, 0x1234);
            r.Line("u16-le", Report.Hex(buf.Slice(0, 2)));
            BinaryPrimitives.WriteInt16BigEndian(buf, -2);
            r.Line("i16-be", Report.Hex(buf.Slice(0, 2)) + " " + BinaryPrimitives.ReadInt16BigEndian(buf));
            BinaryPrimitives.WriteInt16LittleEndian(buf, -300);
            r.Line("i16-le", Report.Hex(buf.Slice(0, 2)) + " " + BinaryPrimitives.ReadInt16LittleEndian(buf));
            BinaryPrimitives.WriteUInt32BigEndian(buf, 0xdeadbeef);
            r.Line("u32-be", Report.Hex(buf.Slice(0, 4)) + " " + BinaryPrimitives.ReadUInt32BigEndian(buf).ToString("x"));
            BinaryPrimitives.WriteUInt32LittleEndian(buf, 0xdeadbeef);
            r.Line("u32-le", Report.Hex(buf.Slice(0, 4)) + " " + BinaryPrimitives.ReadUInt32LittleEndian(buf).ToString("x"));
            BinaryPrimitives.WriteInt32BigEndian(buf, int.MinValue + 5);
            r.Line("i32-be", Report.Hex(buf.Slice(0, 4)) + " " + BinaryPrimitives.ReadInt32BigEndian(buf));
            BinaryPrimitives.WriteInt32LittleEndian(buf, -123456);
            r.Line("i32-le", Report.Hex(buf.Slice(0, 4)) + " " + BinaryPrimitives.ReadInt32LittleEndian(buf));
            BinaryPrimitives.WriteUInt64BigEndian(buf, 0x0102030405060708);
            r.Line("u64-be", Report.Hex(buf) + " " + BinaryPrimitives.ReadUInt64BigEndian(buf));
            BinaryPrimitives.WriteUInt64LittleEndian(buf, ulong.MaxValue - 1);
            r.Line("u64-le", Report.Hex(buf) + " " + BinaryPrimitives.ReadUInt64LittleEndian(buf));
            BinaryPrimitives.WriteInt64BigEndian(buf, long.MinValue);
            r.Line("i64-be", Report.Hex(buf) + " " + BinaryPrimitives.ReadInt64BigEndian(buf));
            BinaryPrimitives.WriteInt64LittleEndian(buf, -2);
            r.Line("i64-le", Report.Hex(buf) + " " + BinaryPrimitives.ReadInt64LittleEndian(buf));
            byte[] packet = [0x45, 0x00, 0x00, 0x54, 0xab, 0xcd];
            r.Line("read-offset", BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2)));
            r.Line("reverse", BinaryPrimitives.ReverseEndianness(0x11223344u).ToString("x8"));
        }
    }
}
