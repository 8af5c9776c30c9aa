import CairnTestSupport
import DNSWire
import Foundation
import Testing

/// `cairn token`, `cairn register` and `cairn registration` against a running `cairn serve`:
/// the credentials they print work at once, and deleting one stops its names being served.
@Suite(.serialized) struct CredentialCommandTests {
    static func cairn(_ directory: TemporaryDirectory, _ arguments: [String]) async throws -> Tool.Result {
        try await Tool.run(
            try CairnBinary.path(),
            arguments + ["--state-dir", directory.file("state"), "--zones", directory.file("zones")],
            environment: ["CAIRN_API_AUTH_ZONE": HookAPIServeTests.authZone])
    }

    static func field(_ name: String, in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("\(name):") }?
            .dropFirst(name.count + 1).split(separator: " ").first.map(String.init)
    }

    /// Asks until `check` holds, at most `attempts` times (a reload runs after the command returns).
    static func eventually(attempts: Int = 50, _ check: @Sendable () async throws -> Bool) async throws -> Bool {
        for _ in 0..<attempts {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test func aTokenPublishesThroughItsChallengeZoneUntilDeleted() async throws {
        try await withTemporaryDirectory { directory in
            try await HookAPIServeTests.serve(in: directory) { dnsPort, apiPort, _ in
                let created = try await Self.cairn(
                    directory, ["token", "create", "--domain", "Example.TEST", "--delegation", "ns"])
                try #require(created.succeeded, "\(created.output)")
                #expect(created.output.contains("_acme-challenge.example.test. NS ns.auth.test."))
                #expect(created.output.contains("asked cairn"))
                let id = try #require(Self.field("token", in: created.output))
                let key = try #require(Self.field("key", in: created.output))

                let name = "_acme-challenge.example.test"
                // The reload synthesizes the zone: its apex answers SOA.
                #expect(
                    try await Self.eventually {
                        let bytes = try await DNSTestClient.exchange(
                            try queryBytes(try DNSName(name), .soa), host: "127.0.0.1", port: dnsPort, transport: .udp)
                        return try DNSMessage(decoding: bytes).answers.count == 1
                    })
                let value = HookAPIServeTests.digest(7)
                let basic = "Basic " + Data("\(id):\(key)".utf8).base64EncodedString()
                let reply = try await HookAPIServeTests.request(
                    apiPort, "POST", "/present", headers: [("Authorization", basic)],
                    body: "{\"fqdn\":\"\(name).\",\"value\":\"\(value)\"}")
                #expect(reply.status == 200)
                #expect(try await HookAPIServeTests.txt(dnsPort, name).1 == [value])

                let listed = try await Self.cairn(directory, ["token", "list"])
                #expect(listed.output.contains(id))
                #expect(!listed.output.contains(key))

                let deleted = try await Self.cairn(directory, ["token", "delete", id])
                try #require(deleted.succeeded, "\(deleted.output)")
                #expect(
                    try await Self.eventually { try await HookAPIServeTests.txt(dnsPort, name).0 == .refused })
                let after = try await HookAPIServeTests.request(
                    apiPort, "POST", "/present", headers: [("Authorization", basic)],
                    body: "{\"fqdn\":\"\(name).\",\"value\":\"\(value)\"}")
                #expect(after.status == 401)
                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                #expect(!log.contains("reload failed"))
                #expect(!log.contains(key))
            }
        }
    }

    @Test func aRegistrationMadeByTheCLIUpdatesOverTheAPI() async throws {
        try await withTemporaryDirectory { directory in
            try await HookAPIServeTests.serve(in: directory) { dnsPort, apiPort, _ in
                let made = try await Self.cairn(directory, ["register"])
                try #require(made.succeeded, "\(made.output)")
                let json = String(made.output[made.output.firstIndex(of: "{")!...made.output.firstIndex(of: "}")!])
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
                let registration = HookAPIServeTests.Registration(
                    username: object["username"] as? String ?? "", password: object["password"] as? String ?? "",
                    subdomain: object["subdomain"] as? String ?? "", fulldomain: object["fulldomain"] as? String ?? "")
                let reply = try await HookAPIServeTests.update(apiPort, registration, HookAPIServeTests.digest(3))
                #expect(reply.status == 200)
                #expect(
                    try await HookAPIServeTests.txt(dnsPort, registration.fulldomain).1 == [HookAPIServeTests.digest(3)]
                )
                let listed = try await Self.cairn(directory, ["registration", "list"])
                #expect(listed.output.contains(registration.username))
                let deleted = try await Self.cairn(directory, ["registration", "delete", registration.username])
                try #require(deleted.succeeded, "\(deleted.output)")
                #expect(
                    try await Self.eventually {
                        try await HookAPIServeTests.txt(dnsPort, registration.fulldomain).0 == .nameError
                    })
            }
        }
    }
}
