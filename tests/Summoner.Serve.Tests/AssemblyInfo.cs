// Each test runs its own daemon with guests; on a 2-core machine they run one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
