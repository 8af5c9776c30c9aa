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
        /// The `Retry-After` header, when sent.
        var retryAfter: Int?
        var description: String { "\(status) \(body)" + (retryAfter.map { " Retry-After: \($0)" } ?? "") }
    }

    /// One request with curl from `source`; the reply's status and body.
    static func curl(
        _ apiPort: Int, _ path: String, from source: String, headers: [String] = [], body: String? = nil
    ) async throws -> Reply {
        var arguments = [
            "--silent", "--show-error", "--max-time", "10", "--interface", source, "-X", "POST",
            "--write-out", "\n%{http_code}\n%header{retry-after}",
        ]
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["--data", body] }
        let result = try await Tool.run("curl", arguments + ["http://127.0.0.1:\(apiPort)\(path)"])
        try #require(result.succeeded, "curl: \(result.output)")
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return Reply(
            status: Int(lines.dropLast().last ?? "") ?? 0, body: lines.dropLast(2).joined(separator: "\n"),
            retryAfter: Int(lines.last ?? ""))
    }

    @Test(.timeLimit(.minutes(3)))
    func wrongKeysFromManyAddressesDoNotLockTheOwnerOut() async throws {
        try await withTemporaryDirectory { directory in
            try await HookAPIServeTests.serve(in: directory) { _, apiPort, _ in
                let owner = try await HookAPIServeTests.register(apiPort)
                let body = "{\"subdomain\":\"\(owner.subdomain)\",\"txt\":\"\(HookAPIServeTests.digest(1))\"}"
                let wrongKey = String(repeating: "x", count: 40)
                // 31 guesses, each from its own address: the default limit is 30 failures a minute.
                var replies: [Reply] = []
                for n in 1...31 {
                    replies.append(
                        try await Self.curl(
                            apiPort, "/update", from: "127.0.60.\(n)",
                            headers: ["X-Api-User: \(owner.username)", "X-Api-Key: \(wrongKey)"], body: body))
                }
                #expect(replies.map(\.status) == Array(repeating: 401, count: 30) + [429])
                // The 429 says when the user's window closes (RFC 6585 §4); the 401s say nothing.
                #expect((1...60).contains(replies[30].retryAfter ?? 0), "\(replies[30])")
                #expect(replies.prefix(30).allSatisfy { $0.retryAfter == nil })
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
                #expect((1...60).contains(limited.retryAfter ?? 0), "\(limited)")
                let full = try await Self.curl(apiPort, "/register", from: "127.0.60.4")
                #expect(full.status == 403)
                #expect(full.body == "{\"error\": \"registration_limit_reached\"}")
            }
        }
    }

    /// One credential writing in a loop gets 429 with `Retry-After` past `api.updatesPerMinute`,
    /// on `/update` and on httpreq's `/present` alike; another credential is not held back.
    @Test(.timeLimit(.minutes(3)))
    func writesArePerCredentialLimited() async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write("cairn.yaml", "api:\n  updatesPerMinute: 3\n")
            try await HookAPIServeTests.serve(in: directory, arguments: ["--config", config]) { _, apiPort, _ in
                let looping = try await HookAPIServeTests.register(apiPort)
                let other = try await HookAPIServeTests.register(apiPort)
                func update(_ owner: HookAPIServeTests.Registration, _ n: Int) async throws -> Reply {
                    try await Self.curl(
                        apiPort, "/update", from: "127.0.0.1",
                        headers: ["X-Api-User: \(owner.username)", "X-Api-Key: \(owner.password)"],
                        body: "{\"subdomain\":\"\(owner.subdomain)\",\"txt\":\"\(HookAPIServeTests.digest(n))\"}")
                }
                var replies: [Reply] = []
                for n in 0..<4 { replies.append(try await update(looping, n)) }
                #expect(replies.map(\.status) == [200, 200, 200, 429], "\(replies)")
                #expect(replies[3].body == "{\"error\": \"too_many_updates\"}")
                #expect((1...60).contains(replies[3].retryAfter ?? 0), "\(replies[3])")
                #expect(try await update(other, 9).status == 200)

                let created = try await CredentialCommandTests.cairn(
                    directory, ["token", "create", "--domain", "limited.test"])
                try #require(created.succeeded, "\(created.output)")
                let id = try #require(CredentialCommandTests.field("token", in: created.output))
                let key = try #require(CredentialCommandTests.field("key", in: created.output))
                var present: [Int] = []
                for n in 0..<4 {
                    present.append(
                        try await CredentialCommandTests.present(
                            apiPort, id: id, key: key, fqdn: "_acme-challenge.limited.test",
                            value: HookAPIServeTests.digest(n)))
                }
                #expect(present == [200, 200, 200, 429])
            }
        }
    }

    /// Every secret Cairn is given or makes — the admin token, a TSIG secret, registration and
    /// token keys — and every wrong key a client sends stays out of the log at `trace`, through
    /// successes, refusals and the 429s; only the documented register reply carries a key.
    @Test(.timeLimit(.minutes(3)))
    func keysStayOutOfTheLogEvenAtTrace() async throws {
        let adminToken = "admin-" + String(repeating: "7a", count: 20)
        let tsigSecret = "c2VjcmV0LXRyYWNlLXRyYWNlLXRyYWNlLXRyYWNlLXh4eHg="
        TestSecrets.note(adminToken)
        TestSecrets.note(tsigSecret)
        try await withTemporaryDirectory { directory in
            let config = try directory.write(
                "cairn.yaml",
                """
                api:
                  adminToken: "\(adminToken)"
                  registerNetworks: ["127.0.0.1/32"]
                  updatesPerMinute: 4
                  authFailuresPerMinute: 2
                tsigKeys:
                  - name: trace-key
                    algorithm: hmac-sha256
                    secret: "\(tsigSecret)"
                """)
            try await HookAPIServeTests.serve(
                in: directory, arguments: ["--config", config, "--log-level", "trace"]
            ) { dnsPort, apiPort, _ in
                let wrongAdmin = "admin-" + String(repeating: "5b", count: 20)
                let refused = try await Self.curl(
                    apiPort, "/register", from: "127.0.60.1", headers: ["Authorization: Bearer \(wrongAdmin)"])
                #expect(refused.status == 401)
                let made = try await Self.curl(
                    apiPort, "/register", from: "127.0.60.1", headers: ["Authorization: Bearer \(adminToken)"])
                #expect(made.status == 201, "\(made)")
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(made.body.utf8)) as? [String: Any])
                let user = try #require(object["username"] as? String)
                let password = try #require(object["password"] as? String)
                let subdomain = try #require(object["subdomain"] as? String)
                TestSecrets.note(password)
                let body = "{\"subdomain\":\"\(subdomain)\",\"txt\":\"\(HookAPIServeTests.digest(1))\"}"
                let wrongKey = String(password.reversed())
                var statuses: [Int] = []
                for key in [wrongKey, wrongKey, wrongKey, password, password, password, password, password] {
                    let reply = try await Self.curl(
                        apiPort, "/update", from: "127.0.60.2",
                        headers: ["X-Api-User: \(user)", "X-Api-Key: \(key)"], body: body)
                    #expect(!reply.body.contains(key), "\(reply)")
                    statuses.append(reply.status)
                }
                #expect(statuses == [401, 401, 429, 200, 200, 200, 200, 429])

                let created = try await CredentialCommandTests.cairn(
                    directory, ["token", "create", "--domain", "secret.test"])
                try #require(created.succeeded, "\(created.output)")
                let id = try #require(CredentialCommandTests.field("token", in: created.output))
                let key = try #require(CredentialCommandTests.field("key", in: created.output))
                for presented in [key, String(key.reversed())] {
                    _ = try await CredentialCommandTests.present(
                        apiPort, id: id, key: presented, fqdn: "_acme-challenge.secret.test",
                        value: HookAPIServeTests.digest(2))
                }
                // A signed query is answered signed: the key was read and used.
                let signed = try await Dig.query(
                    host: "127.0.0.1", port: dnsPort, name: "auth.test", type: "SOA",
                    extra: ["-y", "hmac-sha256:trace-key:\(tsigSecret)"])
                #expect(signed.status == "NOERROR" && signed.output.contains("TSIG PSEUDOSECTION"), "\(signed.output)")
                // An unknown key is NOTAUTH with BADKEY (RFC 8945 §5.2.1), not an unsigned answer.
                let unknown = try await Dig.query(
                    host: "127.0.0.1", port: dnsPort, name: "auth.test", type: "SOA",
                    extra: ["-y", "hmac-sha256:other-key:\(tsigSecret)"])
                #expect(unknown.status == "NOTAUTH", "\(unknown.output)")

                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                #expect(log.contains("debug") || log.contains("trace"), "the log is not at trace")
                for secret in [adminToken, wrongAdmin, tsigSecret, password, wrongKey, key, String(key.reversed())] {
                    #expect(!log.contains(secret), "a key is in the log: \(secret.prefix(8))…")
                }
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
