public import Foundation
import GRDB

/// ``ChallengeStore`` over one SQLite file through GRDB: WAL journal, `synchronous=FULL` (a
/// commit is on disk before it returns, even if the machine loses power), schema migrations.
///
/// Reads run concurrently on reader connections; writes are serialized by GRDB's single
/// writer connection. Several processes may open the same file (the server and `cairn token`),
/// each write waits up to five seconds for another's lock.
public final class SQLiteStore: ChallengeStore {
    private let pool: DatabasePool
    /// The database file.
    public let path: String

    /// How many transactions' touched names are kept for ``changes(after:)``; a reader further
    /// behind reads a ``snapshot(now:)`` instead.
    public let changeRetention: Int64

    /// Opens (creating if needed) and migrates the database at `path`.
    ///
    /// - Parameter changeRetention: transactions whose touched names stay readable through
    ///   ``changes(after:)``; older records are pruned as new transactions commit.
    public init(path: String, changeRetention: Int64 = 100_000) throws(StoreError) {
        self.path = path
        self.changeRetention = max(1, changeRetention)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "cairn.store"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // DatabasePool sets synchronous=NORMAL when it enables WAL; a commit then survives
            // a crash of the process but not of the machine. FULL syncs the WAL at every commit.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError(.open, "\(path): \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE registration (
                        username TEXT PRIMARY KEY NOT NULL,
                        key_hash TEXT NOT NULL,
                        subdomain TEXT NOT NULL UNIQUE,
                        allow_from TEXT NOT NULL DEFAULT '[]',
                        created INTEGER NOT NULL);
                    CREATE TABLE token (
                        id TEXT PRIMARY KEY NOT NULL,
                        key_hash TEXT NOT NULL,
                        domain TEXT,
                        created INTEGER NOT NULL);
                    CREATE TABLE owned_name (
                        name TEXT PRIMARY KEY NOT NULL,
                        owner TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        domain TEXT);
                    CREATE INDEX owned_name_owner ON owned_name(owner);
                    CREATE TABLE txt_value (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL,
                        text TEXT NOT NULL,
                        expires INTEGER NOT NULL);
                    CREATE INDEX txt_value_name ON txt_value(name, sequence);
                    CREATE INDEX txt_value_expires ON txt_value(expires);
                    """)
        }
        // The ordered change path (DESIGN decision 4): every transaction takes the next sequence
        // number and records the names it touched, so readers follow the store in commit order.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    ALTER TABLE txt_value ADD COLUMN ttl INTEGER;
                    CREATE TABLE change_sequence (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        sequence INTEGER NOT NULL,
                        pruned_through INTEGER NOT NULL);
                    INSERT INTO change_sequence (id, sequence, pruned_through) VALUES (1, 0, 0);
                    CREATE TABLE changed_name (
                        sequence INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        PRIMARY KEY (sequence, name)) WITHOUT ROWID;
                    """)
        }
        // The certificate manager's state: schedules, backoff, orders in flight, rate budgets.
        migrator.registerMigration("v3") { db in
            try db.execute(
                sql: """
                    CREATE TABLE manager_record (
                        key TEXT PRIMARY KEY NOT NULL,
                        value BLOB NOT NULL);
                    """)
        }
        return migrator
    }

    /// The value of `PRAGMA name` on the connection that writes (for tests of durability settings).
    package func writerPragma(_ name: String) async throws(StoreError) -> String? {
        try await write("PRAGMA \(name)") { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    // MARK: Reads

    public func registration(username: String) async throws(StoreError) -> Registration? {
        try await read("registration \(username)") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM registration WHERE username = ?", arguments: [username]
            ).map(Self.registration(from:))
        }
    }

    public func registrations() async throws(StoreError) -> [Registration] {
        try await read("registrations") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM registration ORDER BY created, username").map(
                Self.registration(from:))
        }
    }

    public func registrationCount() async throws(StoreError) -> Int {
        try await read("registration count") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM registration") ?? 0
        }
    }

    public func token(id: String) async throws(StoreError) -> Token? {
        try await read("token \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM token WHERE id = ?", arguments: [id]).map(Self.token(from:))
        }
    }

    public func tokens() async throws(StoreError) -> [Token] {
        try await read("tokens") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM token ORDER BY created, id").map(Self.token(from:))
        }
    }

    public func ownedNames() async throws(StoreError) -> [OwnedName] {
        try await read("owned names") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM owned_name ORDER BY name").map(Self.ownedName(from:))
        }
    }

    public func ownedNames(owner: String) async throws(StoreError) -> [OwnedName] {
        try await read("names of \(owner)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM owned_name WHERE owner = ? ORDER BY name", arguments: [owner])
                .map(Self.ownedName(from:))
        }
    }

    public func liveValues(after now: Int64) async throws(StoreError) -> [StoredValue] {
        try await read("live values") { db in
            try Row.fetchAll(
                db, sql: "SELECT name, text, expires, ttl FROM txt_value WHERE expires > ? ORDER BY sequence",
                arguments: [now]
            ).map(Self.value(from:))
        }
    }

    public func snapshot<Element: Sendable>(
        now: Int64, batchSize: Int, transform: @escaping @Sendable ([StoredName]) -> [Element]
    ) async throws(StoreError) -> (sequence: Int64, elements: [Element]) {
        try await read("snapshot") { db in
            let sequence = try Self.sequence(in: db).sequence
            // One ordered pass over a join, through a cursor, columns by position, a batch of
            // names at a time: a start-up reads millions of names.
            let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM owned_name") ?? 0
            let batchSize = max(1, min(batchSize, total))
            var elements: [Element] = []
            elements.reserveCapacity(total)
            var names: [StoredName] = []
            names.reserveCapacity(batchSize)
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT o.name, o.owner, o.kind, o.domain, v.text, v.expires, v.ttl
                    FROM owned_name o LEFT JOIN txt_value v ON v.name = o.name AND v.expires > ?
                    ORDER BY o.name, v.sequence
                    """,
                arguments: [now])
            while let row = try rows.next() {
                let name: String = row[0]
                if names.last?.name != name {
                    // The previous name is complete: hand over a full batch before starting another.
                    if names.count == batchSize {
                        elements.append(contentsOf: transform(names))
                        names.removeAll(keepingCapacity: true)
                    }
                    let owned = OwnedName(
                        name: name, owner: row[1], kind: OwnedName.Kind(rawValue: row[2]), domain: row[3])
                    names.append(StoredName(name: name, owned: owned, values: []))
                }
                if let text: String = row[4] {
                    names[names.count - 1].values.append(
                        StoredValue(
                            name: name, text: text, expires: row[5],
                            ttl: (row[6] as Int64?).map { UInt32(clamping: $0) }))
                }
            }
            if !names.isEmpty { elements.append(contentsOf: transform(names)) }
            return (sequence, elements)
        }
    }

    public func changes(after sequence: Int64) async throws(StoreError) -> StoreUpdate? {
        try await read("changes after \(sequence)") { db in
            let current = try Self.sequence(in: db)
            // Pruned past the reader, or the reader is ahead of the file (a restored backup): only
            // a snapshot can tell what the store holds.
            guard sequence >= current.prunedThrough, sequence <= current.sequence else { return nil }
            let names = try String.fetchAll(
                db, sql: "SELECT DISTINCT name FROM changed_name WHERE sequence > ? ORDER BY name",
                arguments: [sequence])
            return StoreUpdate(
                after: sequence, sequence: current.sequence,
                names: try Self.states(of: names, in: db))
        }
    }

    public func managerRecords() async throws(StoreError) -> [String: Data] {
        try await read("manager records") { db in
            var records: [String: Data] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM manager_record") {
                records[row["key"]] = row["value"]
            }
            return records
        }
    }

    public func sequence() async throws(StoreError) -> Int64 {
        try await read("sequence") { db in try Self.sequence(in: db).sequence }
    }

    public func check() async throws(StoreError) {
        _ = try await read("health check") { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    // MARK: Writes

    @discardableResult
    public func apply(_ changes: [StoreChange]) async throws(StoreError) -> StoreUpdate {
        let retention = changeRetention
        return try await write("\(changes.count) change(s)") { db in
            var update: StoreUpdate? = nil
            try db.inTransaction(.immediate) {
                var touched: Set<String> = []
                for change in changes { touched.formUnion(try Self.apply(change, in: db)) }
                update = try Self.record(touched, in: db, retention: retention)
                return .commit
            }
            return update!
        }
    }

    /// Takes the next sequence number for the transaction in progress, records the names it
    /// touched under it, prunes records older than `retention` transactions, and reads the
    /// touched names back as they now stand.
    private static func record(_ touched: Set<String>, in db: Database, retention: Int64) throws -> StoreUpdate {
        let previous = try sequence(in: db)
        let sequence = previous.sequence + 1
        try db.execute(sql: "UPDATE change_sequence SET sequence = ? WHERE id = 1", arguments: [sequence])
        for name in touched {
            try db.execute(
                sql: "INSERT INTO changed_name (sequence, name) VALUES (?, ?)", arguments: [sequence, name])
        }
        // Prune in steps rather than at every commit: one DELETE per 1,000 transactions.
        if sequence - previous.prunedThrough > retention + 1_000 {
            let through = sequence - retention
            try db.execute(sql: "DELETE FROM changed_name WHERE sequence <= ?", arguments: [through])
            try db.execute(sql: "UPDATE change_sequence SET pruned_through = ? WHERE id = 1", arguments: [through])
        }
        return StoreUpdate(
            after: previous.sequence, sequence: sequence, names: try states(of: touched.sorted(), in: db))
    }

    private static func sequence(in db: Database) throws -> (sequence: Int64, prunedThrough: Int64) {
        guard let row = try Row.fetchOne(db, sql: "SELECT sequence, pruned_through FROM change_sequence WHERE id = 1")
        else { throw StoreError(.corrupt, "change_sequence has no row") }
        return (row["sequence"], row["pruned_through"])
    }

    /// Each of `names` as the store holds it now: owner and every value, expired or not.
    private static func states(of names: [String], in db: Database) throws -> [StoredName] {
        var owners: [String: OwnedName] = [:]
        var values: [String: [StoredValue]] = [:]
        // SQLite limits the parameters of one statement; 500 names per query stays far below.
        var start = 0
        while start < names.count {
            let chunk = Array(names[start..<min(start + 500, names.count)])
            start += chunk.count
            let marks = databaseQuestionMarks(count: chunk.count)
            for row in try Row.fetchAll(
                db, sql: "SELECT * FROM owned_name WHERE name IN (\(marks))", arguments: StatementArguments(chunk))
            {
                let owned = ownedName(from: row)
                owners[owned.name] = owned
            }
            for row in try Row.fetchAll(
                db, sql: "SELECT name, text, expires, ttl FROM txt_value WHERE name IN (\(marks)) ORDER BY sequence",
                arguments: StatementArguments(chunk))
            {
                let value = value(from: row)
                values[value.name, default: []].append(value)
            }
        }
        return names.map { StoredName(name: $0, owned: owners[$0], values: values[$0] ?? []) }
    }

    /// Applies one change.
    ///
    /// - Returns: the names whose owner or values it may have changed.
    private static func apply(_ change: StoreChange, in db: Database) throws -> [String] {
        switch change {
        case .addRegistration(let registration, let name):
            let allowFrom = String(decoding: try JSONEncoder().encode(registration.allowFrom), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO registration (username, key_hash, subdomain, allow_from, created)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    registration.username, registration.keyHash, registration.subdomain, allowFrom,
                    registration.created,
                ])
            try insert(name, in: db)
            return [name.name]
        case .deleteRegistration(let username):
            let names = try deleteOwner(Registration.owner(username: username), in: db)
            try db.execute(sql: "DELETE FROM registration WHERE username = ?", arguments: [username])
            return names
        case .replaceKeyHash(let username, let keyHash):
            try db.execute(
                sql: "UPDATE registration SET key_hash = ? WHERE username = ?", arguments: [keyHash, username])
            return []
        case .addToken(let token, let names):
            try db.execute(
                sql: "INSERT INTO token (id, key_hash, domain, created) VALUES (?, ?, ?, ?)",
                arguments: [token.id, token.keyHash, token.domain, token.created])
            for name in names { try insert(name, in: db) }
            return names.map(\.name)
        case .deleteToken(let id):
            let names = try deleteOwner(Token.owner(id: id), in: db)
            try db.execute(sql: "DELETE FROM token WHERE id = ?", arguments: [id])
            return names
        case .addOwnedName(let name):
            try insert(name, in: db)
            return [name.name]
        case .addValue(let value, let keep):
            try db.execute(
                sql: "DELETE FROM txt_value WHERE name = ? AND text = ?", arguments: [value.name, value.text])
            try db.execute(
                sql: "INSERT INTO txt_value (name, text, expires, ttl) VALUES (?, ?, ?, ?)",
                arguments: [value.name, value.text, value.expires, value.ttl.map { Int64($0) }])
            try db.execute(
                sql: """
                    DELETE FROM txt_value WHERE name = ?1 AND sequence NOT IN (
                        SELECT sequence FROM txt_value WHERE name = ?1 ORDER BY sequence DESC LIMIT ?2)
                    """,
                arguments: [value.name, max(1, keep)])
            return [value.name]
        case .removeValue(let name, let text):
            try db.execute(sql: "DELETE FROM txt_value WHERE name = ? AND text = ?", arguments: [name, text])
            return [name]
        case .setManagerRecord(let key, let value):
            if let value {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO manager_record (key, value) VALUES (?, ?)", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM manager_record WHERE key = ?", arguments: [key])
            }
            return []
        case .removeExpired(let now):
            // Expired values are served by nobody already: their removal changes no answer, so
            // the names are not recorded.
            try db.execute(sql: "DELETE FROM txt_value WHERE expires <= ?", arguments: [now])
            return []
        }
    }

    private static func insert(_ name: OwnedName, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO owned_name (name, owner, kind, domain) VALUES (?, ?, ?, ?)",
            arguments: [name.name, name.owner, name.kind.rawValue, name.domain])
    }

    /// Deletes `owner`'s names and their values.
    ///
    /// - Returns: the names deleted.
    private static func deleteOwner(_ owner: String, in db: Database) throws -> [String] {
        let names = try String.fetchAll(db, sql: "SELECT name FROM owned_name WHERE owner = ?", arguments: [owner])
        try db.execute(
            sql: "DELETE FROM txt_value WHERE name IN (SELECT name FROM owned_name WHERE owner = ?)",
            arguments: [owner])
        try db.execute(sql: "DELETE FROM owned_name WHERE owner = ?", arguments: [owner])
        return names
    }

    // MARK: Rows

    private static func registration(from row: Row) throws -> Registration {
        let allowText: String = row["allow_from"]
        let allowFrom: [String]
        do {
            allowFrom = try JSONDecoder().decode([String].self, from: Data(allowText.utf8))
        } catch {
            throw StoreError(.corrupt, "registration \(row["username"] as String? ?? "?"): allow_from \(allowText)")
        }
        return Registration(
            username: row["username"], keyHash: row["key_hash"], subdomain: row["subdomain"], allowFrom: allowFrom,
            created: row["created"])
    }

    private static func ownedName(from row: Row) -> OwnedName {
        OwnedName(
            name: row["name"], owner: row["owner"], kind: OwnedName.Kind(rawValue: row["kind"]), domain: row["domain"])
    }

    private static func value(from row: Row) -> StoredValue {
        StoredValue(
            name: row["name"], text: row["text"], expires: row["expires"],
            ttl: (row["ttl"] as Int64?).map { UInt32(clamping: $0) })
    }

    private static func token(from row: Row) -> Token {
        Token(id: row["id"], keyHash: row["key_hash"], domain: row["domain"], created: row["created"])
    }

    private func read<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        do {
            return try await pool.read(body)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.read, "\(path): \(what): \(error)")
        }
    }

    private func write<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        do {
            return try await pool.writeWithoutTransaction(body)
        } catch {
            throw StoreError(.write, "\(path): \(what): \(error)")
        }
    }
}
