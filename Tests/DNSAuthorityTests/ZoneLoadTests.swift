import DNSAuthority
import DNSWire
import Foundation
import Testing

private let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").path

/// Zones loaded from master files and then served: the path from a file to an answer.
@Suite struct ZoneLoadTests {
    @Test func fileZoneAnswersWildcardDelegationAndEmptyNonTerminal() throws {
        let zone = try Zone.load(file: "\(fixtures)/served.zone", origin: "served.test")
        #expect(zone.serial == 7)
        let client = Client(authority: try Authority(zones: [zone]))

        let wildcard = try client.ask("anything.wild.served.test", .txt)
        #expect(wildcard.answers.map(\.rdata) == [TestZones.txt("from the wildcard")])
        #expect(wildcard.answers.first?.name == "anything.wild.served.test")

        let referral = try client.ask("www.kid.served.test", .a)
        #expect(!referral.header.isAuthoritative)
        #expect(referral.authority.map(\.type) == [.ns])
        #expect(referral.additional.map(\.rdata) == [TestZones.a("192.0.2.53")])

        let ent = try client.ask("ent.served.test", .a)
        #expect(ent.responseCode == .noError)
        #expect(ent.answers.isEmpty && ent.authority.map(\.type) == [.soa])

        let included = try client.ask("www.served.test", .a)
        #expect(included.answers.map(\.rdata) == [TestZones.a("192.0.2.80")])
    }

    @Test func contentErrorsNameFileAndLine() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let path = try directory.write(
            "bad.zone",
            """
            $ORIGIN bad.test.
            @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 30
            @ 300 IN NS ns1
            alias 300 IN CNAME ns1
            alias 300 IN TXT "beside a CNAME"
            """)
        #expect {
            try Zone.load(file: path, origin: "bad.test")
        } throws: { error in
            "\(error)" == "\(path):5: CNAME beside other data (alias.bad.test.)"
        }
    }

    @Test func syntaxErrorsNameFileAndLine() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let path = try directory.write(
            "broken.zone",
            """
            $ORIGIN broken.test.
            @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 30
            @ 300 IN NS ns1
            www 300 IN A 192.0.2.300
            """)
        #expect {
            try Zone.load(file: path, origin: "broken.test")
        } throws: { error in
            "\(error)".hasPrefix("\(path):4: ")
        }
    }

    @Test func zoneWithoutNSIsRefusedAtLoad() throws {
        let directory = try TemporaryDirectoryForTests()
        defer { directory.remove() }
        let path = try directory.write(
            "nons.zone",
            """
            $ORIGIN nons.test.
            @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 30
            """)
        #expect(throws: ZoneError(.missingNS, zone: "nons.test")) {
            try Zone.load(file: path, origin: "nons.test")
        }
    }
}

/// A scratch directory for files a test writes.
struct TemporaryDirectoryForTests {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ contents: String) throws -> String {
        let file = "\(path)/\(name)"
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
