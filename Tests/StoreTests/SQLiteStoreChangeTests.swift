import Foundation
import GRDB
import Store
import Testing

/// The store's ordered change record: every transaction a sequence number, the names it touched
/// as it left them, changes after a sequence for readers that fell behind, snapshots at a known
/// sequence (DESIGN decision 4; docs/ordered-change-path.md).
@Suite struct SQLiteStoreChangeTests {
    static func value(_ name: String, _ text: String, expires: Int64 = 5_000) -> StoreChange {
        .addValue(StoredValue(name: name, text: text, expires: expires), keepAtMost: 16)
    }

    @Test func everyTransactionTakesTheNextSequenceAndReturnsTheNamesItTouched() async throws {
        try await SQLiteStoreTests.withStore { store, _ in
            #expect(try await store.sequence() == 0)
            let (registration, owned) = SQLiteStoreTests.registration(1)
            let first = try await store.apply([.addRegistration(registration, owned), Self.value(owned.name, "a")])
            #expect(first.after == 0 && first.sequence == 1)
            #expect(
                first.names == [
                    StoredName(
                        name: owned.name, owned: owned,
                        values: [
                            StoredValue(name: owned.name, text: "a", expires: 5_000)
                        ])
                ])
            // A change that touches no name still takes a number.
            let rehash = try await store.apply([.replaceKeyHash(username: registration.username, keyHash: "x")])
            #expect(rehash.sequence == 2 && rehash.names.isEmpty)
            // A deletion reports the names it took away, now without an owner or values.
            let deleted = try await store.apply([.deleteRegistration(username: registration.username)])
            #expect(deleted.names == [StoredName(name: owned.name, owned: nil, values: [])])
            #expect(try await store.sequence() == 3)
        }
    }

    @Test func aTransactionThatFailsTakesNoNumber() async throws {
        try await SQLiteStoreTests.withStore { store, _ in
            let (registration, owned) = SQLiteStoreTests.registration(1)
            try await store.apply([.addRegistration(registration, owned)])
            await #expect(throws: StoreError.self) {
                try await store.apply([.addRegistration(registration, owned)])
            }
            #expect(try await store.sequence() == 1)
        }
    }

    @Test func changesAfterASequenceGiveEachTouchedNameAsItStandsNow() async throws {
        try await SQLiteStoreTests.withStore { store, path in
            let (one, oneName) = SQLiteStoreTests.registration(1)
            let (two, twoName) = SQLiteStoreTests.registration(2)
            try await store.apply([.addRegistration(one, oneName)])
            // Another process on the same file.
            let other = try SQLiteStore(path: path)
            try await other.apply([.addRegistration(two, twoName), Self.value(twoName.name, "b")])
            try await other.apply([Self.value(oneName.name, "a"), .removeValue(name: twoName.name, text: "b")])
            let changes = try #require(try await store.changes(after: 1))
            #expect(changes.after == 1 && changes.sequence == 3)
            #expect(changes.names.map(\.name) == [oneName.name, twoName.name])
            #expect(changes.names[0].values.map(\.text) == ["a"])
            #expect(changes.names[1].owned == twoName && changes.names[1].values.isEmpty)
            let none = try #require(try await store.changes(after: 3))
            #expect(none.sequence == 3 && none.names.isEmpty)
        }
    }

    @Test func aReaderBeyondThePrunedRecordOrAheadOfTheFileGetsNil() async throws {
        try await SQLiteStoreTests.withStorePath { path in
            let store = try SQLiteStore(path: path, changeRetention: 5)
            for round in 0..<1_010 { try await store.apply([.replaceKeyHash(username: "none", keyHash: "\(round)")]) }
            #expect(try await store.changes(after: 0) == nil)
            #expect(try await store.changes(after: 1_009) != nil)
            // A table that reflects more than the file holds (the file was restored from a backup).
            #expect(try await store.changes(after: 2_000) == nil)
            // The record stays bounded: at most the retention plus one pruning step.
            let rows = try await DatabaseQueue(path: path).read { db in
                try Int.fetchOne(db, sql: "SELECT count(DISTINCT sequence) FROM changed_name")
            }
            #expect((rows ?? 0) <= 1_005)
        }
    }

    @Test func aSnapshotHoldsEveryOwnedNameWithItsLiveValuesAtOneSequence() async throws {
        try await SQLiteStoreTests.withStore { store, _ in
            let (one, oneName) = SQLiteStoreTests.registration(1)
            let (two, twoName) = SQLiteStoreTests.registration(2)
            try await store.apply([
                .addRegistration(one, oneName), .addRegistration(two, twoName),
                Self.value(oneName.name, "old", expires: 100), Self.value(oneName.name, "new", expires: 300),
                .addValue(StoredValue(name: twoName.name, text: "t", expires: 300, ttl: 5), keepAtMost: 16),
            ])
            let snapshot = try await store.snapshot(now: 200)
            #expect(snapshot.sequence == 1)
            #expect(snapshot.names.map(\.name) == [oneName.name, twoName.name])
            #expect(snapshot.names[0].values.map(\.text) == ["new"])
            #expect(snapshot.names[1].values == [StoredValue(name: twoName.name, text: "t", expires: 300, ttl: 5)])
        }
    }

    /// A snapshot read in batches hands over every name once, in order, each with all its values
    /// (a batch never ends inside a name's values), in batches of at most the size asked for.
    @Test func aSnapshotReadInBatchesIsTheWholeSnapshot() async throws {
        try await SQLiteStoreTests.withStore { store, _ in
            var changes: [StoreChange] = []
            for index in 1...7 {
                let (registration, owned) = SQLiteStoreTests.registration(index)
                changes.append(.addRegistration(registration, owned))
                for text in ["a", "b", "c"].prefix(index % 3 + 1) { changes.append(Self.value(owned.name, text)) }
            }
            try await store.apply(changes)
            let whole = try await store.snapshot(now: 0)
            for batchSize in [1, 2, 3, 7, 100] {
                let (sequence, batches) = try await store.snapshot(now: 0, batchSize: batchSize) { [$0] }
                #expect(sequence == whole.sequence)
                #expect(batches.flatMap { $0 } == whole.names, "batch size \(batchSize)")
                #expect(batches.allSatisfy { $0.count <= batchSize && !$0.isEmpty })
                #expect(batches.count == (whole.names.count + batchSize - 1) / batchSize)
            }
        }
    }

    /// A database made before the change record existed (schema v1) opens, migrates, and starts
    /// numbering at 1 with its data intact.
    @Test func aVersionOneDatabaseMigrates() async throws {
        try await SQLiteStoreTests.withStorePath { path in
            try await DatabaseQueue(path: path).write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                        INSERT INTO grdb_migrations VALUES ('v1');
                        CREATE TABLE registration (username TEXT PRIMARY KEY NOT NULL, key_hash TEXT NOT NULL,
                            subdomain TEXT NOT NULL UNIQUE, allow_from TEXT NOT NULL DEFAULT '[]', created INTEGER NOT NULL);
                        CREATE TABLE token (id TEXT PRIMARY KEY NOT NULL, key_hash TEXT NOT NULL, domain TEXT,
                            created INTEGER NOT NULL);
                        CREATE TABLE owned_name (name TEXT PRIMARY KEY NOT NULL, owner TEXT NOT NULL, kind TEXT NOT NULL,
                            domain TEXT);
                        CREATE TABLE txt_value (sequence INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
                            text TEXT NOT NULL, expires INTEGER NOT NULL);
                        INSERT INTO owned_name VALUES ('s.auth.test', 'registration:u', 'label', NULL);
                        INSERT INTO txt_value (name, text, expires) VALUES ('s.auth.test', 'kept', 500);
                        """)
            }
            let store = try SQLiteStore(path: path)
            let snapshot = try await store.snapshot(now: 0)
            #expect(snapshot.sequence == 0)
            #expect(snapshot.names.first?.values == [StoredValue(name: "s.auth.test", text: "kept", expires: 500)])
            #expect(try await store.apply([.removeExpired(now: 0)]).sequence == 1)
        }
    }
}
