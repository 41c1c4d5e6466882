using System.Threading.Tasks;

namespace System.Runtime.CompilerServices
{
    // The heap home of an async method's state machine (a struct in Release builds) once it first
    // awaits something pending: the continuation is this box's MoveNext, cached per box so an
    // async method allocates one box and one delegate however many times it awaits.
    internal sealed class StateMachineBox<TStateMachine> where TStateMachine : IAsyncStateMachine
    {
        public TStateMachine StateMachine = default!;
        private Action? _moveNext;

        public Action MoveNextAction => _moveNext ??= MoveNext;

        private void MoveNext() => StateMachine.MoveNext();
    }

    internal static class AsyncMethodBuilderCore
    {
        // `box` is the builder's field inside `stateMachine`: it is set before the copy so the
        // boxed copy knows its box, and later awaits (running on the boxed copy) reuse it.
        public static Action MoveNextFor<TStateMachine>(ref object? box, ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine
        {
            if (box is StateMachineBox<TStateMachine> existing) return existing.MoveNextAction;
            var created = new StateMachineBox<TStateMachine>();
            box = created;
            created.StateMachine = stateMachine;
            return created.MoveNextAction;
        }

        public static void Start<TStateMachine>(ref TStateMachine stateMachine) where TStateMachine : IAsyncStateMachine
        {
            if (stateMachine is null) throw new ArgumentNullException(nameof(stateMachine));
            stateMachine.MoveNext();
        }

        // The exception escaped an async method: OperationCanceledException cancels its task (.NET).
        public static void Fail(Task task, Exception exception)
        {
            if (exception is null) throw new ArgumentNullException(nameof(exception));
            task.TrySetExceptionOrCanceled(exception);
        }
    }
}
