using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Summoner.Engine.Tests;

// Summoner.Tests compiles this file too (linked in its project): Summoner.Testing has no logging
// package to hold it.
/// <summary>Keeps what a component logged, for assertions on warnings.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}
