import CairnTestSupport
import CertificateManager
import Foundation

/// `count` synthetic declared certificates in eleven states, with the persisted state of each
/// and the decision each must get, worked out from how it was built rather than by the code
/// under test. `run()` is one scheduling pass: what the manager does every time it wakes.
struct SchedulingPassFixture {
    struct Certificate {
        var declared: DeclaredCertificateEssentials
        var installed: InstalledCertificateFacts?
        var renewalInfo: ARISchedule?
        var backoff = RetryBackoff()
        var fallback = IssuerFallback()
    }

    struct Expected {
        var actAt: Date
        var reason: RenewalReason
        var issuer: String
    }

    let now: Date
    private(set) var certificates: [Certificate] = []
    private(set) var expected: [Expected] = []
    private(set) var budget = OrderBudget()

    init(count: Int, now: Date) throws {
        self.now = now
        let day: TimeInterval = 86_400
        var generator = SplitMix64(seed: 10_000)
        // One account whose 300 orders per 3 hours are used up, the oldest an hour ago.
        for i in 0..<300 { budget.recordOrder(account: "busy", at: now.addingTimeInterval(-3600 + Double(i))) }

        for index in 0..<count {
            let names = ["c\(index).example.org", "*.c\(index).example.org", "www.c\(index).example.net"]
            var certificate = Certificate(
                declared: .init(name: "c\(index)", domains: names, keyType: "ec256", issuers: ["le", "zerossl"]))
            // Installed as declared, names in another order and case, 10 days into 90.
            let current = InstalledCertificateFacts(
                notBefore: now.addingTimeInterval(-10 * day), notAfter: now.addingTimeInterval(80 * day),
                domains: names.reversed().map { $0.uppercased() }, keyType: "EC256")
            var expected = Expected(actAt: now, reason: .missing, issuer: "le")

            switch index % 11 {
            case 0:  // missing
                break
            case 1:  // a name added to the declaration
                certificate.installed = current
                certificate.declared.domains.append("api.c\(index).example.org")
                expected.reason = .changed(.domains)
            case 2:  // another key type
                certificate.installed = current
                certificate.declared.keyType = "rsa2048"
                expected.reason = .changed(.keyType)
            case 3:  // 90-day certificate, no ARI: day 60
                let age = Double(index % 50) * day
                certificate.installed = current
                certificate.installed!.notBefore = now.addingTimeInterval(-age)
                certificate.installed!.notAfter = now.addingTimeInterval(90 * day - age)
                expected = .init(
                    actAt: now.addingTimeInterval(60 * day - age), reason: .lifetimeFraction(.twoThirds), issuer: "le")
            case 4:  // 6-day certificate, a day old: day 3
                certificate.installed = current
                certificate.installed!.notBefore = now.addingTimeInterval(-day)
                certificate.installed!.notAfter = now.addingTimeInterval(5 * day)
                expected = .init(actAt: now.addingTimeInterval(2 * day), reason: .lifetimeFraction(.half), issuer: "le")
            case 5:  // ARI window opening in a few hours
                certificate.installed = current
                let start = now.addingTimeInterval(Double(index % 24) * 3600)
                let window = try ARIWindow(start: start, end: start.addingTimeInterval(day), explanationURL: "u")
                    .unwrap()
                let schedule = ARISchedule(window: window, retryAfter: nil, fetchedAt: now, using: &generator)
                certificate.renewalInfo = schedule
                expected = .init(actAt: schedule.renewalTime, reason: .ariWindow(explanationURL: "u"), issuer: "le")
            case 6:  // failed 1 to 5 times, the CA asked for two days
                let failures = 1 + index % 5
                for _ in 0..<failures {
                    certificate.backoff.recordFailure(at: now, retryAfter: .seconds(2 * 86_400), using: &generator)
                }
                expected = .init(
                    actAt: now.addingTimeInterval(2 * day), reason: .backoff(failures: failures), issuer: "le")
            case 7:  // five certificates for this exact set this week, the first an hour ago
                for i in 0..<5 {
                    budget.recordIssued(
                        names: names.map { $0.uppercased() }, at: now.addingTimeInterval(-3600 + Double(i)))
                }
                expected = .init(
                    actAt: now.addingTimeInterval(167 * 3600), reason: .rateLimit(.certificatesPerExactNameSet),
                    issuer: "le")
            case 8:  // the preferred issuer used its attempts
                for _ in 0..<IssuerFallback.attemptsPerIssuer { certificate.fallback.recordFailure(issuer: "le") }
                expected.issuer = "zerossl"
            case 9:  // expired, with a stale ARI window: renew now
                certificate.installed = current
                certificate.installed!.notBefore = now.addingTimeInterval(-100 * day)
                certificate.installed!.notAfter = now.addingTimeInterval(-10 * day)
                let window = try ARIWindow(start: now.addingTimeInterval(day), end: now.addingTimeInterval(2 * day))
                    .unwrap()
                certificate.renewalInfo = ARISchedule(
                    window: window, retryAfter: nil, fetchedAt: now, using: &generator)
                expected.reason = .lifetimeFraction(.twoThirds)
            default:  // ordering through the account with no orders left
                certificate.declared.issuers = ["busy"]
                expected = .init(
                    actAt: now.addingTimeInterval(-3600 + 3 * 3600), reason: .rateLimit(.newOrdersPerAccount),
                    issuer: "busy")
            }
            certificates.append(certificate)
            self.expected.append(expected)
        }
    }

    /// One scheduling pass at ``now``.
    func run() -> [RenewalDecision] {
        certificates.map { certificate in
            RenewalDecision.decide(
                certificate.declared, installed: certificate.installed, renewalInfo: certificate.renewalInfo,
                backoff: certificate.backoff, fallback: certificate.fallback, budget: budget, now: now)
        }
    }
}

extension Optional {
    fileprivate func unwrap() throws -> Wrapped {
        guard let self else { throw FixtureError() }
        return self
    }
}

private struct FixtureError: Error {}
