import DNSAuthority
import DNSWire
import Foundation
import HookAPI
import Logging
import Store
import Testing

/// Group commit: many concurrent changes, each acknowledged only once committed and served;
/// a failing change fails alone.
@Suite struct ChallengeWriterTests {
    static func withStore<T>(_ body: (SQLiteStore, String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cairn-writer-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(try SQLiteStore(path: "\(directory)/cairn.sqlite"), "\(directory)/cairn.sqlite")
    }

    static func authority() throws -> Authority {
        try Authority(
            zones: [Zone.synthesized(apex: HookAPIHarness.authZone, identity: HookAPIHarness.identity, serial: 1)],
            configuration: AuthorityConfiguration(maximumValuesPerName: 4))
    }

    @Test func concurrentChangesAreAllCommittedAndServedBeforeTheyReturn() async throws {
        try await Self.withStore { store, _ in
            let authority = try Self.authority()
            let writer = ChallengeWriter(store: store, authority: authority)
            let owner = ChallengeOwner(rawValue: "token:t")
            let names = try (0..<50).map { try DNSName("n\($0).auth.test") }
            for name in names { try authority.claim(name, owner: owner) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, name) in names.enumerated() {
                    group.addTask {
                        let text = "value-\(index)"
                        let stored = StoredValue(name: ChallengeNameText.of(name), text: text, expires: Int64.max / 2)
                        try await writer.apply(
                            ChallengeWriter.Change(
                                store: [.addValue(stored, keepAtMost: 4)],
                                authority: { authority in
                                    try authority.publish(
                                        ChallengeValue(text, ttl: 60, expires: UnixTime(rawValue: Int64.max / 2)),
                                        at: name, owner: owner)
                                }))
                        // Acknowledged: served and stored now.
                        #expect(authority.challengeTable.entries[name]?.values.count == 1)
                        let live = try await store.liveValues(after: 0)
                        #expect(live.contains { $0.text == text })
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.liveValues(after: 0).count == 50)
        }
    }

    @Test func aChangeTheStoreRefusesFailsAloneAndIsNotServed() async throws {
        try await Self.withStore { store, _ in
            let authority = try Self.authority()
            let writer = ChallengeWriter(store: store, authority: authority)
            let registration = Registration(
                username: "u", keyHash: "sha256:00", subdomain: "s", allowFrom: [], created: 0)
            let owned = OwnedName(name: "s.auth.test", owner: registration.owner, kind: .label)
            try await store.apply([.addRegistration(registration, owned)])
            await #expect(throws: StoreError.self) {
                try await writer.apply(
                    ChallengeWriter.Change(
                        store: [.addRegistration(registration, owned)],
                        authority: { authority in
                            try authority.claim("s.auth.test", owner: ChallengeOwner(rawValue: registration.owner))
                        }))
            }
            #expect(authority.challengeTable.entries.isEmpty)
        }
    }

    @Test func restoreServesLiveValuesAndDropsExpiredOnes() async throws {
        try await Self.withStore { store, _ in
            let token = Token(id: "t", keyHash: "sha256:00", domain: "example.test", created: 0)
            let zone = OwnedName(
                name: "_acme-challenge.example.test", owner: token.owner, kind: .challengeZone, domain: "example.test")
            try await store.apply([
                .addToken(token, [zone]),
                .addValue(StoredValue(name: zone.name, text: "expired", expires: 1000), keepAtMost: 4),
                .addValue(StoredValue(name: zone.name, text: "live", expires: 3000), keepAtMost: 4),
            ])
            let authority = try Self.authority()
            let summary = try await ChallengeRestore.restore(
                store: store, authority: authority, identity: HookAPIHarness.identity,
                now: UnixTime(rawValue: 2000), logger: HookAPIHarness.logger)
            #expect(summary.zones == 1)
            #expect(summary.names == 1)
            #expect(summary.values == 1)
            let values = authority.challengeTable.entries[try DNSName(zone.name)]?.values.map(\.text)
            #expect(values == [Array("live".utf8)])
            #expect(try await store.liveValues(after: 0).map(\.text) == ["live"])
        }
    }
}

/// Store text of a name (lowercase, no trailing dot), as the API writes it.
enum ChallengeNameText {
    static func of(_ name: DNSName) -> String { String(name.lowercased.description.dropLast()) }
}

/// The ACME client's publisher inside `cairn serve`: durable, claims on first use, refuses
/// another owner's name.
@Suite struct StoreChallengePublisherTests {
    @Test func publishesDurablyAndRefusesAnotherOwnersName() async throws {
        try await ChallengeWriterTests.withStore { store, _ in
            let authority = try ChallengeWriterTests.authority()
            let writer = ChallengeWriter(store: store, authority: authority)
            let publisher = StoreChallengePublisher(
                writer: writer, store: store, authority: authority, owner: ChallengeOwner(rawValue: "acme:main"))
            try await publisher.publish(name: "cert.auth.test", value: "v1", ttl: 60, expiresAfterSeconds: 600)
            try await publisher.publish(name: "CERT.auth.test.", value: "v2", ttl: 60, expiresAfterSeconds: 600)
            #expect(try await store.ownedNames().map(\.name) == ["cert.auth.test"])
            #expect(try await store.liveValues(after: 0).map(\.text) == ["v1", "v2"])
            let served = authority.challengeTable.entries[try DNSName("cert.auth.test")]?.values.map(\.text)
            #expect(served == [Array("v1".utf8), Array("v2".utf8)])
            try await publisher.withdraw(name: "cert.auth.test", value: "v1")
            #expect(try await store.liveValues(after: 0).map(\.text) == ["v2"])

            try authority.claim("other.auth.test", owner: ChallengeOwner(rawValue: "token:x"))
            await #expect(throws: AuthorityError.self) {
                try await publisher.publish(name: "other.auth.test", value: "v", ttl: 60, expiresAfterSeconds: 600)
            }
            #expect(try await store.liveValues(after: 0).map(\.text) == ["v2"])
        }
    }
}
