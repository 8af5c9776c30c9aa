import CairnApplication
import CairnTestSupport
import Configuration
import DNSAuthority
import DNSReplication
import DNSWire
import Foundation
import Testing

/// `secondaries`, `tsigKeys`, `replication.*`: what an operator writes, and the errors that name
/// what is wrong.
@Suite struct ReplicationSettingsTests {
    static let secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXh4eHg="

    static func read(_ yaml: String, in directory: TemporaryDirectory) async throws -> ServeSettings {
        let file = try directory.write("cairn.yaml", yaml)
        return try await ServeSettings.read(
            configFile: file, overrides: ["state.directory": ConfigValue(.string(directory.path), isSecret: false)],
            environment: [:])
    }

    @Test func secondariesWithKeysFromTheFileAndFromAKeyFile() async throws {
        try await withTemporaryDirectory { directory in
            // Knot's form, as `keymgr -t` prints it.
            let keyFile = try directory.write(
                "knot-key.yaml", "key:\n  - id: other-key\n    algorithm: hmac-sha512\n    secret: \(Self.secret)\n")
            chmod(keyFile, 0o600)
            let settings = try await Self.read(
                """
                tsigKeys:
                  - name: xfr-key
                    secret: "\(Self.secret)"
                secondaries:
                  - address: "2001:DB8:0::53"
                    key: xfr-key
                  - address: 192.0.2.54
                    port: 5353
                    key: other-key
                    zones: [auth.example.net]
                replication:
                  keyFiles: ["\(keyFile)"]
                  acknowledgeTimeoutMilliseconds: 2500
                  journalLength: 50

                """, in: directory)
            let replication = settings.replication.configuration
            #expect(settings.replication.isEnabled)
            #expect(replication.secondaries.map(\.description) == ["[2001:db8::53]:53", "192.0.2.54:5353"])
            #expect(replication.secondaries[1].zones == ["auth.example.net"])
            #expect(replication.keys["xfr-key"]?.algorithm == .hmacSHA256)
            #expect(replication.keys["other-key"]?.algorithm == .hmacSHA512)
            #expect(replication.acknowledgeTimeout == .milliseconds(2500))
            #expect(settings.authority.journalLength == 50)
        }
    }

    @Test func noSecondariesKeepNoJournal() async throws {
        try await withTemporaryDirectory { directory in
            let settings = try await Self.read("{}\n", in: directory)
            #expect(!settings.replication.isEnabled)
            #expect(settings.authority.journalLength == 0)
        }
    }

    @Test(arguments: [
        ("secondaries:\n  - address: ns2.example.net\n", "is not an IPv4 or IPv6 address"),
        ("secondaries:\n  - address: 192.0.2.1\n    key: missing\n", "is not one of tsigKeys"),
        ("tsigKeys:\n  - name: k\n    secret: \"not base64!\"\n", "tsigKeys[0]"),
        ("tsigKeys:\n  - name: k\n    algorithm: hmac-md5\n    secret: \"\(secret)\"\n", "tsigKeys[0]"),
        ("replication:\n  journalLength: -1\n", "replication.journalLength"),
        ("secondaries:\n  - address: 192.0.2.1\n    catalog: true\n    zones: [a.test]\n", "leave zones out"),
        ("replication:\n  catalogZone: \"\(String(repeating: "a.", count: 110))\"\n", "replication.catalogZone"),
    ])
    func mistakesAreNamed(yaml: String, expected: String) async throws {
        try await withTemporaryDirectory { directory in
            do {
                _ = try await Self.read(yaml, in: directory)
                Issue.record("accepted: \(yaml)")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }

    /// The catalog zone is served only when a secondary consumes it, at the default apex or the
    /// configured one.
    @Test func aCatalogIsServedOnlyForASecondaryThatConsumesIt() async throws {
        try await withTemporaryDirectory { directory in
            let none = try await Self.read("secondaries:\n  - address: 192.0.2.1\n", in: directory)
            #expect(none.authority.catalogZone == nil)
            #expect(none.replication.configuration.catalogZone == nil)
            let consumed = try await Self.read(
                "secondaries:\n  - address: 192.0.2.1\n    catalog: true\n", in: directory)
            #expect(consumed.authority.catalogZone == (try DNSName("catalog.cairn.invalid")))
            #expect(consumed.replication.configuration.catalogZone == consumed.authority.catalogZone)
            #expect(consumed.replication.configuration.secondaries.first?.consumesCatalog == true)
            let named = try await Self.read(
                "secondaries:\n  - address: 192.0.2.1\n    catalog: true\nreplication:\n  catalogZone: cat.example.\n",
                in: directory)
            #expect(named.authority.catalogZone == (try DNSName("cat.example")))
        }
    }

    @Test func aKeyFileOthersCanReadIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let keyFile = try directory.write("key.yaml", "name: k\nsecret: \(Self.secret)\n")
            chmod(keyFile, 0o644)
            do {
                _ = try await Self.read("replication:\n  keyFiles: [\"\(keyFile)\"]\n", in: directory)
                Issue.record("a world-readable key file was accepted")
            } catch {
                #expect("\(error)".contains("chmod 600"), "\(error)")
            }
        }
    }
}
