namespace System.Collections.Generic
{
    // .NET's introspective sort (insertion sort for small partitions, median-of-three quicksort,
    // heapsort past the depth limit), step for step, so that even elements that compare equal end
    // up in the same order as on .NET.
    internal static class ArraySortHelper<T>
    {
        private const int IntrosortSizeThreshold = 16;

        internal static void Sort(Span<T> keys, Comparison<T> comparer)
        {
            if (keys.Length > 1) IntroSort(keys, 2 * (Log2((uint)keys.Length) + 1), comparer);
        }

        private static int Log2(uint value)
        {
            int log = 0;
            while ((value >>= 1) != 0) log++;
            return log;
        }

        private static void SwapIfGreater(Span<T> keys, Comparison<T> comparer, int i, int j)
        {
            if (comparer(keys[i], keys[j]) > 0) (keys[i], keys[j]) = (keys[j], keys[i]);
        }

        private static void Swap(Span<T> a, int i, int j) => (a[i], a[j]) = (a[j], a[i]);

        private static void IntroSort(Span<T> keys, int depthLimit, Comparison<T> comparer)
        {
            int partitionSize = keys.Length;
            while (partitionSize > 1)
            {
                if (partitionSize <= IntrosortSizeThreshold)
                {
                    if (partitionSize == 2)
                    {
                        SwapIfGreater(keys, comparer, 0, 1);
                        return;
                    }
                    if (partitionSize == 3)
                    {
                        SwapIfGreater(keys, comparer, 0, 1);
                        SwapIfGreater(keys, comparer, 0, 2);
                        SwapIfGreater(keys, comparer, 1, 2);
                        return;
                    }
                    InsertionSort(keys.Slice(0, partitionSize), comparer);
                    return;
                }
                if (depthLimit == 0)
                {
                    HeapSort(keys.Slice(0, partitionSize), comparer);
                    return;
                }
                depthLimit--;
                int p = PickPivotAndPartition(keys.Slice(0, partitionSize), comparer);
                IntroSort(keys.Slice(p + 1, partitionSize - (p + 1)), depthLimit, comparer);
                partitionSize = p;
            }
        }

        private static int PickPivotAndPartition(Span<T> keys, Comparison<T> comparer)
        {
            int hi = keys.Length - 1;
            int middle = hi >> 1;
            SwapIfGreater(keys, comparer, 0, middle);
            SwapIfGreater(keys, comparer, 0, hi);
            SwapIfGreater(keys, comparer, middle, hi);
            T pivot = keys[middle];
            Swap(keys, middle, hi - 1);
            int left = 0, right = hi - 1;
            while (left < right)
            {
                while (comparer(keys[++left], pivot) < 0) { }
                while (comparer(pivot, keys[--right]) < 0) { }
                if (left >= right) break;
                Swap(keys, left, right);
            }
            if (left != hi - 1) Swap(keys, left, hi - 1);
            return left;
        }

        private static void HeapSort(Span<T> keys, Comparison<T> comparer)
        {
            int n = keys.Length;
            for (int i = n >> 1; i >= 1; i--) DownHeap(keys, i, n, comparer);
            for (int i = n; i > 1; i--)
            {
                Swap(keys, 0, i - 1);
                DownHeap(keys, 1, i - 1, comparer);
            }
        }

        private static void DownHeap(Span<T> keys, int i, int n, Comparison<T> comparer)
        {
            T d = keys[i - 1];
            while (i <= n >> 1)
            {
                int child = 2 * i;
                if (child < n && comparer(keys[child - 1], keys[child]) < 0) child++;
                if (!(comparer(d, keys[child - 1]) < 0)) break;
                keys[i - 1] = keys[child - 1];
                i = child;
            }
            keys[i - 1] = d;
        }

        private static void InsertionSort(Span<T> keys, Comparison<T> comparer)
        {
            for (int i = 0; i < keys.Length - 1; i++)
            {
                T t = keys[i + 1];
                int j = i;
                while (j >= 0 && comparer(t, keys[j]) < 0)
                {
                    keys[j + 1] = keys[j];
                    j--;
                }
                keys[j + 1] = t;
            }
        }
    }
}
