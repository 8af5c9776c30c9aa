import DNSAuthority
import DNSWire
import Foundation
import HashTreeCollections
import HookAPI
import Logging
import Store
import Synchronization
import Testing

/// The one ordered path from the store to the table: group commit, each change acknowledged only
/// once committed and served; changes made by other processes applied in commit order; reloads
/// that can neither drop an acknowledged value nor release a name whose owner exists.
@Suite struct ChallengeWriterTests {
    static func withStore<T>(
        changeRetention: Int64 = 100_000, _ body: (SQLiteStore, String) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cairn-writer-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/cairn.sqlite"
        return try await body(try SQLiteStore(path: path, changeRetention: changeRetention), path)
    }

    static func authority(zones: [Zone]? = nil) throws -> Authority {
        try Authority(
            zones: zones ?? [Self.authZone()], configuration: AuthorityConfiguration(maximumValuesPerName: 4))
    }

    static func authZone(serial: UInt32 = 1) -> Zone {
        Zone.synthesized(apex: HookAPIHarness.authZone, identity: HookAPIHarness.identity, serial: serial)
    }

    static func writer(_ store: SQLiteStore, _ authority: Authority, now: UnixTime? = nil) -> ChallengeWriter {
        ChallengeWriter(
            store: store, authority: authority, identity: HookAPIHarness.identity,
            now: { now ?? .now() }, logger: HookAPIHarness.logger)
    }

    static let far = Int64.max / 2

    static func registration(_ label: String) -> (Registration, OwnedName) {
        let registration = Registration(
            username: "user-\(label)", keyHash: "sha256:00", subdomain: label, allowFrom: [], created: 0)
        return (registration, OwnedName(name: "\(label).auth.test", owner: registration.owner, kind: .label))
    }

    static func value(_ name: String, _ text: String, expires: Int64 = far) -> StoreChange {
        .addValue(StoredValue(name: name, text: text, expires: expires), keepAtMost: 4)
    }

    static func served(_ authority: Authority, _ name: String) throws -> [String] {
        authority.challengeTable.entries[try DNSName(name)]?.values.map { String(decoding: $0.text, as: UTF8.self) }
            ?? []
    }

    @Test func concurrentChangesAreAllCommittedAndServedBeforeTheyReturn() async throws {
        try await Self.withStore { store, _ in
            let authority = try Self.authority()
            let writer = Self.writer(store, authority)
            let registrations = (0..<50).map { Self.registration("n\($0)") }
            try await writer.apply(registrations.map { .addRegistration($0.0, $0.1) })
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, (_, owned)) in registrations.enumerated() {
                    group.addTask {
                        try await writer.apply([Self.value(owned.name, "value-\(index)")])
                        // Acknowledged: served and stored now.
                        #expect(try Self.served(authority, owned.name) == ["value-\(index)"])
                        #expect(try await store.liveValues(after: 0).contains { $0.text == "value-\(index)" })
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.liveValues(after: 0).count == 50)
            #expect(writer.appliedSequence == (try await store.sequence()))
        }
    }

    /// The commit observer (the API's commit metrics) is reached through as many frames at the
    /// hundredth commit as at the first: reading it back must not wrap it again.
    @Test func theCommitObserverIsCalledThroughTheSameFramesAtEveryCommit() async throws {
        try await Self.withStore { store, _ in
            let writer = Self.writer(store, try Self.authority())
            let depths = Mutex<[Int]>([])
            writer.observeCommits { _, _ in
                let depth = Thread.callStackReturnAddresses.count
                depths.withLock { $0.append(depth) }
            }
            let (registration, owned) = Self.registration("d")
            try await writer.apply([.addRegistration(registration, owned)])
            for index in 0..<100 {
                try await writer.apply([Self.value(owned.name, "value-\(index)")])
            }
            let seen = depths.withLock { $0 }
            #expect(seen.count == 101)
            #expect((seen.max() ?? 0) - (seen.min() ?? 0) < 50, "stack depth at each commit: \(seen)")
        }
    }

