import CairnTestSupport
import Foundation
import Testing

/// `cairn issue` against real Pebble (`PEBBLE_AUTHZREUSE=0`: every authorization is really
/// validated), whose validation authority asks Cairn's own DNS listener directly
/// (`-dnsserver`). There is no delegation in this setup — Pebble asks Cairn for every name —
/// so these runs pass `--skip-preflight`; `DelegationTests` covers preflight through a real
/// hierarchy.
@Suite(.serialized, .timeLimit(.minutes(5))) struct IssueCommandTests {
    struct Run: Sendable {
        var result: Tool.Result
        var out: String
        var state: String
    }

    /// Starts Pebble pointed at a free port, runs `cairn issue` listening there, hands both to `body`.
    static func issue<T: Sendable>(
        _ names: [String], extra: [String] = [],
        pebbleOptions: (String) -> Pebble.Options = {
            Pebble.Options(dnsServer: $0)
        }, environment: [String: String] = [:], _ body: @Sendable (Pebble, Run, TemporaryDirectory) async throws -> T
    ) async throws -> T {
        let port = try await LoopbackPorts.free()
        return try await Pebble.with(pebbleOptions("127.0.0.1:\(port)")) { pebble in
            try await withTemporaryDirectory(prefix: "cairn-issue") { directory in
                let out = directory.file("certificates")
                let state = directory.file("state")
                var arguments = [
                    "issue", "--server", pebble.directoryURL, "--ca-bundle", pebble.caCertificatePath, "--listen",
                    "127.0.0.1:\(port)", "--out", out, "--state-dir", state, "--skip-preflight", "--email",
                    "admin@example.test",
                ]
                for name in names { arguments += ["-d", name] }
                arguments += extra
                let result = try await Tool.run(try CairnBinary.path(), arguments, environment: environment)
                return try await body(pebble, Run(result: result, out: out, state: state), directory)
            }
        }
    }

    /// `openssl verify` of the leaf against Pebble's current root, intermediates from chain.pem.
    static func verify(
        _ pebble: Pebble, directory: TemporaryDirectory, certificateDirectory: String
    ) async throws
        -> Tool.Result
    {
        let root = try await pebble.writeRoots(to: directory.file("root.pem"))
        return try await Tool.run(
            "openssl",
            [
                "verify", "-CAfile", root, "-untrusted", "\(certificateDirectory)/chain.pem",
                "\(certificateDirectory)/cert.pem",
            ])
    }

    static func subjectAlternativeNames(_ certificate: String) async throws -> Set<String> {
        let text = try await Tool.run("openssl", ["x509", "-in", certificate, "-noout", "-ext", "subjectAltName"])
        return Set(
            text.output.components(separatedBy: CharacterSet(charactersIn: ", \n"))
                .filter { $0.hasPrefix("DNS:") }.map { String($0.dropFirst(4)) })
    }

    @Test func wildcardApexAndAnotherDomainInOneCertificate() async throws {
        let names = ["example.test", "*.example.test", "other.test"]
        try await Self.issue(names) { pebble, run, directory in
            #expect(run.result.succeeded, "cairn issue failed:\n\(run.result.output)\nPebble:\n\(pebble.log())")
            let certificateDirectory = "\(run.out)/example.test"
            #expect(try await Self.subjectAlternativeNames("\(certificateDirectory)/cert.pem") == Set(names))
            let verified = try await Self.verify(
                pebble, directory: directory, certificateDirectory: certificateDirectory)
            #expect(verified.succeeded, "openssl verify: \(verified.output)")
            // Progress per identifier and the total time.
            for name in names { #expect(run.result.output.contains("\(name): valid")) }
            #expect(run.result.output.contains("done in"))
            // Keys are private to the owner.
            let keyMode =
                try FileManager.default.attributesOfItem(atPath: "\(certificateDirectory)/privkey.pem")[
                    .posixPermissions] as? Int
            #expect(keyMode == 0o600)
            let accounts =
                FileManager.default.enumerator(atPath: "\(run.state)/accounts")?.allObjects as? [String] ?? []
            let accountKey = try #require(accounts.first { $0.hasSuffix("account.key") })
            let accountMode =
                try FileManager.default.attributesOfItem(atPath: "\(run.state)/accounts/\(accountKey)")[
                    .posixPermissions] as? Int
            #expect(accountMode == 0o600)
            // Pebble really validated each authorization (none reused) by asking Cairn.
            #expect(pebble.log().components(separatedBy: "set VALID by completed challenge").count - 1 == 3)
        }
    }

    @Test(arguments: ["rsa2048", "ec384"])
    func certificateKeyTypes(_ keyType: String) async throws {
        try await Self.issue(["keys.test"], extra: ["--key-type", keyType]) { pebble, run, directory in
            #expect(run.result.succeeded, "cairn issue failed:\n\(run.result.output)")
            let certificate = "\(run.out)/keys.test/cert.pem"
            let text = try await Tool.run("openssl", ["x509", "-in", certificate, "-noout", "-text"]).output
            if keyType.hasPrefix("rsa") {
                #expect(text.contains("rsaEncryption") && text.contains("2048 bit"))
            } else {
                #expect(text.contains("id-ecPublicKey") && text.contains("384 bit"))
            }
            let verified = try await Self.verify(
                pebble, directory: directory, certificateDirectory: "\(run.out)/keys.test")
            #expect(verified.succeeded, "openssl verify: \(verified.output)")
        }
    }

    @Test func externalAccountBindingRequired() async throws {
        // A 256-bit MAC key, base64url, as a CA hands it out.
        let macKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("eab-\(UUID()).key").path
        try macKey.write(toFile: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        try await Self.issue(
            ["eab.test"], extra: ["--eab-kid", "kid-1", "--eab-hmac-key-file", keyFile],
            pebbleOptions: { Pebble.Options(dnsServer: $0, externalAccountMACKeys: ["kid-1": macKey]) }
        ) { pebble, run, _ in
            #expect(run.result.succeeded, "cairn issue with EAB failed:\n\(run.result.output)\n\(pebble.log())")
        }
        // Without the binding the same CA refuses the account with its externalAccountRequired
        // problem (RFC 8555 §7.3.4; cairn prints the type without its urn:ietf:params:acme:error:
        // prefix), and nothing is ordered.
        try await Self.issue(
            ["eab.test"], pebbleOptions: { Pebble.Options(dnsServer: $0, externalAccountMACKeys: ["kid-1": macKey]) }
        ) { pebble, run, _ in
            #expect(!run.result.succeeded)
            #expect(
                run.result.output.contains("problem: HTTP 403: externalAccountRequired:"), "\(run.result.output)")
            let accounts = try await pebble.requests(to: "newAccount")
            let orders = try await pebble.requests(to: "newOrder")
            #expect(accounts >= 1 && orders == 0, "\(accounts) newAccount, \(orders) newOrder:\n\(pebble.log())")
        }
    }

    /// `--eab-kid` with an empty HMAC key is refused by cairn itself, naming the key, before any
    /// request: the CA here requires EAB and is reachable, so an empty binding sent to it (or
    /// none) would show as a newAccount request in its log and its externalAccountRequired
    /// problem in the output.
    @Test func eabKeyIDWithAnEmptyKeyIsRefusedBeforeTheCAIsAsked() async throws {
        let macKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"
        try await Self.issue(
            ["eab.test"], extra: ["--eab-kid", "kid-1"],
            pebbleOptions: { Pebble.Options(dnsServer: $0, externalAccountMACKeys: ["kid-1": macKey]) },
            environment: ["CAIRN_EAB_HMAC_KEY": ""]
        ) { pebble, run, _ in
            #expect(!run.result.succeeded)
            #expect(
                run.result.output.contains("invalid key: the EAB MAC key for kid-1 is not base64url"),
                "\(run.result.output)")
            #expect(!run.result.output.contains("externalAccountRequired"), "\(run.result.output)")
            for resource in ["newNonce", "newAccount", "newOrder"] {
                let count = try await pebble.requests(to: resource)
                #expect(count == 0, "\(resource) requested \(count) times:\n\(pebble.log())")
            }
        }
    }

    @Test func survivesHalfOfAllNoncesRejected() async throws {
        let names = (1...5).map { "n\($0).nonce.test" }
        try await Self.issue(
            names, extra: ["--log-level", "debug"],
            pebbleOptions: { Pebble.Options(dnsServer: $0, environment: ["PEBBLE_WFE_NONCEREJECT": "50"]) }
        ) { pebble, run, _ in
            #expect(run.result.succeeded, "cairn issue failed:\n\(run.result.output)")
            // With about 40 signed requests at 50 %, some nonces are always rejected and retried.
            #expect(run.result.output.contains("badNonce, retrying"), "Pebble rejected no nonce")
        }
    }

    @Test func hundredNamesInOneCertificate() async throws {
        let names = (1...100).map { "host\($0).many.test" }
        try await Self.issue(names) { pebble, run, _ in
            #expect(run.result.succeeded, "cairn issue failed:\n\(run.result.output.suffix(3000))")
            let sans = try await Self.subjectAlternativeNames("\(run.out)/host1.many.test/cert.pem")
            #expect(sans == Set(names))
        }
    }

    /// A second run into the same directory reuses the account and, with `--reuse-key`, the
    /// certificate key, and replaces the certificate files (Pebble has no ARI, so no `replaces`).
    @Test func reissueReusesAccountAndKey() async throws {
        try await Self.issue(["again.test"], extra: ["--reuse-key"]) { pebble, run, directory in
            #expect(run.result.succeeded, "\(run.result.output)")
            let keyPath = "\(run.out)/again.test/privkey.pem"
            let certificatePath = "\(run.out)/again.test/cert.pem"
            let firstKey = try String(contentsOfFile: keyPath, encoding: .utf8)
            let firstCertificate = try String(contentsOfFile: certificatePath, encoding: .utf8)
            let port = try #require(run.result.output.firstMatch(of: /answering dns-01 on 127\.0\.0\.1:(\d+)/)?.1)
            let second = try await Tool.run(
                try CairnBinary.path(),
                [
                    "issue", "-d", "again.test", "--reuse-key", "--server", pebble.directoryURL, "--ca-bundle",
                    pebble.caCertificatePath, "--listen", "127.0.0.1:\(port)", "--out", run.out, "--state-dir",
                    run.state,
                    "--skip-preflight",
                ])
            #expect(second.succeeded, "\(second.output)")
            #expect(!second.output.contains("new key"), "the account key is reused: \(second.output)")
            #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == firstKey)
            #expect(try String(contentsOfFile: certificatePath, encoding: .utf8) != firstCertificate)
        }
    }

    @Test func badInputFailsBeforeAnyOrder() async throws {
        let binary = try CairnBinary.path()
        let noName = try await Tool.run(binary, ["issue", "--server", "https://127.0.0.1:1/dir"])
        #expect(!noName.succeeded && noName.output.contains("at least one name"))
        let badName = try await Tool.run(binary, ["issue", "-d", "not a name!", "--server", "https://127.0.0.1:1/dir"])
        #expect(!badName.succeeded && badName.output.contains("is not a domain name"))
        let badKey = try await Tool.run(binary, ["issue", "-d", "a.test", "--key-type", "dsa"])
        #expect(!badKey.succeeded && badKey.output.contains("--key-type"))
        // RFC 8555 §6.1: a cleartext CA is refused by name, not tried (a connection refused at
        // port 1 would say "transport").
        let cleartext = try await Tool.run(
            binary, ["issue", "-d", "a.test", "--server", "http://127.0.0.1:1/dir", "--skip-preflight"])
        #expect(
            !cleartext.succeeded && cleartext.output.contains("ACME is HTTPS only"), "\(cleartext.output)")
    }
}
