// Packs a folder into the static-content blob that Kernel.Net's StaticSite serves (crunch-style:
// the files are in the image, nothing is read at run time). One source, compiled twice: as the
// SDK's MSBuild task (RoslynCodeTaskFactory, Guest.targets) and into Kernel.Net.Hosted with
// STATIC_PACK_LIBRARY defined, so the hosted build serves the very index the guest gets.
//
// Blob layout (little-endian), read by Kernel.Net/http/StaticSite.cs:
//   "SUMSTAT1", u32 count, u32 0
//   count x 48-byte entries, sorted by path (ordinal):
//     u32 pathOffset, u32 pathLength, u32 typeOffset, u32 typeLength, u32 etagOffset, u32 etagLength,
//     u32 dataOffset, u32 dataLength, u32 gzipOffset, u32 gzipLength (0: no variant), i64 mtime (Unix s)
//   then the strings (ASCII/UTF-8) and the file bytes; offsets are from the blob's start.
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Summoner.Guest.Packing
{
    public sealed class StaticPackException : Exception
    {
        public StaticPackException(string message) : base(message) { }
    }

    public static class StaticPacker
    {
        public const int EntrySize = 48;
        public const int HeaderSize = 16;

        /// <summary>Packs every file under <paramref name="root"/> (hidden files and folders skipped).
        /// Throws <see cref="StaticPackException"/> naming the file when the content passes <paramref name="maxBytes"/>.</summary>
        public static byte[] Pack(string root, long maxBytes)
        {
            if (!Directory.Exists(root)) throw new StaticPackException("static root " + root + " is not a folder: create it or set GuestStaticRoot to the folder to serve");
            string full = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
            var files = new List<KeyValuePair<string, string>>();
            foreach (string file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
            {
                string relative = file.Substring(full.Length).Replace(Path.DirectorySeparatorChar, '/');
                if (relative[0] == '.' || relative.Contains("/.")) continue;
                files.Add(new KeyValuePair<string, string>("/" + relative, file));
            }
            files.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));

            var strings = new MemoryStream();
            var data = new MemoryStream();
            var entries = new uint[files.Count * 10];
            var mtimes = new long[files.Count];
            long total = 0;
            for (int i = 0; i < files.Count; i++)
            {
                string path = files[i].Key, file = files[i].Value;
                long length = new FileInfo(file).Length;
                total += length;
                if (total > maxBytes)
                {
                    throw new StaticPackException("static file " + file + " (" + length.ToString() + " bytes) takes the static content to " + total.ToString()
                        + " bytes, over the limit of " + maxBytes.ToString() + " bytes (GuestStaticMaxBytes): leave the file out of " + root
                        + ", or raise <GuestStaticMaxBytes> in the project and the service's memory in summoner.toml (the guest keeps the content in its heap: give it at least twice the content plus 32 MiB)");
                }
                byte[] bytes = File.ReadAllBytes(file);
                byte[] gzip = Gzip(bytes);
                string etag;
                // ComputeHash, not HashData: the MSBuild task compiles against netstandard.
#pragma warning disable CA1850
                using (SHA256 sha = SHA256.Create()) etag = Hex(sha.ComputeHash(bytes), 8);
#pragma warning restore CA1850
                long mtime = new DateTimeOffset(File.GetLastWriteTimeUtc(file)).ToUnixTimeSeconds();
                int e = i * 10;
                AddString(strings, path, entries, e);
                AddString(strings, ContentType(path), entries, e + 2);
                AddString(strings, "\"" + etag + "\"", entries, e + 4);
                entries[e + 6] = (uint)data.Length;
                entries[e + 7] = (uint)bytes.Length;
                data.Write(bytes, 0, bytes.Length);
                // Only worth a variant (and the image space) when it saves at least a tenth.
                if (gzip.Length < bytes.Length - bytes.Length / 10)
                {
                    entries[e + 8] = (uint)data.Length;
                    entries[e + 9] = (uint)gzip.Length;
                    data.Write(gzip, 0, gzip.Length);
                }
                mtimes[i] = mtime;
            }

            long stringsAt = HeaderSize + (long)files.Count * EntrySize;
            long dataAt = stringsAt + strings.Length;
            if (dataAt + data.Length > uint.MaxValue) throw new StaticPackException("static content of " + root + " is over 4 GiB: serve large files from elsewhere");
            var blob = new byte[dataAt + data.Length];
            Encoding.ASCII.GetBytes("SUMSTAT1").CopyTo(blob, 0);
            WriteU32(blob, 8, (uint)files.Count);
            for (int i = 0; i < files.Count; i++)
            {
                int at = HeaderSize + i * EntrySize;
                for (int k = 0; k < 10; k++)
                {
                    uint v = entries[i * 10 + k];
                    // Even slots are offsets (odd ones lengths); an absent gzip variant stays 0.
                    bool isOffset = k % 2 == 0 && !(k == 8 && entries[i * 10 + 9] == 0);
                    if (isOffset) v += (uint)(k < 6 ? stringsAt : dataAt);
                    WriteU32(blob, at + k * 4, v);
                }
                WriteU32(blob, at + 40, (uint)mtimes[i]);
                WriteU32(blob, at + 44, (uint)(mtimes[i] >> 32));
            }
            strings.ToArray().CopyTo(blob, stringsAt);
            data.ToArray().CopyTo(blob, dataAt);
            return blob;
        }

        /// <summary>Content-Type by extension; text types say UTF-8.</summary>
        public static string ContentType(string path)
        {
            int dot = path.LastIndexOf('.');
            string ext = dot < 0 || dot < path.LastIndexOf('/') ? "" : path.Substring(dot + 1).ToLowerInvariant();
            switch (ext)
            {
                case "html": case "htm": return "text/html; charset=utf-8";
                case "css": return "text/css; charset=utf-8";
                case "js": case "mjs": return "text/javascript; charset=utf-8";
                case "json": case "map": return "application/json";
                case "txt": return "text/plain; charset=utf-8";
                case "md": return "text/markdown; charset=utf-8";
                case "csv": return "text/csv; charset=utf-8";
                case "xml": return "application/xml";
                case "svg": return "image/svg+xml";
                case "png": return "image/png";
                case "jpg": case "jpeg": return "image/jpeg";
                case "gif": return "image/gif";
                case "webp": return "image/webp";
                case "avif": return "image/avif";
                case "ico": return "image/x-icon";
                case "woff": return "font/woff";
                case "woff2": return "font/woff2";
                case "ttf": return "font/ttf";
                case "otf": return "font/otf";
                case "wasm": return "application/wasm";
                case "pdf": return "application/pdf";
                case "zip": return "application/zip";
                case "gz": return "application/gzip";
                case "mp4": return "video/mp4";
                case "webm": return "video/webm";
                case "mp3": return "audio/mpeg";
                case "webmanifest": return "application/manifest+json";
                default: return "application/octet-stream";
            }
        }

        private static byte[] Gzip(byte[] bytes)
        {
            var output = new MemoryStream();
            using (var gz = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(bytes, 0, bytes.Length);
            return output.ToArray();
        }

        private static void AddString(MemoryStream strings, string text, uint[] entries, int at)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            entries[at] = (uint)strings.Length;
            entries[at + 1] = (uint)bytes.Length;
            strings.Write(bytes, 0, bytes.Length);
        }

        private static void WriteU32(byte[] blob, int at, uint value)
        {
            blob[at] = (byte)value;
            blob[at + 1] = (byte)(value >> 8);
            blob[at + 2] = (byte)(value >> 16);
            blob[at + 3] = (byte)(value >> 24);
        }

        private static string Hex(byte[] hash, int bytes)
        {
            var sb = new StringBuilder(bytes * 2);
            for (int i = 0; i < bytes; i++) sb.Append(hash[i].ToString("x2"));
            return sb.ToString();
        }
    }

#if !STATIC_PACK_LIBRARY
    /// <summary>MSBuild: packs <see cref="Root"/> into <see cref="Output"/> and writes a nasm source
    /// that includes it (incbin) in the image's .static section.</summary>
    public sealed class PackStaticContent : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public string Root { get; set; } = "";
        [Microsoft.Build.Framework.Required] public string Output { get; set; } = "";
        [Microsoft.Build.Framework.Required] public string AsmOutput { get; set; } = "";
        public long MaxBytes { get; set; } = 64L * 1024 * 1024;

        public override bool Execute()
        {
            byte[] blob;
            try { blob = StaticPacker.Pack(Root, MaxBytes); }
            catch (StaticPackException e) { Log.LogError(null, "SUMSTATIC", null, null, 0, 0, 0, 0, e.Message); return false; }
            File.WriteAllBytes(Output, blob);
            string asm = "section .static progbits alloc noexec nowrite align=16\nincbin \"" + Path.GetFullPath(Output).Replace("\"", "") + "\"\n";
            File.WriteAllText(AsmOutput, asm);
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, "static content: " + Root + " -> " + blob.Length.ToString() + " bytes in the image");
            return true;
        }
    }
#endif
}
