using System.Runtime;
using System.Runtime.CompilerServices;

namespace Kernel.Runtime.Exceptions
{
    // Call-frame information from the image's .eh_frame (ILCompiler writes one FDE per method
    // and one per funclet). A sorted index of FDE start addresses is built on first use, so each
    // frame of an unwind costs a binary search plus a short CFI program.
    //
    // ILCompiler's CFI keeps the CFA rsp-based (DW_CFA_def_cfa_offset after each push and sub in
    // the prolog) and records where rbp and the other callee-saved registers were pushed; epilogs
    // are not described, which is fine: nothing throws from an epilog.
    internal static unsafe class UnwindTable
    {
        private struct Entry
        {
            public nint Start, End;
            public byte* Fde;
        }

        private static Entry* s_entries;
        private static int s_count;

        // DWARF register numbers (x86-64 psABI).
        private const int RegRbx = 3, RegRbp = 6, RegRsp = 7, RegR12 = 12, RegR15 = 15;

        [RuntimeImport("*", "kern_eh_frame_start")][MethodImpl(MethodImplOptions.InternalCall)]
        private static extern nint EhFrameStart();

        [RuntimeImport("*", "kern_eh_frame_end")][MethodImpl(MethodImplOptions.InternalCall)]
        private static extern nint EhFrameEnd();

        // The FDE covering `ip` (its start in `start`), or null if `ip` is not in generated code
        // (the boot stub, interrupt entry stubs).
        internal static byte* Find(nint ip, out nint start)
        {
            if (s_entries == null) Build();
            int lo = 0, hi = s_count - 1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >> 1;
                Entry* e = s_entries + mid;
                if (ip < e->Start) hi = mid - 1;
                else if (ip >= e->End) lo = mid + 1;
                else
                {
                    start = e->Start;
                    return e->Fde;
                }
            }
            start = 0;
            return null;
        }

        // The FDE's language-specific data (ILCompiler's per-method EH record), or null.
        internal static byte* Lsda(byte* fde)
        {
            byte* cie = fde + 4 - *(int*)(fde + 4);
            CieFormat format = ReadCie(cie, out _);
            if (!format.HasLsda) return null;
            byte* p = fde + 16; // length, CIE pointer, pc begin, pc range (4 bytes each)
            ReadUleb(ref p); // augmentation data length
            byte* at = p;
            return at + *(int*)at; // pcrel sdata4: the only encoding ILCompiler uses (0x1b)
        }

        // Moves `context` from a frame to its caller: runs the FDE's CFI up to `ip` to find the
        // CFA and the slots of saved registers, then reads them and the return address.
        // `ip` is the instruction in the frame the CFI must describe: the faulting instruction, or
        // the call before a return address.
        internal static bool Step(ref ExceptionContext context, byte* fde, nint start, nint ip)
        {
            byte* cie = fde + 4 - *(int*)(fde + 4);
            CieFormat format = ReadCie(cie, out byte* cieProgram);
            var rules = new CfaRules { CfaRegister = RegRsp, CfaOffset = 8 };
            byte* cieEnd = cie + 4 + *(uint*)cie;
            if (!Run(ref rules, cieProgram, cieEnd, start, start, format)) return false;
            byte* p = fde + 16;
            nint augmentation = (nint)ReadUleb(ref p);
            byte* program = p + augmentation;
            byte* fdeEnd = fde + 4 + *(uint*)fde;
            if (!Run(ref rules, program, fdeEnd, start, ip, format)) return false;

            nint cfa = (rules.CfaRegister == RegRsp ? context.Rsp : rules.CfaRegister == RegRbp ? context.Rbp : 0) + rules.CfaOffset;
            // Saved registers sit just below the CFA: outside a known stack, the frame is corrupt
            // (or this is a fault handler probing a broken one) and reading there could fault.
            long lowest = -8;
            for (int r = 0; r < 17; r++)
                if (rules.Saved[r] < lowest) lowest = rules.Saved[r];
            if (!OnStack(cfa + (nint)lowest) || !OnStack(cfa - 8)) return false;
            if (rules.Saved[RegRbx] != 0) context.Rbx = *(nint*)(cfa + rules.Saved[RegRbx]);
            if (rules.Saved[RegRbp] != 0) context.Rbp = *(nint*)(cfa + rules.Saved[RegRbp]);
            if (rules.Saved[RegR12] != 0) context.R12 = *(nint*)(cfa + rules.Saved[RegR12]);
            if (rules.Saved[RegR12 + 1] != 0) context.R13 = *(nint*)(cfa + rules.Saved[RegR12 + 1]);
            if (rules.Saved[RegR12 + 2] != 0) context.R14 = *(nint*)(cfa + rules.Saved[RegR12 + 2]);
            if (rules.Saved[RegR15] != 0) context.R15 = *(nint*)(cfa + rules.Saved[RegR15]);
            context.Rip = *(nint*)(cfa - 8);
            context.Rsp = cfa;
            return true;
        }

        private static bool OnStack(nint address)
        {
            if (address >= Native.StackGuard() + PhysicalMemory.PageSize && address < Native.StackTop()) return true;
            nint ist = Native.ExceptionStack();
            if (address >= ist && address < ist + Native.InterruptStackSize) return true;
            ist = Native.InterruptStack();
            return address >= ist && address < ist + Native.InterruptStackSize;
        }