    @Test func aChangeTheStoreRefusesFailsAloneAndIsNotServed() async throws {
        try await Self.withStore { store, _ in
            let authority = try Self.authority()
            let writer = Self.writer(store, authority)
            let (registration, owned) = Self.registration("s")
            try await store.apply([.addRegistration(registration, owned)])
            let (other, otherName) = Self.registration("t")
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    (try? await writer.apply([.addRegistration(registration, owned)])) != nil
                }
                group.addTask {
                    (try? await writer.apply([.addRegistration(other, otherName)])) != nil
                }
                let outcomes = try await group.reduce(into: [Bool]()) { $0.append($1) }
                #expect(outcomes.filter { $0 }.count == 1 && outcomes.count == 2)
            }
            // The refused duplicate changed nothing; the store's first registration and the
            // other one are served, as the store holds them.
            #expect(Set(authority.challengeTable.entries.keys) == [try DNSName("s.auth.test"), "t.auth.test"])
        }
    }

    @Test func reloadServesLiveValuesDropsExpiredOnesAndCountsWhatItServes() async throws {
        try await Self.withStore { store, _ in
            let token = Token(id: "t", keyHash: "sha256:00", domain: "example.test", created: 0)
            let zone = OwnedName(
                name: "_acme-challenge.example.test", owner: token.owner, kind: .challengeZone, domain: "example.test")
            let label = OwnedName(name: "x.auth.test", owner: token.owner, kind: .label, domain: "example.test")
            try await store.apply([
                .addToken(token, [zone, label]),
                Self.value(zone.name, "expired", expires: 1000),
                Self.value(zone.name, "live", expires: 3000),
                Self.value(label.name, "a", expires: 3000),
                Self.value(label.name, "b", expires: 3000),
            ])
            let authority = try Self.authority()
            let writer = Self.writer(store, authority, now: UnixTime(rawValue: 2000))
            let summary = try await writer.reload(staticZones: nil, identity: HookAPIHarness.identity)
            #expect(summary.zones == 1)
            #expect(summary.names == 2)
            #expect(summary.values == 3)
            #expect(summary.skipped == 0)
            #expect(summary.sequence == (try await store.sequence()))
            #expect(try Self.served(authority, zone.name) == ["live"])
            #expect(authority.zone(at: try DNSName(zone.name)) != nil)
        }
    }

    /// The defect behind "a 2xx value disappears when a reload overlaps API writes": a name
    /// registered after a reload read the store's names must not be released by that reload, and
    /// its values must stay served. Here the reload's snapshot and the registrations interleave
    /// freely; every acknowledged value must be served right after its acknowledgement and at
    /// the end.
    @Test func reloadsInterleavedWithRegistrationsAndUpdatesLoseNothing() async throws {
        try await Self.withStore { store, _ in
            let authority = try Self.authority()
            let writer = Self.writer(store, authority)
            try await writer.reload(staticZones: nil, identity: HookAPIHarness.identity)
            final class Progress: Sendable {
                let misses = Mutex<[String]>([])
                let done = Atomic(false)
            }
            let progress = Progress()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // Reloads back to back, with the zones re-read each time as SIGHUP does.
                    for round in 0..<200 {
                        if progress.done.load(ordering: .relaxed) { break }
                        try await writer.reload(
                            staticZones: [Self.authZone(serial: UInt32(round + 2))], identity: HookAPIHarness.identity)
                    }
                }
                for client in 0..<4 {
                    group.addTask {
                        for round in 0..<40 {
                            let (registration, owned) = Self.registration("c\(client)-\(round)")
                            try await writer.apply([.addRegistration(registration, owned)])
                            try await writer.apply([Self.value(owned.name, "v\(client)-\(round)")])
                            if try Self.served(authority, owned.name) != ["v\(client)-\(round)"] {
                                progress.misses.withLock { $0.append(owned.name) }
                            }
                        }
                    }
                }
                for _ in 0..<4 { try await group.next() }
                progress.done.store(true, ordering: .relaxed)
                try await group.waitForAll()
            }
            #expect(progress.misses.withLock { $0 }.isEmpty)
            #expect(authority.challengeTable.entries.count == 160)
            #expect(authority.challengeTable.entries.values.allSatisfy { $0.values.count == 1 })
        }
    }

    /// Another process (the CLI, another instance on the same database) commits between two of
    /// this writer's transactions: the writer sees the gap in the sequence and applies what was
    /// committed in between before its own change, without waiting for a reload.
    @Test func changesCommittedByAnotherProcessAreAppliedInOrder() async throws {
        try await Self.withStore { store, path in
            let authority = try Self.authority()
            let writer = Self.writer(store, authority)
            try await writer.reload(staticZones: nil, identity: HookAPIHarness.identity)
            let cli = try SQLiteStore(path: path)
            let (registration, owned) = Self.registration("from-cli")
            try await cli.apply([.addRegistration(registration, owned), Self.value(owned.name, "cli-value")])
            #expect(authority.challengeTable.entries.isEmpty)

            let (mine, myName) = Self.registration("mine")
            try await writer.apply([.addRegistration(mine, myName)])
            #expect(try Self.served(authority, owned.name) == ["cli-value"])
            #expect(authority.challengeTable.owner(of: try DNSName(myName.name)) != nil)

            // A deletion by the CLI: released at the next catch-up, the other names untouched.
            try await cli.apply([.deleteRegistration(username: registration.username)])
            let summary = try #require(try await writer.catchUp())
            #expect(summary.names == 1)
            #expect(authority.challengeTable.owner(of: try DNSName(owned.name)) == nil)
            #expect(authority.challengeTable.owner(of: try DNSName(myName.name)) != nil)
            // Nothing new: no summary.
            #expect(try await writer.catchUp() == nil)
        }
    }

    /// When the store's record of changes no longer reaches back to what the table reflects, the
    /// writer rebuilds from a snapshot instead of missing changes.
    @Test func aPrunedChangeRecordFallsBackToASnapshot() async throws {
        try await Self.withStore(changeRetention: 1) { store, path in
            let authority = try Self.authority()
            let writer = Self.writer(store, authority)
            try await writer.reload(staticZones: nil, identity: HookAPIHarness.identity)
            let cli = try SQLiteStore(path: path, changeRetention: 1)
            let (registration, owned) = Self.registration("early")
            try await cli.apply([.addRegistration(registration, owned)])
            // Enough transactions for the first one's record to be pruned.
            for round in 0..<1_010 { try await cli.apply([.replaceKeyHash(username: "none", keyHash: "\(round)")]) }
            #expect(try await store.changes(after: writer.appliedSequence) == nil)
            try await writer.catchUp()
            #expect(authority.challengeTable.owner(of: try DNSName(owned.name)) != nil)
            #expect(writer.appliedSequence == (try await store.sequence()))
        }
    }

    /// A committed name that cannot be served (outside every zone) fails the caller's change
    /// rather than acknowledging a value nobody will see.
    @Test func aCommittedNameThatCannotBeServedFailsItsChange() async throws {
        try await Self.withStore { store, _ in
            let authority = try Self.authority()
            let writer = Self.writer(store, authority)
            let registration = Registration(
                username: "u", keyHash: "sha256:00", subdomain: "s", allowFrom: [], created: 0)
            let outside = OwnedName(name: "s.elsewhere.test", owner: registration.owner, kind: .label)
            await #expect(throws: ChallengeWriterError.self) {
                try await writer.apply([.addRegistration(registration, outside)])
            }
            #expect(authority.challengeTable.entries.isEmpty)
        }
    }

    /// A reload whose zone files would put static data at an owned name is refused: the old
    /// zones stay, the name stays served.
    @Test func aReloadThatWouldHideAnOwnedNameKeepsTheRunningZones() async throws {
        try await Self.withStore { store, _ in
            let authority = try Self.authority()
            let writer = Self.writer(store, authority)
            let (registration, owned) = Self.registration("kept")
            try await writer.apply([.addRegistration(registration, owned), Self.value(owned.name, "v")])
            var records = Self.authZone(serial: 5).records
            records.append(
                DNSRecord(name: try DNSName(owned.name), ttl: 60, rdata: .cname(DNSRData.CNAME(target: "x.test."))))
            let conflicting = try Zone(apex: HookAPIHarness.authZone, records: records)
            await #expect(throws: AuthorityError.self) {
                try await writer.reload(staticZones: [conflicting], identity: HookAPIHarness.identity)
            }
            #expect(try Self.served(authority, owned.name) == ["v"])
        }
    }
}

