import DNSAuthority
import DNSWire
import Foundation
import HookAPI
import Store
import Synchronization
import Testing

/// A reload follows the store's ordered changes, as the table does between reloads, instead of
/// reading every name again: at 2.4 M names the rebuild took 26 s and twice the table's memory,
/// with every API write queued behind it. Changed zone files are put in place around the table as
/// it is. A reload that changes the nameserver identity of synthesized zones, or finds the store's
/// record of changes pruned, still rebuilds from a snapshot.
@Suite struct ChallengeWriterReloadTests {
    typealias Harness = ChallengeWriterTests

    @Test func aReloadAppliesTheChangesSinceWithoutASnapshotUnlessTheIdentityChanged() async throws {
        try await Harness.withStore { sqlite, path in
            let store = SnapshotCountingStore(sqlite)
            let authority = try Harness.authority()
            let writer = ChallengeWriter(
                store: store, authority: authority, identity: HookAPIHarness.identity, logger: HookAPIHarness.logger)
            try await writer.reload(staticZones: nil, identity: HookAPIHarness.identity)
            #expect(store.snapshots == 1)

            // Another process (the CLI) registers, publishes and deletes, then sends SIGHUP.
            let cli = try SQLiteStore(path: path)
            let (kept, keptName) = Harness.registration("kept")
            let (deleted, deletedName) = Harness.registration("deleted")
            try await cli.apply([.addRegistration(kept, keptName), Harness.value(keptName.name, "v1")])
            try await cli.apply([.addRegistration(deleted, deletedName), Harness.value(deletedName.name, "v2")])
            try await writer.reload(staticZones: nil, identity: HookAPIHarness.identity)
            try await cli.apply([.deleteRegistration(username: deleted.username)])
            let summary = try await writer.reload(staticZones: [Harness.authZone()], identity: HookAPIHarness.identity)
            #expect(store.snapshots == 1)
            #expect(try Harness.served(authority, keptName.name) == ["v1"])
            #expect(authority.challengeTable.owner(of: try DNSName(deletedName.name)) == nil)
            #expect(summary.names == 1 && summary.values == 1)
            #expect(summary.sequence == (try await sqlite.sequence()))

            // A zone added: put in place around the table as it is, with the changes since.
            try await cli.apply([Harness.value(keptName.name, "v3")])
            let other = Zone.synthesized(apex: "other.test", identity: HookAPIHarness.identity, serial: 1)
            try await writer.reload(staticZones: [Harness.authZone(), other], identity: HookAPIHarness.identity)
            #expect(store.snapshots == 1)
            #expect(authority.zone(at: "other.test") != nil)
            #expect(try Harness.served(authority, keptName.name) == ["v1", "v3"])
            #expect(authority.challengeTable.unindexedNameCount == 0)
            // Another identity for synthesized zones: rebuilt from a snapshot.
            let renamed = NameserverIdentity(nameservers: ["ns9.cairn.test"], hostmaster: "hostmaster.cairn.test")
            try await writer.reload(staticZones: [Harness.authZone(), other], identity: renamed)
            #expect(store.snapshots == 2)
            #expect(try Harness.served(authority, keptName.name) == ["v1", "v3"])
        }
    }

    /// A zone file whose serial moved ahead is a change even when its records are the same: the
    /// served serial follows the file's (RFC 1982), as a rebuild makes it.
    @Test func aZoneFileSerialAheadOfTheServedOneIsAChange() throws {
        let file = try Self.fileZone(serial: 10)
        let authority = try Authority(zones: [file])
        #expect(authority.servesStaticZones([try Self.fileZone(serial: 10)]))
        #expect(authority.servesStaticZones([try Self.fileZone(serial: 9)]))
        #expect(!authority.servesStaticZones([try Self.fileZone(serial: 11)]))
        #expect(!authority.servesStaticZones([try Self.fileZone(serial: 10, extra: "www 300 IN A 192.0.2.9")]))
        #expect(!authority.servesStaticZones([]))
        // Built in code (the auth zone synthesized when no file serves it): its serial is the
        // clock when it was built, and only its records count.
        let built = Harness.authZone(serial: 5)
        let synthesized = try Authority(zones: [built])
        #expect(synthesized.servesStaticZones([Harness.authZone(serial: 500)]))
    }

    static func fileZone(serial: UInt32, extra: String = "") throws -> Zone {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cairn-reload-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = """
            $ORIGIN example.test.
            @ 3600 IN SOA ns1.example.test. hostmaster.example.test. \(serial) 3600 600 1209600 30
            @ 3600 IN NS ns1.example.test.
            ns1 3600 IN A 192.0.2.1
            \(extra)

            """
        let file = directory.appendingPathComponent("example.test.zone")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return try Zone.load(file: file.path, origin: "example.test")
    }
}

/// A ``ChallengeStore`` that counts the snapshots read through it, forwarding everything to a
/// real SQLite store.
final class SnapshotCountingStore: ChallengeStore {
    let base: SQLiteStore
    private let count = Atomic(0)
    var snapshots: Int { count.load(ordering: .relaxed) }

    init(_ base: SQLiteStore) { self.base = base }

    func snapshot<Element: Sendable>(
        now: Int64, batchSize: Int, transform: @escaping @Sendable ([StoredName]) -> [Element]
    ) async throws(StoreError) -> (sequence: Int64, elements: [Element]) {
        count.add(1, ordering: .relaxed)
        return try await base.snapshot(now: now, batchSize: batchSize, transform: transform)
    }

    func registration(username: String) async throws(StoreError) -> Registration? {
        try await base.registration(username: username)
    }
    func registrations() async throws(StoreError) -> [Registration] { try await base.registrations() }
    func registrationCount() async throws(StoreError) -> Int { try await base.registrationCount() }
    func token(id: String) async throws(StoreError) -> Token? { try await base.token(id: id) }
    func tokens() async throws(StoreError) -> [Token] { try await base.tokens() }
    func ownedNames() async throws(StoreError) -> [OwnedName] { try await base.ownedNames() }
    func ownedNames(owner: String) async throws(StoreError) -> [OwnedName] {
        try await base.ownedNames(owner: owner)
    }
    func liveValues(after now: Int64) async throws(StoreError) -> [StoredValue] {
        try await base.liveValues(after: now)
    }
    func apply(_ changes: [StoreChange]) async throws(StoreError) -> StoreUpdate { try await base.apply(changes) }
    func changes(after sequence: Int64) async throws(StoreError) -> StoreUpdate? {
        try await base.changes(after: sequence)
    }
    func sequence() async throws(StoreError) -> Int64 { try await base.sequence() }
    func managerRecords() async throws(StoreError) -> [String: Data] { try await base.managerRecords() }
    func check() async throws(StoreError) { try await base.check() }
}
