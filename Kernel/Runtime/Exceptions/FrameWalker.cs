namespace Kernel.Runtime.Exceptions
{
    // Walks managed frames from a throw towards the stack top. Ordinary frames are unwound with
    // their CFI; a funclet frame (catch, filter or finally handler the dispatcher called) is left
    // for its parent frame as the dispatcher that called the funclet recorded it, skipping the
    // dispatcher's own frames, and with the parent's clauses up to the running handler's skipped:
    // an exception escaping a handler is not caught by that handler's try (or its siblings).
    internal unsafe struct FrameWalker
    {
        private const int MaxFrames = 100_000;

        public ExceptionContext Context;
        public MethodEh Method;
        public uint CodeOffset;
        public int Index;
        public int SkipThrough;   // clauses with index <= this are skipped (-1: none)
        public bool Exact;        // Context.Rip is a faulting instruction, not a return address
        public bool Valid;        // the current frame is managed code with unwind information
        private byte* _fde;
        private nint _fdeStart;
        private ExInfo* _funcletOwners;

        internal FrameWalker(ExceptionContext* start, bool exact, ExInfo* funcletOwners)
        {
            Context = *start;
            Exact = exact;
            SkipThrough = -1;
            Index = 0;
            _funcletOwners = funcletOwners;
            Method = default;
            CodeOffset = 0;
            _fde = null;
            _fdeStart = 0;
            Valid = false;
            Valid = Load();
        }

        private bool Load()
        {
            _fde = UnwindTable.Find(Context.Rip, out _fdeStart);
            if (_fde == null) return false;
            Method = MethodEh.FromLsda(UnwindTable.Lsda(_fde), _fdeStart);
            CodeOffset = (uint)(Context.Rip - Method.MethodStart);
            return true;
        }

        // Moves to the caller; false at the first frame that is not managed code (the boot stub,
        // an interrupt entry) or when the stack does not make sense.
        internal bool Next()
        {
            if (!Valid) return false;
            nint previousSp = Context.Rsp;
            if (Method.IsFunclet)
            {
                if (_funcletOwners == null) return Valid = false;
                Context = _funcletOwners->FrameContext;
                Exact = _funcletOwners->FrameExact;
                SkipThrough = _funcletOwners->ClauseIndex;
                _funcletOwners = _funcletOwners->Previous;
            }
            else
            {
                if (!UnwindTable.Step(ref Context, _fde, _fdeStart, Exact ? Context.Rip : Context.Rip - 1)) return Valid = false;
                Exact = false;
                SkipThrough = -1;
            }
            if (Context.Rsp <= previousSp || Context.Rsp > Native.StackTop() || ++Index > MaxFrames) return Valid = false;
            return Valid = Load();
        }

        // The context a funclet returns into (the dispatcher's kern_call_funclet): how a nested
        // exception that escapes a filter ends, since .NET treats that filter as false.
        internal readonly bool CallerOfFunclet(out ExceptionContext caller)
        {
            caller = Context;
            return UnwindTable.Step(ref caller, _fde, _fdeStart, Exact ? Context.Rip : Context.Rip - 1);
        }

        // Enumerates the clauses of the current frame that are candidates: those not skipped
        // because a handler of the same (or an inner) try region is what threw.
        internal struct Clauses
        {
            private byte* _p;
            private int _count, _skipThrough;
            private uint _lastStart, _lastEnd;
            public int Index;
            public EhClause Current;

            internal Clauses(in FrameWalker walker)
            {
                _count = walker.Method.BeginClauses(out _p);
                _skipThrough = walker.SkipThrough;
                _lastStart = _lastEnd = 0;
                Index = -1;
                Current = default;
            }

            internal bool Next()
            {
                while (++Index < _count)
                {
                    Current = MethodEh.Read(ref _p);
                    if (_skipThrough < 0) return true;
                    if (Index <= _skipThrough)
                    {
                        _lastStart = Current.TryStart;
                        _lastEnd = Current.TryEnd;
                        continue;
                    }
                    // Clauses of the very same try region as the handler that threw are its
                    // siblings (catch A / catch B): skip them too. The JIT pads nested try regions
                    // so distinct IL regions never share native bounds.
                    if (Current.TryStart == _lastStart && Current.TryEnd == _lastEnd) continue;
                    _skipThrough = -1;
                    return true;
                }
                return false;
            }
        }
    }
}
