/// Waits between polls: the CA's `Retry-After` when it gives one, else a growing interval;
/// fails once the configured time limit has passed.
struct Backoff {
    let configuration: ACMEClientConfiguration
    let start = ContinuousClock.now
    var interval: Double

    init(configuration: ACMEClientConfiguration) {
        self.configuration = configuration
        self.interval = configuration.initialPollIntervalSeconds
    }

    mutating func wait(retryAfter: Double?, what: String, url: String) async throws {
        let elapsed = ContinuousClock.now - start
        let delay = min(retryAfter ?? interval, configuration.maximumRetryAfterSeconds)
        if elapsed + .seconds(delay) > .seconds(configuration.pollTimeoutSeconds) {
            throw ACMEError(
                .timeout,
                detail: "\(what) still pending after \(elapsed) (limit \(configuration.pollTimeoutSeconds) s)",
                url: url)
        }
        try await Task.sleep(for: .seconds(delay))
        interval = min(interval * 1.5, configuration.maximumPollIntervalSeconds)
    }
}