/// The ACME client's publisher inside `cairn serve`: durable, claims on first use, refuses
/// another owner's name.
@Suite struct StoreChallengePublisherTests {
    @Test func publishesDurablyAndRefusesAnotherOwnersName() async throws {
        try await ChallengeWriterTests.withStore { store, _ in
            let authority = try ChallengeWriterTests.authority()
            let writer = ChallengeWriterTests.writer(store, authority)
            let publisher = StoreChallengePublisher(writer: writer, owner: ChallengeOwner(rawValue: "acme:main"))
            try await publisher.publish(name: "cert.auth.test", value: "v1", ttl: 60, expiresAfterSeconds: 600)
            try await publisher.publish(name: "CERT.auth.test.", value: "v2", ttl: 60, expiresAfterSeconds: 600)
            #expect(try await store.ownedNames().map(\.name) == ["cert.auth.test"])
            #expect(try await store.liveValues(after: 0).map(\.text) == ["v1", "v2"])
            #expect(try ChallengeWriterTests.served(authority, "cert.auth.test") == ["v1", "v2"])
            try await publisher.withdraw(name: "cert.auth.test", value: "v1")
            #expect(try await store.liveValues(after: 0).map(\.text) == ["v2"])

            let (other, otherName) = ChallengeWriterTests.registration("other")
            try await writer.apply([.addRegistration(other, otherName)])
            await #expect(throws: AuthorityError(.ownedByAnother, name: "other.auth.test")) {
                try await publisher.publish(name: "other.auth.test", value: "v", ttl: 60, expiresAfterSeconds: 600)
            }
            #expect(try await store.liveValues(after: 0).map(\.text) == ["v2"])
        }
    }
}
