import Foundation
import Store
import Testing

/// The SQLite store: durability settings, migrations, and what each change does.
@Suite struct SQLiteStoreTests {
    /// The path of a store file in a fresh temporary directory, removed afterwards.
    static func withStorePath<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cairn-store-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body("\(directory)/cairn.sqlite")
    }

    /// A store in a fresh temporary directory, removed afterwards.
    static func withStore<T>(_ body: (SQLiteStore, String) async throws -> T) async throws -> T {
        try await withStorePath { path in try await body(try SQLiteStore(path: path), path) }
    }

    static func registration(_ n: Int, allowFrom: [String] = []) -> (Registration, OwnedName) {
        let registration = Registration(
            username: "user-\(n)", keyHash: "sha256:00", subdomain: "sub-\(n)", allowFrom: allowFrom, created: Int64(n))
        return (registration, OwnedName(name: "sub-\(n).auth.test", owner: registration.owner, kind: .label))
    }

    @Test func writesAreDurableWALWithSynchronousFull() async throws {
        try await Self.withStore { store, _ in
            // PRAGMA synchronous: 2 is FULL (1 would be NORMAL, which GRDB sets for WAL by default).
            let synchronous = try await store.writerPragma("synchronous")
            let journalMode = try await store.writerPragma("journal_mode")
            #expect(synchronous == "2")
            #expect(journalMode == "wal")
        }
    }

    @Test func registrationsRoundTripAndSurviveReopening() async throws {
        try await Self.withStore { store, path in
            let (registration, name) = Self.registration(1, allowFrom: ["10.0.0.0/8", "::1/128"])
            try await store.apply([.addRegistration(registration, name)])
            #expect(try await store.registration(username: "user-1") == registration)
            #expect(try await store.registration(username: "user-2") == nil)
            let reopened = try SQLiteStore(path: path)
            #expect(try await reopened.registrations() == [registration])
            #expect(try await reopened.ownedNames() == [name])
            #expect(try await reopened.ownedNames(owner: registration.owner) == [name])
            #expect(try await reopened.ownedNames(owner: "token:x").isEmpty)
        }
    }

    @Test func aFailedBatchCommitsNothing() async throws {
        try await Self.withStore { store, _ in
            let (first, firstName) = Self.registration(1)
            try await store.apply([.addRegistration(first, firstName)])
            let (second, secondName) = Self.registration(2)
            let value = StoredValue(name: secondName.name, text: "v", expires: 100)
            // The duplicate username makes the whole transaction fail.
            await #expect(throws: StoreError.self) {
                try await store.apply([
                    .addRegistration(second, secondName), .addValue(value, keepAtMost: 2),
                    .addRegistration(first, firstName),
                ])
            }
            #expect(try await store.registrations() == [first])
            #expect(try await store.liveValues(after: 0).isEmpty)
        }
    }

    @Test func valuesKeepTheMostRecentAndRepublishingMovesAValueToTheEnd() async throws {
        try await Self.withStore { store, _ in
            let (registration, name) = Self.registration(1)
            try await store.apply([.addRegistration(registration, name)])
            for text in ["a", "b", "c", "a"] {
                try await store.apply([
                    .addValue(StoredValue(name: name.name, text: text, expires: 1000), keepAtMost: 2)
                ])
            }
            #expect(try await store.liveValues(after: 0).map(\.text) == ["c", "a"])
            try await store.apply([.removeValue(name: name.name, text: "c")])
            #expect(try await store.liveValues(after: 0).map(\.text) == ["a"])
        }
    }

    @Test func expiredValuesAreNotLiveAndAreRemoved() async throws {
        try await Self.withStore { store, _ in
            let (registration, name) = Self.registration(1)
            try await store.apply([
                .addRegistration(registration, name),
                .addValue(StoredValue(name: name.name, text: "old", expires: 100), keepAtMost: 5),
                .addValue(StoredValue(name: name.name, text: "new", expires: 300), keepAtMost: 5),
            ])
            #expect(try await store.liveValues(after: 100).map(\.text) == ["new"])
            #expect(try await store.liveValues(after: 99).map(\.text) == ["old", "new"])
            try await store.apply([.removeExpired(now: 100)])
            #expect(try await store.liveValues(after: 0).map(\.text) == ["new"])
        }
    }

    @Test func deletingAnOwnerRemovesItsNamesAndValuesOnly() async throws {
        try await Self.withStore { store, _ in
            let (registration, name) = Self.registration(1)
            let token = Token(id: "t1", keyHash: "sha256:00", domain: "example.test", created: 5)
            let zone = OwnedName(
                name: "_acme-challenge.example.test", owner: token.owner, kind: .challengeZone, domain: "example.test")
            try await store.apply([
                .addRegistration(registration, name), .addToken(token, [zone]),
                .addValue(StoredValue(name: name.name, text: "r", expires: 1000), keepAtMost: 5),
                .addValue(StoredValue(name: zone.name, text: "t", expires: 1000), keepAtMost: 5),
            ])
            #expect(try await store.token(id: "t1") == token)
            try await store.apply([.deleteToken(id: "t1")])
            #expect(try await store.tokens().isEmpty)
            #expect(try await store.ownedNames() == [name])
            #expect(try await store.liveValues(after: 0).map(\.text) == ["r"])
            try await store.apply([.deleteRegistration(username: registration.username)])
            #expect(try await store.registrations().isEmpty)
            #expect(try await store.ownedNames().isEmpty)
            #expect(try await store.liveValues(after: 0).isEmpty)
        }
    }

    @Test func keyHashesCanBeReplaced() async throws {
        try await Self.withStore { store, _ in
            var (registration, name) = Self.registration(1)
            registration.keyHash = "$2a$10$imported"
            try await store.apply([.addRegistration(registration, name)])
            try await store.apply([.replaceKeyHash(username: registration.username, keyHash: "sha256:ab")])
            #expect(try await store.registration(username: registration.username)?.keyHash == "sha256:ab")
        }
    }

    @Test func aStoreThatCannotBeOpenedSaysWhere() throws {
        let error = #expect(throws: StoreError.self) { try SQLiteStore(path: "/nonexistent-dir/x/cairn.sqlite") }
        #expect(error?.code == .open)
        #expect(error?.description.contains("/nonexistent-dir/x/cairn.sqlite") == true)
    }
}
