import ACMEClient
import CairnTestSupport
import Foundation
import Testing

@testable import CertificateManager

/// When a certificate falls due: a fraction of its lifetime, or a time drawn once in the CA's
/// ARI window (RFC 9773 §4.2), and how often `renewalInfo` is fetched again (§4.3).
@Suite struct RenewalPolicyTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)
    let day: TimeInterval = 24 * 3600

    // MARK: Lifetime fractions

    @Test func shortLivedCertificatesRenewAtHalfTheirLifetime() {
        // Let's Encrypt's 6-day certificate: due after 3 days, not 4.
        let six = RenewalPolicy.lifetimeRenewalTime(notBefore: t0, notAfter: t0 + 6 * day)
        #expect(six.fraction == .half)
        #expect(six.time == t0 + 3 * day)
        // One second under 10 days is still short.
        let almostTen = RenewalPolicy.lifetimeRenewalTime(notBefore: t0, notAfter: t0 + 10 * day - 1)
        #expect(almostTen.fraction == .half)
        #expect(almostTen.time == t0 + (10 * day - 1) / 2)
    }

    @Test func certificatesOfTenDaysOrMoreRenewAtTwoThirds() {
        let ten = RenewalPolicy.lifetimeRenewalTime(notBefore: t0, notAfter: t0 + 10 * day)
        #expect(ten.fraction == .twoThirds)
        #expect(abs(ten.time.timeIntervalSince(t0 + 10 * day * 2 / 3)) < 0.001)
        let ninety = RenewalPolicy.lifetimeRenewalTime(notBefore: t0, notAfter: t0 + 90 * day)
        #expect(ninety.fraction == .twoThirds)
        #expect(abs(ninety.time.timeIntervalSince(t0 + 60 * day)) < 0.001)
    }

    // MARK: ARI window

    @Test func ariTimesAreDrawnUniformlyInsideAFutureWindow() throws {
        let window = try #require(ARIWindow(start: t0 + 10 * day, end: t0 + 12 * day))
        let span = 2 * day
        var generator = SplitMix64(seed: 1)
        var buckets = [Int](repeating: 0, count: 10)
        var earliest = Date.distantFuture
        var latest = Date.distantPast
        for _ in 0..<1000 {
            let time = RenewalPolicy.ariRenewalTime(in: window, now: t0, using: &generator)
            #expect(time >= window.start && time < window.end)
            earliest = min(earliest, time)
            latest = max(latest, time)
            let bucket = Int(time.timeIntervalSince(window.start) / span * 10)
            buckets[min(bucket, 9)] += 1
        }
        // Over 1,000 draws the extremes come within 1 % of the window's edges...
        #expect(earliest.timeIntervalSince(window.start) < span / 100)
        #expect(window.end.timeIntervalSince(latest) < span / 100)
        // ...and each tenth of the window gets about a tenth of the draws (a draw biased to one
        // end or squeezed into the middle would leave buckets near 0 or 200).
        for count in buckets { #expect((60...140).contains(count), "buckets: \(buckets)") }
    }

    @Test func aWindowAlreadyClosedMeansNow() throws {
        let window = try #require(ARIWindow(start: t0 - 2 * day, end: t0 - day))
        var generator = SplitMix64(seed: 2)
        #expect(RenewalPolicy.ariRenewalTime(in: window, now: t0, using: &generator) == t0)
        // Closing exactly now counts as closed: the end is exclusive.
        let closingNow = try #require(ARIWindow(start: t0 - day, end: t0))
        #expect(RenewalPolicy.ariRenewalTime(in: closingNow, now: t0, using: &generator) == t0)
    }

    @Test func aWindowAlreadyOpenIsDrawnFromNowToItsEnd() throws {
        // Three quarters of the window have passed: every draw lands in the last quarter,
        // spread over it, and none before now.
        let window = try #require(ARIWindow(start: t0 - 3 * day, end: t0 + day))
        var generator = SplitMix64(seed: 3)
        var earliest = Date.distantFuture
        var latest = Date.distantPast
        var firstHalf = 0
        for _ in 0..<1000 {
            let time = RenewalPolicy.ariRenewalTime(in: window, now: t0, using: &generator)
            #expect(time >= t0 && time < window.end)
            earliest = min(earliest, time)
            latest = max(latest, time)
            if time < t0 + day / 2 { firstHalf += 1 }
        }
        #expect(earliest.timeIntervalSince(t0) < day / 100)
        #expect(window.end.timeIntervalSince(latest) < day / 100)
        #expect((430...570).contains(firstHalf))
    }

    @Test func theSameSeedDrawsTheSameTimes() throws {
        let window = try #require(ARIWindow(start: t0, end: t0 + day))
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        var c = SplitMix64(seed: 43)
        let first = RenewalPolicy.ariRenewalTime(in: window, now: t0, using: &a)
        #expect(first == RenewalPolicy.ariRenewalTime(in: window, now: t0, using: &b))
        #expect(first != RenewalPolicy.ariRenewalTime(in: window, now: t0, using: &c))
    }

    @Test func aWindowThatDoesNotEndAfterItStartsIsInvalid() {
        // RFC 9773 §4.2: treated as a failed fetch.
        #expect(ARIWindow(start: t0, end: t0) == nil)
        #expect(ARIWindow(start: t0, end: t0 - 1) == nil)
        #expect(ARIWindow(start: t0, end: t0 + 1) != nil)
    }

    @Test func aRenewalInfoResponseBecomesAWindowWithItsExplanation() throws {
        let info = try renewalInfo(
            #"{"suggestedWindow": {"start": "2025-01-02T04:00:00Z", "end": "2025-01-03T04:00:00.5+01:00"}, "#
                + #""explanationURL": "https://ca.example/docs/ari"}"#)
        let window = try #require(ARIWindow(info))
        #expect(window.start == Date(timeIntervalSince1970: 1_735_790_400))
        #expect(window.end == Date(timeIntervalSince1970: 1_735_790_400 + 86_400 - 3600 + 0.5))
        #expect(window.explanationURL == "https://ca.example/docs/ari")

        let garbled = try renewalInfo(#"{"suggestedWindow": {"start": "yesterday", "end": "2025-01-03T04:00:00Z"}}"#)
        #expect(ARIWindow(garbled) == nil)
        let backwards = try renewalInfo(
            #"{"suggestedWindow": {"start": "2025-01-03T04:00:00Z", "end": "2025-01-02T04:00:00Z"}}"#)
        #expect(ARIWindow(backwards) == nil)
    }

    // MARK: ARI schedule

    @Test func theRenewalTimeIsChosenOncePerWindow() throws {
        let window = try #require(ARIWindow(start: t0 + 10 * day, end: t0 + 12 * day, explanationURL: "u"))
        var generator = SplitMix64(seed: 4)
        let first = ARISchedule(window: window, retryAfter: .seconds(6 * 3600), fetchedAt: t0, using: &generator)
        #expect(first.renewalTime >= window.start && first.renewalTime < window.end)
        #expect(first.nextFetch == t0 + 6 * 3600)

        // Fetched again, same window: the time stays; the next fetch moves.
        let later = t0 + 6 * 3600
        let again = ARISchedule(
            window: window, retryAfter: .seconds(3600), fetchedAt: later, previous: first, using: &generator)
        #expect(again.renewalTime == first.renewalTime)
        #expect(again.nextFetch == later + 3600)

        // The CA moved the window (say, ahead of a revocation): a new time, inside the new window.
        let moved = try #require(ARIWindow(start: t0 + day, end: t0 + 2 * day))
        let redrawn = ARISchedule(
            window: moved, retryAfter: nil, fetchedAt: later, previous: again, using: &generator)
        #expect(redrawn.renewalTime >= moved.start && redrawn.renewalTime < moved.end)
        #expect(redrawn.nextFetch == later + 6 * 3600)
    }

    @Test func aFailedFetchKeepsTheTimeAndDefersTheNextFetch() throws {
        let window = try #require(ARIWindow(start: t0 + day, end: t0 + 2 * day))
        var generator = SplitMix64(seed: 5)
        var schedule = ARISchedule(window: window, retryAfter: .seconds(60), fetchedAt: t0, using: &generator)
        let time = schedule.renewalTime
        schedule.deferFetch(until: t0 + 6 * 3600)
        #expect(schedule.renewalTime == time)
        #expect(schedule.nextFetch == t0 + 6 * 3600)
    }

    @Test func renewalInfoRetryAfterIsClampedBetweenAMinuteAndADay() {
        // RFC 9773 §4.3.2.
        #expect(RenewalPolicy.renewalInfoFetchTime(retryAfter: .seconds(10), now: t0) == t0 + 60)
        #expect(RenewalPolicy.renewalInfoFetchTime(retryAfter: .zero, now: t0) == t0 + 60)
        #expect(RenewalPolicy.renewalInfoFetchTime(retryAfter: .seconds(-5), now: t0) == t0 + 60)
        #expect(RenewalPolicy.renewalInfoFetchTime(retryAfter: .seconds(21_600), now: t0) == t0 + 21_600)
        #expect(RenewalPolicy.renewalInfoFetchTime(retryAfter: .seconds(3 * 86_400), now: t0) == t0 + day)
        // No Retry-After is a long-term error (RFC 9773 §4.3.3): six hours.
        #expect(RenewalPolicy.renewalInfoFetchTime(retryAfter: nil, now: t0) == t0 + 6 * 3600)
    }

    // MARK: Changes

    @Test func namesAreComparedAsSetsIgnoringCaseAndOrder() {
        let declared = DeclaredCertificateEssentials(
            name: "web", domains: ["Example.org", "*.example.org", "www.example.net"], keyType: "ec256",
            issuers: ["le"])
        var installed = InstalledCertificateFacts(
            notBefore: t0, notAfter: t0 + 90 * day, domains: ["www.example.net", "*.EXAMPLE.org", "example.org"],
            keyType: "EC256")
        #expect(RenewalPolicy.changes(declared: declared, installed: installed).isEmpty)

        installed.domains = ["example.org", "*.example.org"]
        #expect(RenewalPolicy.changes(declared: declared, installed: installed) == [.domains])
        installed.domains = ["example.org", "*.example.org", "www.example.net", "extra.example.org"]
        #expect(RenewalPolicy.changes(declared: declared, installed: installed) == [.domains])

        installed.keyType = "rsa2048"
        #expect(RenewalPolicy.changes(declared: declared, installed: installed) == [.domains, .keyType])
        installed.domains = declared.domains
        #expect(RenewalPolicy.changes(declared: declared, installed: installed) == [.keyType])
    }

    private func renewalInfo(_ json: String) throws -> RenewalInfo {
        try JSONDecoder().decode(RenewalInfo.self, from: Data(json.utf8))
    }
}
