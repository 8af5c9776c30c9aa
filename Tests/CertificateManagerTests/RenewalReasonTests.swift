import Foundation
import Testing

@testable import CertificateManager

/// What `cairn certs` prints for each reason, and that reasons survive the control socket's JSON.
@Suite struct RenewalReasonTests {
    @Test func eachReasonReadsClearly() {
        #expect(RenewalReason.missing.description == "no certificate installed")
        #expect(RenewalReason.changed(.domains).description == "declared names changed")
        #expect(RenewalReason.changed(.keyType).description == "declared key type changed")
        #expect(RenewalReason.changed([.domains, .keyType]).description == "declared names and key type changed")
        #expect(RenewalReason.ariWindow(explanationURL: nil).description == "CA's suggested renewal window (ARI)")
        #expect(
            RenewalReason.ariWindow(explanationURL: "https://ca.example/incident").description
                == "CA's suggested renewal window (ARI), see https://ca.example/incident")
        #expect(RenewalReason.lifetimeFraction(.half).description == "1/2 of its lifetime")
        #expect(RenewalReason.lifetimeFraction(.twoThirds).description == "2/3 of its lifetime")
        #expect(RenewalReason.backoff(failures: 1).description == "backing off after 1 failed attempt")
        #expect(RenewalReason.backoff(failures: 4).description == "backing off after 4 failed attempts")
        #expect(
            RenewalReason.rateLimit(.newOrdersPerAccount).description == "CA rate limit: new orders per account")
        #expect(
            RenewalReason.rateLimit(.certificatesPerExactNameSet).description
                == "CA rate limit: certificates per exact set of names")
    }

    @Test func fractionsHaveTheirValues() {
        #expect(RenewalReason.LifetimeFraction.half.value == 0.5)
        #expect(abs(RenewalReason.LifetimeFraction.twoThirds.value - 2.0 / 3.0) < 1e-12)
    }

    @Test func reasonsRoundTripThroughJSON() throws {
        let reasons: [RenewalReason] = [
            .missing, .changed([.domains, .keyType]), .ariWindow(explanationURL: "https://ca.example"),
            .ariWindow(explanationURL: nil), .lifetimeFraction(.half), .backoff(failures: 3),
            .rateLimit(.certificatesPerExactNameSet),
        ]
        let decoded = try JSONDecoder().decode([RenewalReason].self, from: JSONEncoder().encode(reasons))
        #expect(decoded == reasons)
    }
}