        private struct CfaRules
        {
            public int CfaRegister;
            public nint CfaOffset;
            public fixed long Saved[17]; // CFA-relative slot per DWARF register, 0 = not saved
        }

        private struct CieFormat
        {
            public long CodeAlign, DataAlign;
            public bool HasLsda;
        }

        private static CieFormat ReadCie(byte* cie, out byte* program)
        {
            byte* p = cie + 8; // length, CIE id
            byte version = *p++;
            byte* augmentation = p;
            while (*p != 0) p++;
            p++;
            var format = new CieFormat { CodeAlign = (long)ReadUleb(ref p), DataAlign = ReadSleb(ref p) };
            if (version == 1) p++;
            else ReadUleb(ref p);
            if (augmentation[0] == (byte)'z')
            {
                nint length = (nint)ReadUleb(ref p);
                for (byte* a = augmentation + 1; *a != 0; a++)
                    if (*a == (byte)'L') format.HasLsda = true;
                p += length;
            }
            program = p;
            return format;
        }

        // The subset of DWARF CFA instructions a C#-compiled frame uses; anything else makes the
        // frame unwalkable (reported as such) rather than guessed.
        private static bool Run(ref CfaRules rules, byte* p, byte* end, nint location, nint target, CieFormat format)
        {
            CfaRules remembered = rules;
            while (p < end)
            {
                byte op = *p++;
                int high = op & 0xC0, low = op & 0x3F;
                if (high == 0x40)
                {
                    location += (nint)(low * format.CodeAlign);
                    if (location > target) return true;
                    continue;
                }
                if (high == 0x80)
                {
                    long offset = (long)ReadUleb(ref p) * format.DataAlign;
                    if (low < 17) rules.Saved[low] = offset;
                    continue;
                }
                if (high == 0xC0)
                {
                    if (low < 17) rules.Saved[low] = 0;
                    continue;
                }
                switch (op)
                {
                    case 0x00: break; // nop
                    case 0x02: location += (nint)(*p++ * format.CodeAlign); if (location > target) return true; break;
                    case 0x03: location += (nint)(*(ushort*)p * format.CodeAlign); p += 2; if (location > target) return true; break;
                    case 0x04: location += (nint)(*(uint*)p * format.CodeAlign); p += 4; if (location > target) return true; break;
                    case 0x05: // offset_extended
                    {
                        ulong reg = ReadUleb(ref p);
                        long offset = (long)ReadUleb(ref p) * format.DataAlign;
                        if (reg < 17) rules.Saved[(int)reg] = offset;
                        break;
                    }
                    case 0x07: case 0x08: { ulong reg = ReadUleb(ref p); if (reg < 17) rules.Saved[(int)reg] = 0; break; } // undefined, same_value
                    case 0x0A: remembered = rules; break;
                    case 0x0B: rules = remembered; break;
                    case 0x0C: rules.CfaRegister = (int)ReadUleb(ref p); rules.CfaOffset = (nint)ReadUleb(ref p); break;
                    case 0x0D: rules.CfaRegister = (int)ReadUleb(ref p); break;
                    case 0x0E: rules.CfaOffset = (nint)ReadUleb(ref p); break;
                    default: return false;
                }
            }
            return true;
        }

        private static void Build()
        {
            nint start = EhFrameStart(), end = EhFrameEnd();
            int count = 0;
            for (byte* p = (byte*)start; p + 4 <= (byte*)end;)
            {
                uint length = *(uint*)p;
                if (length == 0) break;
                if (*(uint*)(p + 4) != 0) count++;
                p += 4 + length;
            }
            s_entries = (Entry*)PhysicalMemory.AllocatePages((count * sizeof(Entry) + 4095) / 4096 + 1);
            int n = 0;
            for (byte* p = (byte*)start; p + 4 <= (byte*)end;)
            {
                uint length = *(uint*)p;
                if (length == 0) break;
                if (*(uint*)(p + 4) != 0)
                {
                    nint pcBegin = (nint)(p + 8) + *(int*)(p + 8); // pcrel sdata4 (ILCompiler's 0x1b)
                    s_entries[n].Start = pcBegin;
                    s_entries[n].End = pcBegin + *(int*)(p + 12);
                    s_entries[n].Fde = p;
                    n++;
                }
                p += 4 + length;
            }
            // ILCompiler writes FDEs in code order; sort anyway (insertion sort: it is near-sorted).
            for (int i = 1; i < n; i++)
            {
                Entry e = s_entries[i];
                int j = i - 1;
                while (j >= 0 && s_entries[j].Start > e.Start)
                {
                    s_entries[j + 1] = s_entries[j];
                    j--;
                }
                s_entries[j + 1] = e;
            }
            s_count = n;
        }

        private static ulong ReadUleb(ref byte* p)
        {
            ulong value = 0;
            int shift = 0;
            byte b;
            do
            {
                b = *p++;
                value |= (ulong)(b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            return value;
        }

        private static long ReadSleb(ref byte* p)
        {
            long value = 0;
            int shift = 0;
            byte b;
            do
            {
                b = *p++;
                value |= (long)(b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            if (shift < 64 && (b & 0x40) != 0) value |= -1L << shift;
            return value;
        }
    }
}
