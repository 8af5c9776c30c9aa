import Foundation
import GRDB

/// An acme-dns SQLite database, read for `cairn import acme-dns` (acme-dns `db.go`: table
/// `records` with `Username`, `Password` (a bcrypt hash, stored by Go as a blob), `Subdomain`,
/// `AllowFrom` (a JSON list); table `txt` with `Subdomain`, `Value`, `LastUpdate`).
public struct AcmeDNSDatabase: Sendable {
    /// One acme-dns registration with its TXT values.
    public struct Record: Hashable, Sendable {
        public var username: String
        /// The bcrypt hash acme-dns stored.
        public var passwordHash: String
        public var subdomain: String
        public var allowFrom: [String]
        /// Non-empty values with the time (seconds since the epoch) they were last set.
        public var values: [(text: String, lastUpdate: Int64)]

        public static func == (a: Self, b: Self) -> Bool {
            a.username == b.username && a.passwordHash == b.passwordHash && a.subdomain == b.subdomain
                && a.allowFrom == b.allowFrom && a.values.map(\.text) == b.values.map(\.text)
                && a.values.map(\.lastUpdate) == b.values.map(\.lastUpdate)
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(username) }
    }

    /// Every registration in the database at `path`, which is opened read-only.
    public static func read(path: String) throws(StoreError) -> [Record] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.open, "\(path): no such file")
        }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.read { db in
                var values: [String: [(String, Int64)]] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT Subdomain, Value, LastUpdate FROM txt WHERE Value != '' ORDER BY LastUpdate")
                {
                    let subdomain: String = row["Subdomain"]
                    values[subdomain, default: []].append((row["Value"], row["LastUpdate"] ?? 0))
                }
                return try Row.fetchAll(db, sql: "SELECT Username, Password, Subdomain, AllowFrom FROM records").map {
                    row in
                    let subdomain: String = row["Subdomain"]
                    let allowText: String = row["AllowFrom"] ?? "[]"
                    let allowFrom = (try? JSONDecoder().decode([String].self, from: Data(allowText.utf8))) ?? []
                    return Record(
                        username: (row["Username"] as String).lowercased(), passwordHash: text(row["Password"]),
                        subdomain: subdomain, allowFrom: allowFrom,
                        values: (values[subdomain] ?? []).map { (text: $0.0, lastUpdate: $0.1) })
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.read, "\(path): not an acme-dns database (\(error))")
        }
    }

    /// Go's `database/sql` stores a `[]byte` as a blob; accept text too.
    private static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .string(let text): text
        case .blob(let data): String(decoding: data, as: UTF8.self)
        default: ""
        }
    }
}
