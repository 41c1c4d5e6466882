using System;
using System.Collections.Generic;

namespace Kernel.Net.App
{
    /// <summary>App timers of a service host: a small list kept in due order (apps hold few timers).</summary>
    public sealed class TimerQueue
    {
        private readonly List<Entry> _entries = new List<Entry>();
        private int _nextId = 1;

        public int Count => _entries.Count;

        public long NextDue => _entries.Count == 0 ? long.MaxValue : _entries[0].Due;

        public int Schedule(long due, Action callback)
        {
            int id = _nextId++;
            int i = 0;
            while (i < _entries.Count && _entries[i].Due <= due) i++;
            _entries.Insert(i, new Entry(id, due, callback));
            return id;
        }

        public void Cancel(int id)
        {
            for (int i = 0; i < _entries.Count; i++)
            {
                if (_entries[i].Id == id) { _entries.RemoveAt(i); return; }
            }
        }

        /// <summary>Runs every timer due at <paramref name="now"/>; returns how many ran.</summary>
        public int RunDue(long now)
        {
            int ran = 0;
            while (_entries.Count > 0 && _entries[0].Due <= now)
            {
                Action callback = _entries[0].Callback;
                _entries.RemoveAt(0);
                callback();
                ran++;
            }
            return ran;
        }

        private readonly struct Entry
        {
            public Entry(int id, long due, Action callback)
            {
                Id = id;
                Due = due;
                Callback = callback;
            }

            public int Id { get; }

            public long Due { get; }

            public Action Callback { get; }
        }
    }
}
