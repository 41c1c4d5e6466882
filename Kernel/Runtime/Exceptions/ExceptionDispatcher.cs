using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using Internal.Runtime;

namespace Kernel.Runtime.Exceptions
{
    // Two-pass exception dispatch, as .NET does it. The first pass walks up from the throw and
    // asks each frame's EH clauses (catch types, filters) who will catch; nothing does: the
    // exception is unhandled and the VM ends with a report, before any finally runs. Otherwise
    // the second pass walks the same frames again, runs the finally funclets of everything being
    // left, calls the catch funclet and resumes where it says, with the catching frame's rsp and
    // callee-saved registers (kern_resume_at). The collector scans the stack conservatively and
    // never moves objects, so frames left behind and funclets running below the dispatcher need
    // nothing from it: the exception object is kept alive by the ExInfo in this frame.
    internal static unsafe class ExceptionDispatcher
    {
        internal const int FaultNullReference = 0, FaultDivideByZero = 1, FaultOverflow = 2;

        private static ExInfo* s_active;

        [RuntimeImport("*", "kern_call_funclet")][MethodImpl(MethodImplOptions.InternalCall)]
        private static extern nint CallFunclet(nint funclet, object? exception, ExceptionContext* frame);

        [RuntimeImport("*", "kern_resume_at")][MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void ResumeAt(ExceptionContext* context);

        [RuntimeImport("*", "kern_throw_fault_address")][MethodImpl(MethodImplOptions.InternalCall)]
        private static extern nint ThrowFaultStub();

        [RuntimeExport("kern_dispatch_exception")]
        private static void DispatchThrow(object? exception, ExceptionContext* thrown, int rethrow)
        {
            if (rethrow != 0)
            {
                ExInfo* handling = s_active;
                while (handling != null && !handling->InCatch) handling = handling->Previous;
                if (handling == null) Panic.Fail("rethrow outside a catch handler");
                exception = handling->Exception;
            }
            exception ??= new NullReferenceException(); // `throw null`
            Dispatch(exception, thrown, exact: false);
        }

        [RuntimeExport("kern_dispatch_fault")]
        private static void DispatchFault(int kind, ExceptionContext* faulted)
        {
            Exception exception = kind switch
            {
                FaultDivideByZero => new DivideByZeroException(),
                FaultOverflow => new OverflowException(),
                _ => new NullReferenceException(),
            };
            Dispatch(exception, faulted, exact: true);
        }

        private static void Dispatch(object exception, ExceptionContext* thrown, bool exact)
        {
            ExInfo info = default;
            info.Exception = exception;
            info.Previous = s_active;
            s_active = &info;

            // First pass: find the catching frame and clause.
            int handlerFrame = -1, handlerClause = -1;
            nint handlerAddress = 0;
            var walker = new FrameWalker(thrown, exact, info.Previous);
            for (; walker.Valid && handlerFrame < 0; walker.Next())
            {
                var clauses = new FrameWalker.Clauses(walker);
                while (clauses.Next())
                {
                    EhClause clause = clauses.Current;
                    if (!clause.Contains(walker.CodeOffset)) continue;
                    if (clause.Kind == EhClauseKind.Typed)
                    {
                        if (!TypeCast.IsInstanceOfException(clause.CatchType, exception)) continue;
                    }
                    else if (clause.Kind == EhClauseKind.Filter)
                    {
                        Enter(&info, ref walker, clauses.Index, inCatch: false);
                        ExceptionContext frame = walker.Context;
                        if (CallFunclet(walker.Method.MethodStart + (nint)clause.FilterOffset, exception, &frame) == 0) continue;
                    }
                    else continue;
                    handlerFrame = walker.Index;
                    handlerClause = clauses.Index;
                    handlerAddress = walker.Method.MethodStart + (nint)clause.HandlerOffset;
                    break;
                }
                if (handlerFrame >= 0) break;
                if (walker.Method.IsFilter)
                {
                    // Escaping a filter: the filter's answer is "no" and this exception ends here.
                    handlerFrame = walker.Index;
                    handlerClause = int.MaxValue;
                    break;
                }
            }
            if (handlerFrame < 0)
            {
                UnhandledException.Report(exception, thrown, exact, info.Previous);
                return;
            }

            // Second pass: run the finally handlers of every frame being left (and of the try
            // regions inside the catching one), innermost first.
            walker = new FrameWalker(thrown, exact, info.Previous);
            while (true)
            {
                bool catching = walker.Index == handlerFrame;
                var clauses = new FrameWalker.Clauses(walker);
                while (clauses.Next() && !(catching && clauses.Index >= handlerClause))
                {
                    EhClause clause = clauses.Current;
                    if (clause.Kind != EhClauseKind.Fault || !clause.Contains(walker.CodeOffset)) continue;
                    Enter(&info, ref walker, clauses.Index, inCatch: false);
                    ExceptionContext frame = walker.Context;
                    CallFunclet(walker.Method.MethodStart + (nint)clause.HandlerOffset, null, &frame);
                }
                if (catching) break;
                if (!walker.Next()) Panic.Fail("exception dispatch: the second pass lost the catching frame");
            }

            ExceptionContext target;
            if (handlerClause == int.MaxValue)
            {
                // Return 0 from the filter funclet to the dispatcher that called it.
                if (!walker.CallerOfFunclet(out target)) Panic.Fail("exception dispatch: cannot unwind out of a filter");
            }
            else
            {
                Enter(&info, ref walker, handlerClause, inCatch: true);
                target = walker.Context;
                target.Rip = CallFunclet(handlerAddress, exception, &target);
            }
            // Dispatches whose frames lie below the resumed frame are over (this one included;
            // an outer one too when its handler threw and the new exception left that handler).
            ExInfo* active = info.Previous;
            while (active != null && (nint)active < target.Rsp) active = active->Previous;
            s_active = active;
            ResumeAt(&target);
        }

        private static void Enter(ExInfo* info, ref FrameWalker walker, int clauseIndex, bool inCatch)
        {
            info->FrameContext = walker.Context;
            info->FrameExact = walker.Exact;
            info->ClauseIndex = clauseIndex;
            info->InCatch = inCatch;
        }

        // Called by the CPU exception handler for a null dereference or a divide error:
        // if some frame may catch the exception it becomes (catch types compatible with it, or
        // filters), make iretq land in kern_throw_fault as if the faulting instruction had called
        // it; else leave the fault to the panic, which reports it with its registers.
        internal static bool TryRaiseFromFault(InterruptFrame* f, int kind)
        {
            if (Interrupts.InHandler) return false;
            nint rsp = (nint)f->Rsp;
            if (rsp <= Native.StackGuard() + PhysicalMemory.PageSize + 64 || rsp > Native.StackTop()) return false;
            MethodTable* type = kind switch
            {
                FaultDivideByZero => MethodTable.Of<DivideByZeroException>(),
                FaultOverflow => MethodTable.Of<OverflowException>(),
                _ => MethodTable.Of<NullReferenceException>(),
            };
            var context = new ExceptionContext
            {
                Rip = (nint)f->Rip, Rsp = rsp, Rbp = (nint)f->Rbp, Rbx = (nint)f->Rbx,
                R12 = (nint)f->R12, R13 = (nint)f->R13, R14 = (nint)f->R14, R15 = (nint)f->R15,
            };
            bool mayCatch = false;
            for (var walker = new FrameWalker(&context, exact: true, s_active); walker.Valid && !mayCatch; walker.Next())
            {
                var clauses = new FrameWalker.Clauses(walker);
                while (clauses.Next())
                {
                    EhClause clause = clauses.Current;
                    if (!clause.Contains(walker.CodeOffset)) continue;
                    if (clause.Kind == EhClauseKind.Filter || (clause.Kind == EhClauseKind.Typed && TypeCast.IsAssignableToClass(type, clause.CatchType)))
                    {
                        mayCatch = true;
                        break;
                    }
                }
                if (walker.Method.IsFilter) mayCatch = true; // a fault in a filter makes it false

            }
            if (!mayCatch) return false;
            f->Rsp -= 8;
            *(ulong*)f->Rsp = f->Rip;
            f->Rip = (ulong)ThrowFaultStub();
            f->Rdi = (ulong)kind;
            return true;
        }
    }
}
