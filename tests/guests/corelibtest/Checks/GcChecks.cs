using System.Collections.Generic;
using System.Text;

namespace CoreLibTest
{
    public static partial class Checks
    {
        // Collections under allocation pressure: many short-lived dictionaries, lists, strings and
        // builders (well over the guest's heap in total) while one long-lived structure must
        // survive every collection intact.
        private static void GarbageChurn(Report r)
        {
            var survivors = new Dictionary<string, List<int>>();
            var queue = new Queue<string>();
            long checksum = 0;
            for (int round = 0; round < 60; round++)
            {
                var scratch = new Dictionary<string, string>();
                for (int i = 0; i < 400; i++)
                {
                    string key = $"r{round}-k{i:x}";
                    scratch[key] = new StringBuilder(key).Append(':').Append(i * round).ToString();
                }
                for (int i = 0; i < 400; i += 3) scratch.Remove($"r{round}-k{i:x}");
                foreach (KeyValuePair<string, string> pair in scratch) checksum += pair.Value.Length;

                var kept = new List<int>();
                for (int i = 0; i < 50; i++) kept.Add(round * 1000 + i);
                survivors[$"round{round}"] = kept;
                queue.Enqueue(string.Join(",", new[] { round.ToString(), (round * round).ToString() }));
                if (queue.Count > 10) queue.Dequeue();
                byte[] junk = new byte[64 * 1024];
                junk[round] = (byte)round;
                checksum += junk[round];
            }
            long survivorSum = 0;
            foreach (KeyValuePair<string, List<int>> pair in survivors)
                foreach (int v in pair.Value) survivorSum += v;
            r.Line("checksum", checksum);
            r.Line("survivors", survivors.Count + " " + survivorSum + " " + survivors["round37"][49]);
            r.Line("queue", queue.Count + " " + queue.Peek());
        }
    }
}
