import Foundation
import Testing

@testable import CertificateManager

/// The preferred issuer while it has attempts left, then the next; every issuer used up means
/// starting again from the first; a success starts over from the first.
@Suite struct IssuerFallbackTests {
    let issuers = ["letsencrypt", "zerossl", "buypass"]

    @Test func thePreferredIssuerIsUsedWhileItHasAttemptsLeft() throws {
        var fallback = IssuerFallback()
        #expect(fallback.choose(from: issuers) == .init(issuer: "letsencrypt", index: 0, round: 0))
        for _ in 1..<IssuerFallback.attemptsPerIssuer {
            fallback.recordFailure(issuer: "letsencrypt")
            #expect(fallback.choose(from: issuers)?.issuer == "letsencrypt")
        }
    }

    @Test func afterThreeFailuresTheNextIssuerIsUsed() throws {
        var fallback = IssuerFallback()
        var chosen: [String] = []
        for _ in 0..<9 {
            let choice = try #require(fallback.choose(from: issuers))
            #expect(!choice.startedOver)
            chosen.append(choice.issuer)
            fallback.recordFailure(issuer: choice.issuer)
        }
        #expect(
            chosen == [
                "letsencrypt", "letsencrypt", "letsencrypt", "zerossl", "zerossl", "zerossl", "buypass", "buypass",
                "buypass",
            ])
        #expect(fallback.failures == ["letsencrypt": 3, "zerossl": 3, "buypass": 3])
    }

    @Test func whenEveryIssuerIsUsedUpItStartsAgainFromTheFirstAndSaysSo() throws {
        var fallback = IssuerFallback()
        for issuer in issuers {
            for _ in 0..<IssuerFallback.attemptsPerIssuer { fallback.recordFailure(issuer: issuer) }
        }
        let again = try #require(fallback.choose(from: issuers))
        #expect(again == .init(issuer: "letsencrypt", index: 0, round: 1))
        #expect(again.startedOver)
        #expect(again.description == "letsencrypt (every issuer used its 3 attempts; starting over, round 2)")

        // The second round falls back the same way.
        for _ in 0..<3 { fallback.recordFailure(issuer: "letsencrypt") }
        #expect(fallback.choose(from: issuers) == .init(issuer: "zerossl", index: 1, round: 1))
        #expect(
            fallback.choose(from: issuers)?.description
                == "zerossl (fallback #1) (every issuer used its 3 attempts; starting over, round 2)")
    }

    @Test func aSuccessStartsOverFromThePreferredIssuer() throws {
        var fallback = IssuerFallback()
        for _ in 0..<3 { fallback.recordFailure(issuer: "letsencrypt") }
        fallback.recordFailure(issuer: "zerossl")
        #expect(fallback.choose(from: issuers)?.issuer == "zerossl")
        fallback.recordSuccess()
        #expect(fallback.failures.isEmpty)
        #expect(fallback.choose(from: issuers) == .init(issuer: "letsencrypt", index: 0, round: 0))
    }

    @Test func editingTheIssuerListKeepsWhatIsKnown() throws {
        var fallback = IssuerFallback()
        for _ in 0..<3 { fallback.recordFailure(issuer: "letsencrypt") }
        // Reordered: the used-up issuer is skipped wherever it is.
        #expect(fallback.choose(from: ["zerossl", "letsencrypt"]) == .init(issuer: "zerossl", index: 0, round: 0))
        // A new issuer, with no failures, is used before starting a new round.
        for _ in 0..<3 { fallback.recordFailure(issuer: "zerossl") }
        #expect(
            fallback.choose(from: ["letsencrypt", "zerossl", "google"]) == .init(issuer: "google", index: 2, round: 0))
        // A single used-up issuer starts over by itself.
        #expect(fallback.choose(from: ["letsencrypt"]) == .init(issuer: "letsencrypt", index: 0, round: 1))
        #expect(fallback.choose(from: []) == nil)
    }

    @Test func theCountsSurviveARestart() throws {
        var fallback = IssuerFallback()
        for _ in 0..<4 { fallback.recordFailure(issuer: "letsencrypt") }
        let restored = try JSONDecoder().decode(IssuerFallback.self, from: JSONEncoder().encode(fallback))
        #expect(restored == fallback)
        #expect(restored.choose(from: issuers)?.issuer == "zerossl")
    }

    @Test func descriptionsNameTheFallback() {
        #expect(IssuerFallback.Choice(issuer: "le", index: 0, round: 0).description == "le")
        #expect(IssuerFallback.Choice(issuer: "zerossl", index: 1, round: 0).description == "zerossl (fallback #1)")
    }
}
