using System.Buffers.Binary;

namespace Summoner.Config;

/// <summary>
/// Checks that a file is what QEMU can boot as a guest kernel: a 64-bit x86 ELF executable, whole (every
/// loadable segment inside the file), with a Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY), which is how
/// QEMU's -kernel enters it on -M microvm. Catches empty, truncated and junk files at check-config time
/// instead of as a guest that never prints its readiness line.
/// </summary>
public static class GuestImage
{
    private const int ElfHeaderLength = 64;
    private const uint PtLoad = 1, PtNote = 4;
    private const uint XenElfNotePhys32Entry = 18;

    /// <summary>What is wrong with the image at <paramref name="path"/>, or null when it looks bootable.</summary>
    public static string? Problem(string path)
    {
        byte[] image;
        try
        {
            image = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "cannot be read: " + e.Message;
        }
        return Problem(image);
    }

    public static string? Problem(ReadOnlySpan<byte> image)
    {
        if (image.Length == 0) return "is empty";
        if (image.Length < ElfHeaderLength || !image[..4].SequenceEqual("\u007fELF"u8)) return "is not an ELF file";
        if (image[4] != 2 || image[5] != 1) return "is not a 64-bit little-endian ELF";
        if (BinaryPrimitives.ReadUInt16LittleEndian(image[18..]) != 0x3E) return "is not an x86-64 ELF";
        if (BinaryPrimitives.ReadUInt16LittleEndian(image[16..]) != 2) return "is not an ELF executable (a shared object or relocatable file cannot boot)";

        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(image[0x20..]);
        int phentsize = BinaryPrimitives.ReadUInt16LittleEndian(image[0x36..]);
        int phnum = BinaryPrimitives.ReadUInt16LittleEndian(image[0x38..]);
        if (phentsize < 56 || phnum == 0 || phoff > (ulong)image.Length || (ulong)phentsize * (ulong)phnum > (ulong)image.Length - phoff)
            return "is truncated (its program headers lie outside the file)";

        bool hasLoad = false, hasPvh = false;
        for (int i = 0; i < phnum; i++)
        {
            var header = image.Slice((int)phoff + i * phentsize, phentsize);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(header);
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
            ulong fileSize = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]);
            ulong align = BinaryPrimitives.ReadUInt64LittleEndian(header[48..]);
            if (type is PtLoad or PtNote && (offset > (ulong)image.Length || fileSize > (ulong)image.Length - offset))
                return $"is truncated ({image.Length} bytes; a segment ends at byte {offset + fileSize})";
            hasLoad |= type == PtLoad;
            if (type == PtNote) hasPvh |= HasPvhNote(image.Slice((int)offset, (int)fileSize), align <= 4 ? 4 : (int)Math.Min(align, 8));
        }
        if (!hasLoad) return "has no loadable segment";
        if (!hasPvh) return "has no PVH entry note (Xen PHYS32_ENTRY): it is not a Summoner guest image";
        return null;
    }

    private static bool HasPvhNote(ReadOnlySpan<byte> notes, int align)
    {
        static int Up(int n, int a) => (n + a - 1) / a * a;
        while (notes.Length >= 12)
        {
            int nameSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes);
            int descSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes[4..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(notes[8..]);
            if (nameSize < 0 || descSize < 0) return false;
            int nameEnd = 12 + Up(nameSize, align);
            int end = nameEnd + Up(descSize, align);
            if (end > notes.Length && nameEnd + descSize > notes.Length) return false;
            if (type == XenElfNotePhys32Entry && nameSize == 4 && notes.Slice(12, 4).SequenceEqual("Xen\0"u8) && descSize >= 4) return true;
            if (end >= notes.Length) return false;
            notes = notes[end..];
        }
        return false;
    }
}
