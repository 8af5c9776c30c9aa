/// Waits between polls: the CA's `Retry-After` when it gives one, else a growing interval;
/// fails once the configured time limit has passed on the client's clock.
struct Backoff {
    let configuration: ACMEClientConfiguration
    let clock: WaitClock
    let start: Duration
    var interval: Double

    init(configuration: ACMEClientConfiguration, clock: WaitClock) {
        self.configuration = configuration
        self.clock = clock
        self.start = clock.elapsed()
        self.interval = configuration.initialPollIntervalSeconds
    }

    mutating func wait(retryAfter: Double?, what: String, url: String) async throws {
        let elapsed = clock.elapsed() - start
        let delay = min(retryAfter ?? interval, configuration.maximumRetryAfterSeconds)
        if elapsed + .seconds(delay) > .seconds(configuration.pollTimeoutSeconds) {
            throw ACMEError(
                .timeout,
                detail: "\(what) still pending after \(elapsed) (limit \(configuration.pollTimeoutSeconds) s)",
                url: url)
        }
        try await clock.sleep(.seconds(delay))
        interval = min(interval * 1.5, configuration.maximumPollIntervalSeconds)
    }
}
