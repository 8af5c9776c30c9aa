import Foundation
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

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) throws(StoreError) {
        self.path = path
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
                db, sql: "SELECT name, text, expires FROM txt_value WHERE expires > ? ORDER BY sequence",
                arguments: [now]
            ).map { StoredValue(name: $0["name"], text: $0["text"], expires: $0["expires"]) }
        }
    }

    public func check() async throws(StoreError) {
        _ = try await read("health check") { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    // MARK: Writes

    public func apply(_ changes: [StoreChange]) async throws(StoreError) {
        guard !changes.isEmpty else { return }
        try await write("\(changes.count) change(s)") { db in
            try db.inTransaction(.immediate) {
                for change in changes { try Self.apply(change, in: db) }
                return .commit
            }
        }
    }

    private static func apply(_ change: StoreChange, in db: Database) throws {
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
        case .deleteRegistration(let username):
            try deleteOwner(Registration.owner(username: username), in: db)
            try db.execute(sql: "DELETE FROM registration WHERE username = ?", arguments: [username])
        case .replaceKeyHash(let username, let keyHash):
            try db.execute(
                sql: "UPDATE registration SET key_hash = ? WHERE username = ?", arguments: [keyHash, username])
        case .addToken(let token, let names):
            try db.execute(
                sql: "INSERT INTO token (id, key_hash, domain, created) VALUES (?, ?, ?, ?)",
                arguments: [token.id, token.keyHash, token.domain, token.created])
            for name in names { try insert(name, in: db) }
        case .deleteToken(let id):
            try deleteOwner(Token.owner(id: id), in: db)
            try db.execute(sql: "DELETE FROM token WHERE id = ?", arguments: [id])
        case .addOwnedName(let name):
            try insert(name, in: db)
        case .addValue(let value, let keep):
            try db.execute(
                sql: "DELETE FROM txt_value WHERE name = ? AND text = ?", arguments: [value.name, value.text])
            try db.execute(
                sql: "INSERT INTO txt_value (name, text, expires) VALUES (?, ?, ?)",
                arguments: [value.name, value.text, value.expires])
            try db.execute(
                sql: """
                    DELETE FROM txt_value WHERE name = ?1 AND sequence NOT IN (
                        SELECT sequence FROM txt_value WHERE name = ?1 ORDER BY sequence DESC LIMIT ?2)
                    """,
                arguments: [value.name, max(1, keep)])
        case .removeValue(let name, let text):
            try db.execute(sql: "DELETE FROM txt_value WHERE name = ? AND text = ?", arguments: [name, text])
        case .removeExpired(let now):
            try db.execute(sql: "DELETE FROM txt_value WHERE expires <= ?", arguments: [now])
        }
    }

    private static func insert(_ name: OwnedName, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO owned_name (name, owner, kind, domain) VALUES (?, ?, ?, ?)",
            arguments: [name.name, name.owner, name.kind.rawValue, name.domain])
    }

    private static func deleteOwner(_ owner: String, in db: Database) throws {
        try db.execute(
            sql: "DELETE FROM txt_value WHERE name IN (SELECT name FROM owned_name WHERE owner = ?)",
            arguments: [owner])
        try db.execute(sql: "DELETE FROM owned_name WHERE owner = ?", arguments: [owner])
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
