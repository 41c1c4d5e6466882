using System.Threading.Tasks;

namespace System
{
    // `await using`.
    public interface IAsyncDisposable
    {
        ValueTask DisposeAsync();
    }
}
