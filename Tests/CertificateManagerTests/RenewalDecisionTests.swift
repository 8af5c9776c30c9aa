import CairnTestSupport
import Foundation
import Testing

@testable import CertificateManager

/// One scheduling decision per declared certificate: when it falls due, what holds it back
/// (backoff, rate limits), and which issuer to use.
@Suite struct RenewalDecisionTests {
    let t0 = Date(timeIntervalSince1970: 1_750_000_000)
    let day: TimeInterval = 86_400
    let declared = DeclaredCertificateEssentials(
        name: "web", domains: ["example.org", "*.example.org"], keyType: "ec256", issuers: ["le", "zerossl"])

    /// A 90-day certificate for `declared`, issued `age` seconds before `t0`.
    func installed(age: TimeInterval, lifetime: TimeInterval = 90 * 86_400) -> InstalledCertificateFacts {
        InstalledCertificateFacts(
            notBefore: t0.addingTimeInterval(-age), notAfter: t0.addingTimeInterval(lifetime - age),
            domains: ["*.example.org", "example.org"], keyType: "ec256")
    }

    func decide(
        installed: InstalledCertificateFacts?, renewalInfo: ARISchedule? = nil, backoff: RetryBackoff = .init(),
        fallback: IssuerFallback = .init(), budget: OrderBudget = .init(), now: Date? = nil
    ) -> RenewalDecision {
        RenewalDecision.decide(
            declared, installed: installed, renewalInfo: renewalInfo, backoff: backoff, fallback: fallback,
            budget: budget, now: now ?? t0)
    }

