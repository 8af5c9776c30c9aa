import CairnTestSupport
import Foundation
import GRDB
import HummingbirdBcrypt
import Store
import Testing

/// `cairn import acme-dns`: a database made here the way acme-dns makes it (schema from
/// acme-dns `db.go`, bcrypt cost 10 as its `Register` uses, the hash stored as a blob as Go's
/// `database/sql` stores a `[]byte`) is imported, and its credentials update TXT values.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AcmeDNSImportTests {
    struct AcmeDNSUser {
        var username = UUID().uuidString.lowercased()
        var password = String(
            (0..<40).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz1234567890-_".randomElement()! })
        var subdomain = UUID().uuidString.lowercased()
        var allowFrom: [String] = []
    }

    /// Writes an acme-dns (DB version 1) SQLite database holding `users`; `liveValue` is set as the
    /// most recent TXT value of the first user.
    static func makeAcmeDNSDatabase(at path: String, users: [AcmeDNSUser], liveValue: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS acmedns(
                        Name TEXT,
                        Value TEXT
                    );
                    CREATE TABLE IF NOT EXISTS records(
                        Username TEXT UNIQUE NOT NULL PRIMARY KEY,
                        Password TEXT UNIQUE NOT NULL,
                        Subdomain TEXT UNIQUE NOT NULL,
                        AllowFrom TEXT
                    );
                    CREATE TABLE IF NOT EXISTS txt(
                        Subdomain TEXT NOT NULL,
                        Value   TEXT NOT NULL DEFAULT '',
                        LastUpdate INT
                    );
                    INSERT INTO acmedns (Name, Value) values('db_version', '1');
                    """)
            for (index, user) in users.enumerated() {
                let hash = Data(Bcrypt.hash(user.password, cost: 10).utf8)
                let allowFrom = String(decoding: try JSONEncoder().encode(user.allowFrom), as: UTF8.self)
                try db.execute(
                    sql: "INSERT INTO records(Username, Password, Subdomain, AllowFrom) values(?, ?, ?, ?)",
                    arguments: [user.username, hash, user.subdomain, allowFrom])
                try db.execute(sql: "INSERT INTO txt (Subdomain, LastUpdate) values(?, 0)", arguments: [user.subdomain])
                if index == 0 {
                    let now = Int(Date().timeIntervalSince1970)
                    try db.execute(
                        sql: "INSERT INTO txt (Subdomain, Value, LastUpdate) values(?, ?, ?)",
                        arguments: [user.subdomain, liveValue, now - 60])
                } else {
                    try db.execute(
                        sql: "INSERT INTO txt (Subdomain, LastUpdate) values(?, 0)", arguments: [user.subdomain])
                }
            }
        }
    }

    @Test func importedCredentialsUpdateTXTValuesAndAreRehashed() async throws {
        try await withTemporaryDirectory { directory in
            let users = [AcmeDNSUser(), AcmeDNSUser(allowFrom: ["127.0.0.0/8"])]
            let live = HookAPIServeTests.digest(99)
            let database = directory.file("acme-dns.db")
            try Self.makeAcmeDNSDatabase(at: database, users: users, liveValue: live)
            try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)

            let result = try await Tool.run(
                try CairnBinary.path(),
                [
                    "import", "acme-dns", database, "--state-dir", directory.file("state"), "--zones",
                    directory.file("zones"),
                ],
                environment: ["CAIRN_API_AUTH_ZONE": HookAPIServeTests.authZone])
            try #require(result.succeeded, "\(result.output)")
            #expect(result.output.contains("imported 2 registrations and 1 live values"))

            try await HookAPIServeTests.serve(in: directory) { dnsPort, apiPort, _ in
                let first = "\(users[0].subdomain).\(HookAPIServeTests.authZone)"
                // The value acme-dns served a minute ago is served by Cairn.
                #expect(try await HookAPIServeTests.txt(dnsPort, first).1 == [live])
                for (index, user) in users.enumerated() {
                    let registration = HookAPIServeTests.Registration(
                        username: user.username, password: user.password, subdomain: user.subdomain,
                        fulldomain: "\(user.subdomain).\(HookAPIServeTests.authZone)")
                    let wrong = HookAPIServeTests.Registration(
                        username: user.username, password: String(user.password.reversed()),
                        subdomain: user.subdomain, fulldomain: registration.fulldomain)
                    #expect(
                        try await HookAPIServeTests.update(apiPort, wrong, HookAPIServeTests.digest(index)).status
                            == 401)
                    // Twice: the first use checks bcrypt and replaces it, the second checks SHA-256.
                    for round in 0..<2 {
                        let value = HookAPIServeTests.digest(10 * index + round)
                        let reply = try await HookAPIServeTests.update(apiPort, registration, value)
                        #expect(reply.status == 200, "\(reply.body)")
                        #expect(try await HookAPIServeTests.txt(dnsPort, registration.fulldomain).1.contains(value))
                    }
                }
                let store = try SQLiteStore(path: directory.file("state/cairn.sqlite"))
                for user in users {
                    let hash = try await store.registration(username: user.username)?.keyHash
                    #expect(hash?.hasPrefix("sha256:") == true)
                }
                #expect(try await store.registration(username: users[1].username)?.allowFrom == ["127.0.0.0/8"])
            }
        }
    }
}
