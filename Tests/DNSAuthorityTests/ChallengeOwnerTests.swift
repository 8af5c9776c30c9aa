import DNSAuthority
import Foundation
import Testing

/// Owners are held compactly when they are the usual `registration:<uuid>` or `token:<uuid>`,
/// and always give back the text they were made from.
@Suite struct ChallengeOwnerTests {
    @Test(arguments: [
        "registration:0b7f6a5e-3c1d-4e2f-9a8b-7c6d5e4f3a2b",
        "token:00000000-0000-0000-0000-000000000000",
        "registration:0B7F6A5E-3C1D-4E2F-9A8B-7C6D5E4F3A2B",  // not the form Cairn writes: kept as text
        "registration:bench42",
        "registration:0b7f6a5e3-c1d-4e2f-9a8b-7c6d5e4f3a2b",  // a hyphen out of place
        "registration:0b7f6a5e-3c1d-4e2f-9a8b-7c6d5e4f3a2g",  // not hex
        "registration:0b7f6a5e-3c1d-4e2f-9a8b-7c6d5e4f3a2b0",  // one digit too many
        "token:ffffffff-ffff-ffff-ffff-ffffffffffff",
        "token:my-token",
        "certificate:www.example.com",
        "cairn-issue",
        "registration:",
        "",
    ])
    func theRawValueIsTheTextTheOwnerWasMadeFrom(text: String) {
        let owner = ChallengeOwner(rawValue: text)
        #expect(owner.rawValue == text)
        #expect(owner.description == text)
        #expect(owner == ChallengeOwner(rawValue: text))
        #expect(owner.hashValue == ChallengeOwner(rawValue: text).hashValue)
    }

    @Test func ownersWithDifferentTextDiffer() {
        let texts = [
            "registration:0b7f6a5e-3c1d-4e2f-9a8b-7c6d5e4f3a2b",
            "token:0b7f6a5e-3c1d-4e2f-9a8b-7c6d5e4f3a2b",
            "registration:0B7F6A5E-3C1D-4E2F-9A8B-7C6D5E4F3A2B",
            "registration:0b7f6a5e-3c1d-4e2f-9a8b-7c6d5e4f3a2c",
        ]
        #expect(Set(texts.map { ChallengeOwner(rawValue: $0) }).count == texts.count)
    }

    @Test func everyUUIDCairnMakesRoundTrips() {
        for _ in 0..<1000 {
            let text = "registration:\(UUID().uuidString.lowercased())"
            #expect(ChallengeOwner(rawValue: text).rawValue == text)
        }
    }
}