    func schedule(start: TimeInterval, end: TimeInterval, url: String? = nil, seed: UInt64 = 1) throws -> ARISchedule {
        let window = try #require(
            ARIWindow(start: t0.addingTimeInterval(start), end: t0.addingTimeInterval(end), explanationURL: url))
        var generator = SplitMix64(seed: seed)
        return ARISchedule(window: window, retryAfter: .seconds(3600), fetchedAt: t0, using: &generator)
    }

    @Test func aMissingCertificateIsIssuedNowFromThePreferredIssuer() {
        let decision = decide(installed: nil)
        #expect(decision.actAt == t0)
        #expect(decision.isDue(at: t0))
        #expect(decision.reason == .missing)
        #expect(decision.dueReason == .missing)
        #expect(decision.issuer == .init(issuer: "le", index: 0, round: 0))
        #expect(decision.certificate == "web")
        #expect(decision.nextRenewalInfoFetch == nil)
    }

    @Test func changedNamesOrKeyTypeMeanRenewNow() {
        var other = installed(age: day)
        other.domains = ["example.org"]
        #expect(decide(installed: other).reason == .changed(.domains))
        #expect(decide(installed: other).actAt == t0)

        other = installed(age: day)
        other.keyType = "rsa2048"
        #expect(decide(installed: other).reason == .changed(.keyType))
        #expect(decide(installed: other).actAt == t0)

        // The same names in another order and case are no change: due at 2/3 of the lifetime.
        var same = installed(age: day)
        same.domains = ["EXAMPLE.org", "*.example.ORG"]
        same.keyType = "EC256"
        let decision = decide(installed: same)
        #expect(decision.reason == .lifetimeFraction(.twoThirds))
        #expect(abs(decision.actAt.timeIntervalSince(t0.addingTimeInterval(59 * day))) < 0.001)
    }

    @Test func withoutARIAFractionOfTheLifetimeDecides() {
        // 90 days, 10 days old: due on day 60.
        let long = decide(installed: installed(age: 10 * day))
        #expect(long.reason == .lifetimeFraction(.twoThirds))
        #expect(abs(long.actAt.timeIntervalSince(t0.addingTimeInterval(50 * day))) < 0.001)
        #expect(!long.isDue(at: t0))
        // 6 days, 1 day old: due on day 3.
        let short = decide(installed: installed(age: day, lifetime: 6 * day))
        #expect(short.reason == .lifetimeFraction(.half))
        #expect(short.actAt == t0.addingTimeInterval(2 * day))
        // Past its due time: now, and the due time says how late.
        let late = decide(installed: installed(age: 70 * day))
        #expect(late.actAt == t0)
        #expect(late.isDue(at: t0))
        #expect(abs(late.dueAt.timeIntervalSince(t0.addingTimeInterval(-10 * day))) < 0.001)
    }

    @Test func anARIWindowDecidesWhenThereIsOne() throws {
        let ari = try schedule(start: 20 * day, end: 22 * day, url: "https://ca.example/why")
        let decision = decide(installed: installed(age: 10 * day), renewalInfo: ari)
        #expect(decision.actAt == ari.renewalTime)
        #expect(decision.actAt >= t0.addingTimeInterval(20 * day) && decision.actAt < t0.addingTimeInterval(22 * day))
        #expect(decision.reason == .ariWindow(explanationURL: "https://ca.example/why"))
        #expect(decision.nextRenewalInfoFetch == t0.addingTimeInterval(3600))
        #expect(decision.wakeAt == t0.addingTimeInterval(3600))

        // A window in the past: now.
        let past = try schedule(start: -2 * day, end: -day)
        #expect(decide(installed: installed(age: 10 * day), renewalInfo: past).actAt == t0)
        #expect(
            decide(installed: installed(age: 10 * day), renewalInfo: past).reason == .ariWindow(explanationURL: nil))
    }

    @Test func aChangeOverridesTheARIWindow() throws {
        var other = installed(age: day)
        other.domains.append("www.example.org")
        let decision = decide(installed: other, renewalInfo: try schedule(start: 20 * day, end: 22 * day))
        #expect(decision.reason == .changed(.domains))
        #expect(decision.actAt == t0)
    }

    @Test func ariIsIgnoredOnceTheCertificateHasExpiredOrWhenItWouldLetItLapse() throws {
        // Expired: no more renewalInfo fetches (RFC 9773 §4.3), renew now on the lifetime rule.
        let expired = decide(
            installed: installed(age: 91 * day), renewalInfo: try schedule(start: 5 * day, end: 6 * day))
        #expect(expired.reason == .lifetimeFraction(.twoThirds))
        #expect(expired.actAt == t0)
        #expect(expired.nextRenewalInfoFetch == nil)
        // A window after notAfter would leave the certificate to expire: the lifetime rule wins.
        let lapsing = decide(
            installed: installed(age: 10 * day), renewalInfo: try schedule(start: 81 * day, end: 90 * day))
        #expect(lapsing.reason == .lifetimeFraction(.twoThirds))
        #expect(lapsing.nextRenewalInfoFetch == t0.addingTimeInterval(3600))
    }

    @Test func backoffPushesBackADueCertificate() throws {
        var generator = SplitMix64(seed: 3)
        var backoff = RetryBackoff()
        backoff.recordFailure(at: t0, using: &generator)
        backoff.recordFailure(at: t0, using: &generator)
        let next = try #require(backoff.nextAttempt)
        let decision = decide(installed: nil, backoff: backoff)
        #expect(decision.actAt == next)
        #expect(decision.reason == .backoff(failures: 2))
        #expect(decision.dueReason == .missing)
        #expect(decision.dueAt == t0)
        #expect(!decision.isDue(at: t0))
        #expect(decision.isDue(at: next))
        // Once the backoff has passed, the certificate's own reason is back.
        let later = decide(installed: nil, backoff: backoff, now: next)
        #expect(later.reason == .missing)
        #expect(later.actAt == next)
    }

    @Test func backoffEndingBeforeTheDueTimeChangesNothing() {
        var generator = SplitMix64(seed: 4)
        var backoff = RetryBackoff()
        backoff.recordFailure(at: t0, using: &generator)
        let decision = decide(installed: installed(age: 10 * day), backoff: backoff)
        #expect(decision.reason == .lifetimeFraction(.twoThirds))
    }

    @Test func theRateLimitHoldsBackAnOrderThatWouldNotFit() {
        var budget = OrderBudget()
        for i in 0..<5 { budget.recordIssued(names: declared.domains, at: t0.addingTimeInterval(Double(i - 5) * 3600)) }
        let decision = decide(installed: nil, budget: budget)
        #expect(decision.reason == .rateLimit(.certificatesPerExactNameSet))
        #expect(decision.actAt == t0.addingTimeInterval(-5 * 3600 + 168 * 3600))
        #expect(decision.dueReason == .missing)

        // The budget is read at the due time: a renewal due after the window has room is not held.
        let notYet = decide(installed: installed(age: 10 * day), budget: budget)
        #expect(notYet.reason == .lifetimeFraction(.twoThirds))
    }

    @Test func theOrderLimitIsCountedForTheChosenIssuersAccount() {
        var budget = OrderBudget()
        for i in 0..<300 { budget.recordOrder(account: "le-account", at: t0.addingTimeInterval(Double(-i))) }
        let held = RenewalDecision.decide(
            declared, installed: nil, renewalInfo: nil, backoff: .init(), fallback: .init(), budget: budget,
            now: t0, account: { $0 == "le" ? "le-account" : "zerossl-account" })
        #expect(held.reason == .rateLimit(.newOrdersPerAccount))
        #expect(held.actAt == t0.addingTimeInterval(-299 + 3 * 3600))

        // Fallen back to zerossl: its account is free.
        var fallback = IssuerFallback()
        for _ in 0..<3 { fallback.recordFailure(issuer: "le") }
        let free = RenewalDecision.decide(
            declared, installed: nil, renewalInfo: nil, backoff: .init(), fallback: fallback, budget: budget,
            now: t0, account: { $0 == "le" ? "le-account" : "zerossl-account" })
        #expect(free.reason == .missing)
        #expect(free.issuer?.issuer == "zerossl")
    }

    @Test func rateLimitAndBackoffTogetherWaitForTheLater() {
        var generator = SplitMix64(seed: 5)
        var backoff = RetryBackoff()
        backoff.recordFailure(at: t0, retryAfter: .seconds(60), using: &generator)
        var budget = OrderBudget()
        for _ in 0..<5 { budget.recordIssued(names: declared.domains, at: t0) }
        let decision = decide(installed: nil, backoff: backoff, budget: budget)
        #expect(decision.reason == .rateLimit(.certificatesPerExactNameSet))
        #expect(decision.actAt == t0.addingTimeInterval(168 * 3600))
    }

    @Test func noIssuersMeansNoIssuerChoice() {
        let bare = DeclaredCertificateEssentials(name: "x", domains: ["x.example"], keyType: "ec256", issuers: [])
        let decision = RenewalDecision.decide(
            bare, installed: nil, renewalInfo: nil, backoff: .init(), fallback: .init(), budget: .init(), now: t0)
        #expect(decision.issuer == nil)
        #expect(decision.reason == .missing)
    }

    @Test func theDescriptionSaysWhenWhyAndWithWhom() {
        var generator = SplitMix64(seed: 6)
        var backoff = RetryBackoff()
        backoff.recordFailure(at: t0, retryAfter: .seconds(600), using: &generator)
        let decision = decide(installed: nil, backoff: backoff)
        #expect(
            decision.description
                == "web: 2025-06-15T15:16:40Z (backing off after 1 failed attempt), "
                + "due 2025-06-15T15:06:40Z (no certificate installed) via le")
    }

    /// A scheduling pass over 10,000 certificates in every state gives each its right decision.
    /// (The time of the pass is measured separately, in a release build.)
    @Test func aPassOver10000CertificatesDecidesEachCorrectly() throws {
        let pass = try SchedulingPassFixture(count: 10_000, now: t0)
        let decisions = pass.run()
        #expect(decisions.count == 10_000)
        for (index, decision) in decisions.enumerated() {
            let expected = pass.expected[index]
            #expect(decision.reason == expected.reason, "certificate \(index)")
            #expect(abs(decision.actAt.timeIntervalSince(expected.actAt)) < 0.001, "certificate \(index)")
            #expect(decision.issuer?.issuer == expected.issuer, "certificate \(index)")
        }
        // Every kind of decision is represented.
        let kinds = Set(decisions.map(\.reason).map(kind))
        #expect(kinds == ["missing", "changed", "ariWindow", "lifetimeFraction", "backoff", "rateLimit"])
        #expect(Set(decisions.compactMap(\.issuer?.issuer)) == ["le", "zerossl", "busy"])
    }

    private func kind(_ reason: RenewalReason) -> String {
        switch reason {
        case .missing: "missing"
        case .changed: "changed"
        case .ariWindow: "ariWindow"
        case .lifetimeFraction: "lifetimeFraction"
        case .backoff: "backoff"
        case .rateLimit: "rateLimit"
        }
    }
}
