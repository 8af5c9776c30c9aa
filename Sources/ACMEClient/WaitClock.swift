/// The clock an ``ACMEClient`` waits on — `Retry-After`, polling intervals — and measures its
/// polling time limit with. Any `Clock` counting in `Duration` fits: `ContinuousClock` in
/// production, a clock that records each wait and returns at once in tests.
struct WaitClock: Sendable {
    /// Time since the clock was wrapped.
    let elapsed: @Sendable () -> Duration
    let sleep: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        self.elapsed = { origin.duration(to: clock.now) }
        self.sleep = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
    }
}
