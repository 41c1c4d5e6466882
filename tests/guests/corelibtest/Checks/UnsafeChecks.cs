using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CoreLibTest
{
    [StructLayout(LayoutKind.Explicit)]
    public struct Overlay
    {
        [FieldOffset(0)] public uint Word;
        [FieldOffset(0)] public byte Low;
        [FieldOffset(3)] public byte High;
    }

    [InlineArray(4)]
    public struct FourInts
    {
        private int _element;
    }

    internal unsafe struct FixedHeader
    {
        public fixed byte Bytes[6];
    }

    public static partial class Checks
    {
        // Low-level C# that drivers and protocol code use: pointers, fixed, explicit layout,
        // inline arrays, checked arithmetic and large string switches.
        private static unsafe void LowLevel(Report r)
        {
            var overlay = new Overlay { Word = 0x11223344 };
            r.Line("explicit-layout", overlay.Low.ToString("x") + " " + overlay.High.ToString("x"));
            var four = new FourInts();
            for (int i = 0; i < 4; i++) four[i] = i * i;
            int inlineSum = 0;
            foreach (int v in four) inlineSum += v;
            Span<int> asSpan = four;
            r.Line("inline-array", inlineSum + " " + asSpan.Length + " " + four[3]);
            var header = new FixedHeader();
            for (int i = 0; i < 6; i++) header.Bytes[i] = (byte)(0xa0 + i);
            r.Line("fixed-buffer", header.Bytes[5].ToString("x") + " " + sizeof(FixedHeader));
            int[] data = [10, 20, 30];
            fixed (int* p = data)
            {
                int* q = p + 1;
                *q += 5;
                r.Line("fixed-array", p[0] + p[1] + p[2] + " " + (q - p));
            }
            string text = "pointer";
            fixed (char* c = text) r.Line("fixed-string", c[0].ToString() + c[6] + (int)c[7]);
            int total = 0;
            for (int round = 0; round < 3; round++)
            {
#pragma warning disable CA2014 // three small iterations: the point is that stackalloc in a loop works
                Span<byte> scratch = stackalloc byte[16];
#pragma warning restore CA2014
                scratch.Fill((byte)round);
                total += scratch[15];
            }
            r.Line("stackalloc-loop", total);
            int big = int.MaxValue - 1;
            r.Line("checked-ok", checked(big + 1) + " " + checked((byte)200) + " " + checked((int)(3_000_000_000L - 1_000_000_000)));
            r.Line("string-switch", Keyword("while") + Keyword("class") + Keyword("return") + Keyword("nope") + Keyword("struct") + Keyword("interface") + Keyword("namespace") + Keyword("using") + Keyword("fixed"));
            ulong value = 0x0102030405060708;
            byte* bytes = (byte*)&value;
            r.Line("pointer-bytes", bytes[0] + " " + bytes[7] + " " + Unsafe.ReadUnaligned<uint>(ref bytes[1]).ToString("x"));
            r.Line("sizeof", sizeof(Overlay) + " " + Unsafe.SizeOf<FourInts>() + " " + sizeof(nint) + " " + Marshal.SizeOf<int>());
        }

        private static int Keyword(string word) => word switch
        {
            "class" => 1,
            "struct" => 2,
            "interface" => 3,
            "namespace" => 4,
            "using" => 5,
            "return" => 6,
            "while" => 7,
            "fixed" => 8,
            _ => 0,
        };
    }
}
