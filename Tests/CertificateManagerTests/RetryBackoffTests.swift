import CairnTestSupport
import Foundation
import Testing

@testable import CertificateManager

/// The wait after failed attempts: doubling from a minute, capped at a day, jittered in
/// [ceiling / 2, ceiling], never shorter than the CA's Retry-After, persisted across restarts.
@Suite struct RetryBackoffTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func theCeilingDoublesFromOneMinuteAndStopsAtOneDay() {
        #expect(RetryBackoff.ceiling(afterFailures: 0) == .zero)
        let expected: [Duration] = [
            .seconds(60), .seconds(120), .seconds(240), .seconds(480), .seconds(960), .seconds(1920),
            .seconds(3840), .seconds(7680), .seconds(15_360), .seconds(30_720), .seconds(61_440),
            .seconds(86_400), .seconds(86_400),
        ]
        for (index, ceiling) in expected.enumerated() {
            #expect(RetryBackoff.ceiling(afterFailures: index + 1) == ceiling, "after \(index + 1) failures")
        }
        // No overflow however long a certificate keeps failing.
        #expect(RetryBackoff.ceiling(afterFailures: 64) == .seconds(86_400))
        #expect(RetryBackoff.ceiling(afterFailures: Int.max) == .seconds(86_400))
    }

    @Test func eachWaitIsJitteredBetweenHalfTheCeilingAndTheCeiling() {
        var generator = SplitMix64(seed: 7)
        for failures in [1, 5, 12] {
            let ceiling = RetryBackoff.ceiling(afterFailures: failures) / .seconds(1)
            var shortest = Double.infinity
            var longest = 0.0
            for _ in 0..<500 {
                var backoff = RetryBackoff()
                for _ in 1..<failures { backoff.recordFailure(at: t0, using: &generator) }
                let wait = backoff.recordFailure(at: t0, using: &generator).timeIntervalSince(t0)
                #expect(wait >= ceiling / 2 && wait <= ceiling)
                shortest = min(shortest, wait)
                longest = max(longest, wait)
            }
            // Spread over the whole range, not pinned to one end.
            #expect(shortest < ceiling * 0.52)
            #expect(longest > ceiling * 0.98)
        }
    }

    @Test func failuresAccumulateAndTheNextAttemptWaits() {
        var generator = SplitMix64(seed: 8)
        var backoff = RetryBackoff()
        #expect(backoff.failures == 0)
        #expect(backoff.nextAttempt == nil)
        #expect(backoff.allowsAttempt(at: t0))

        let first = backoff.recordFailure(at: t0, using: &generator)
        #expect(backoff.failures == 1)
        #expect(backoff.lastFailure == t0)
        #expect(backoff.nextAttempt == first)
        #expect(!backoff.allowsAttempt(at: t0))
        #expect(!backoff.allowsAttempt(at: first.addingTimeInterval(-0.001)))
        #expect(backoff.allowsAttempt(at: first))

        let second = backoff.recordFailure(at: first, using: &generator)
        #expect(backoff.failures == 2)
        #expect(backoff.lastFailure == first)
        let wait = second.timeIntervalSince(first)
        #expect(wait >= 60 && wait <= 120)
    }

    @Test func aLongerRetryAfterFromTheCAIsObeyed() {
        var generator = SplitMix64(seed: 9)
        var backoff = RetryBackoff()
        // Computed: at most 60 s. The CA says an hour: an hour.
        let next = backoff.recordFailure(at: t0, retryAfter: .seconds(3600), using: &generator)
        #expect(next == t0.addingTimeInterval(3600))
    }

    @Test func aShorterRetryAfterDoesNotShortenTheBackoff() {
        var generator = SplitMix64(seed: 10)
        var backoff = RetryBackoff()
        for _ in 0..<4 { backoff.recordFailure(at: t0, using: &generator) }
        // Fifth failure: ceiling 960 s, so at least 480 s, whatever the CA's 5 s says.
        let wait = backoff.recordFailure(at: t0, retryAfter: .seconds(5), using: &generator).timeIntervalSince(t0)
        #expect(wait >= 480 && wait <= 960)
    }

    @Test func anAbsurdRetryAfterIsCappedAtSevenDays() {
        var generator = SplitMix64(seed: 11)
        var backoff = RetryBackoff()
        let next = backoff.recordFailure(at: t0, retryAfter: .seconds(365 * 86_400), using: &generator)
        #expect(next == t0.addingTimeInterval(7 * 86_400))
    }

    @Test func resetForgetsEveryFailure() {
        var generator = SplitMix64(seed: 12)
        var backoff = RetryBackoff()
        for _ in 0..<6 { backoff.recordFailure(at: t0, using: &generator) }
        backoff.reset()
        #expect(backoff == RetryBackoff())
        #expect(backoff.failures == 0)
        #expect(backoff.lastFailure == nil)
        #expect(backoff.allowsAttempt(at: t0))
        // And the next failure starts from one minute again.
        let wait = backoff.recordFailure(at: t0, using: &generator).timeIntervalSince(t0)
        #expect(wait >= 30 && wait <= 60)
    }

    @Test func theStateSurvivesARestart() throws {
        var generator = SplitMix64(seed: 13)
        var backoff = RetryBackoff()
        for _ in 0..<3 { backoff.recordFailure(at: t0, using: &generator) }
        let stored = try JSONEncoder().encode(backoff)

        var restored = try JSONDecoder().decode(RetryBackoff.self, from: stored)
        #expect(restored == backoff)
        #expect(restored.failures == 3)
        #expect(restored.nextAttempt == backoff.nextAttempt)
        #expect(!restored.allowsAttempt(at: t0))
        // The count goes on where it stopped: the fourth failure's ceiling is 480 s.
        let wait = restored.recordFailure(at: t0, using: &generator).timeIntervalSince(t0)
        #expect(wait >= 240 && wait <= 480)
        #expect(restored.failures == 4)
    }
}
