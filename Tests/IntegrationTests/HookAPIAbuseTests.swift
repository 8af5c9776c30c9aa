import CairnTestSupport
import Foundation
import Testing

/// The hook API of a real `cairn serve` under abuse, with curl sending from many loopback
/// addresses (`--interface 127.0.60.N`; Linux routes all of 127.0.0.0/8 to `lo`): guessing at a
/// user's key does not lock its owner out, and `/register` is limited per source and in all.
@Suite(.serialized) struct HookAPIAbuseTests {
    struct Reply: Sendable, CustomStringConvertible {
        var status: Int
        var body: String
        var description: String { "\(status) \(body)" }
    }

    /// One request with curl from `source`; the reply's status and body.
    static func curl(
        _ apiPort: Int, _ path: String, from source: String, headers: [String] = [], body: String? = nil
    ) async throws -> Reply {
        var arguments = [
            "--silent", "--show-error", "--max-time", "10", "--interface", source, "-X", "POST",
            "--write-out", "\n%{http_code}",
        ]
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data", body] }
        let result = try await Tool.run("curl", arguments + ["http://127.0.0.1:\(apiPort)\(path)"])
        try #require(result.succeeded, "curl: \(result.output)")
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return Reply(status: Int(lines.last ?? "") ?? 0, body: lines.dropLast().joined(separator: "\n"))
    }

    @Test(.timeLimit(.minutes(3)))
    func wrongKeysFromManyAddressesDoNotLockTheOwnerOut() async throws {
        try await withTemporaryDirectory { directory in
            try await HookAPIServeTests.serve(in: directory) { _, apiPort, _ in
                let owner = try await HookAPIServeTests.register(apiPort)
                let body = "{\"subdomain\":\"\(owner.subdomain)\",\"txt\":\"\(HookAPIServeTests.digest(1))\"}"
                let wrongKey = String(repeating: "x", count: 40)
                // 31 guesses, each from its own address: the default limit is 30 failures a minute.
                var statuses: [Int] = []
                for n in 1...31 {
                    let reply = try await Self.curl(
                        apiPort, "/update", from: "127.0.60.\(n)",
                        headers: ["X-Api-User: \(owner.username)", "X-Api-Key: \(wrongKey)"], body: body)
                    statuses.append(reply.status)
                }
                #expect(statuses == Array(repeating: 401, count: 30) + [429])
                // The owner's key works, from a fresh address and from one a guess came from.
                for source in ["127.0.60.200", "127.0.60.31"] {
                    let reply = try await Self.curl(
                        apiPort, "/update", from: source,
                        headers: ["X-Api-User: \(owner.username)", "X-Api-Key: \(owner.password)"], body: body)
                    #expect(reply.status == 200, "from \(source): \(reply)")
                }
                // Each failure is logged with where it came from.
                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                let refusals = log.split(separator: "\n").filter { $0.contains("update refused") }
                #expect(refusals.count == 31)
                #expect(refusals.contains { $0.contains("client=127.0.60.1 ") || $0.hasSuffix("client=127.0.60.1") })
                #expect(refusals.contains { $0.contains("127.0.60.31") })
                #expect(!log.contains(owner.password))
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func registerIsLimitedPerSourceAndInAll() async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write(
                "cairn.yaml",
                """
                api:
                  registerPerMinute: 2
                  maxRegistrations: 5
                """)
            try await HookAPIServeTests.serve(in: directory, arguments: ["--config", config]) { _, apiPort, _ in
                var replies: [String: [Int]] = [:]
                for source in ["127.0.60.1", "127.0.60.1", "127.0.60.1", "127.0.60.2", "127.0.60.2", "127.0.60.3"] {
                    replies[source, default: []].append(try await Self.curl(apiPort, "/register", from: source).status)
                }
                #expect(replies == ["127.0.60.1": [201, 201, 429], "127.0.60.2": [201, 201], "127.0.60.3": [201]])
                let limited = try await Self.curl(apiPort, "/register", from: "127.0.60.2")
                #expect(limited.status == 429)
                #expect(limited.body == "{\"error\": \"too_many_registrations\"}")
                let full = try await Self.curl(apiPort, "/register", from: "127.0.60.4")
                #expect(full.status == 403)
                #expect(full.body == "{\"error\": \"registration_limit_reached\"}")
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aProxyOnThisHostDoesNotOpenRegisterUnlessTrusted() async throws {
        try await withTemporaryDirectory { directory in
            try await HookAPIServeTests.serve(in: directory) { _, apiPort, _ in
                let proxied = try await Self.curl(
                    apiPort, "/register", from: "127.0.0.1", headers: ["X-Forwarded-For: 203.0.113.9"])
                #expect(proxied.status == 401)
                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                #expect(log.contains("not in api.trustedProxies"), "\(log)")
            }
            // Named as a trusted proxy, it passes its clients on: 203.0.113.9 is judged by its own
            // address, and an allowed network's client may register.
            let config = try directory.write(
                "trusted.yaml",
                """
                api:
                  trustedProxies: ["127.0.0.1"]
                  registerNetworks: ["203.0.113.0/24"]
                """)
            try await HookAPIServeTests.serve(in: directory, arguments: ["--config", config]) { _, apiPort, _ in
                let allowed = try await Self.curl(
                    apiPort, "/register", from: "127.0.0.1", headers: ["X-Forwarded-For: 203.0.113.9"])
                #expect(allowed.status == 201)
                let other = try await Self.curl(
                    apiPort, "/register", from: "127.0.0.1", headers: ["X-Forwarded-For: 198.51.100.1"])
                #expect(other.status == 401)
            }
        }
    }
}
