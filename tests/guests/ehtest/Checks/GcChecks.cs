using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace EhTest
{
    // The collector runs while exceptions are in flight: finally blocks and filters that allocate
    // enough to force collections must not lose the exception, its payload or the frames' locals.
    public static partial class Checks
    {
        private sealed class PayloadException : Exception
        {
            public PayloadException(int[] payload) : base("payload") { Payload = payload; }

            public int[] Payload { get; }
        }

        private static void UnwindingWithCollections(Report r)
        {
            var keep = new List<string>();
            long sum = 0;
            try { ThrowWithPayload(keep); }
            catch (PayloadException e) when (Churn(keep, 64) > 0)
            {
                foreach (int v in e.Payload) sum += v;
            }
            r.Line("payload-survives", sum + " kept=" + keep.Count + " first=" + keep[0] + " last=" + keep[keep.Count - 1]);

            var caught = new List<Exception>();
            int ports = 0;
            for (int i = 0; i < 2000; i++)
            {
                try { Level1(i + 1); }
                catch (PortException e) { caught.Add(e); }
                if (i % 500 == 0) Churn(keep, 8);
            }
            foreach (Exception e in caught) ports += ((PortException)e).Port;
            r.Line("kept-exceptions", caught.Count + " " + ports);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void ThrowWithPayload(List<string> keep)
        {
            var payload = new int[1000];
            for (int i = 0; i < payload.Length; i++) payload[i] = i * 3;
            string local = "local-" + payload.Length;
            try
            {
                throw new PayloadException(payload);
            }
            finally
            {
                Churn(keep, 64);
                keep.Add(local);
            }
        }

        // Allocates `megabytes` MiB of short-lived arrays (several heaps' worth in the guest's test
        // configuration) and keeps one small string.
        private static int Churn(List<string> keep, int megabytes)
        {
            int total = 0;
            for (int i = 0; i < megabytes * 16; i++)
            {
                var block = new byte[64 * 1024];
                block[i % block.Length] = 1;
                total += block.Length;
            }
            keep.Add("churn" + megabytes);
            return total;
        }
    }
}

namespace EhTest
{
    public static partial class Checks
    {
        public sealed class StressPayloadException : Exception
        {
            public StressPayloadException(int[] payload) : base("stress") { Payload = payload; }

            public int[] Payload { get; }
        }
    }
}
