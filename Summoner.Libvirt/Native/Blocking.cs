namespace Summoner.Libvirt.Native;

/// <summary>
/// Runs a blocking libvirt call off the caller's thread. libvirt calls cannot be interrupted, so
/// cancellation is only honoured before the call starts. LongRunning gives each call its own
/// thread: twenty concurrent creates of ~150 ms each would otherwise stall the thread pool,
/// which injects threads slowly.
/// </summary>
internal static class Blocking
{
    public static Task<T> Run<T>(Func<T> call, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
            ? Task.FromCanceled<T>(cancellationToken)
            : Task.Factory.StartNew(call, cancellationToken, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);

    public static Task Run(Action call, CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested
            ? Task.FromCanceled(cancellationToken)
            : Task.Factory.StartNew(call, cancellationToken, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
}
