import CairnTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The state directory holds every credential's hash: the real `cairn` keeps it 0700 and
/// everything in it 0600 whatever the umask, fixes what an older version left readable, and
/// refuses a directory that others could write to.
@Suite(.serialized) struct StateDirectoryModeTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int) & 0o7777
    }

    static func octal(_ mode: Int) -> String { String(mode, radix: 8) }

    /// `cairn ARGUMENTS` under umask 022, the usual default.
    static func cairn(_ directory: TemporaryDirectory, _ arguments: [String]) async throws -> Tool.Result {
        try await Tool.run(
            "sh",
            ["-c", "umask 022; exec \"$0\" \"$@\"", try CairnBinary.path()] + arguments + [
                "--state-dir", directory.file("state"), "--zones", directory.file("zones"),
            ],
            environment: ["CAIRN_API_AUTH_ZONE": HookAPIServeTests.authZone])
    }

    @Test(.timeLimit(.minutes(2)))
    func serveUnderUmask022KeepsTheStatePrivate() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)
            let dnsPort = try await LoopbackPorts.free()
            let apiPort = try await LoopbackPorts.free()
            let state = directory.file("state")
            try await Daemon.with(
                "/bin/sh",
                [
                    "-c", "umask 022; exec \"$0\" \"$@\"", try CairnBinary.path(), "serve", "--zones",
                    directory.file("zones"), "--state-dir", state, "--listen", "127.0.0.1:\(dnsPort)",
                    "--api-listen", "127.0.0.1:\(apiPort)", "--udp-sockets", "1",
                ],
                environment: ["CAIRN_API_AUTH_ZONE": HookAPIServeTests.authZone],
                logPath: directory.file("cairn.log"),
                ready: { (try? await HookAPIServeTests.request(apiPort, "GET", "/health"))?.status == 200 }
            ) { _ in
                // A write, so SQLite has made its -wal and -shm files.
                _ = try await HookAPIServeTests.register(apiPort)
                #expect(Self.octal(try Self.mode(state)) == "700")
                for name in ["cairn.sqlite", "cairn.sqlite-wal", "cairn.sqlite-shm", "cairn.pid"] {
                    #expect(Self.octal(try Self.mode("\(state)/\(name)")) == "600", "\(name)")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func filesLeftReadableAreMadePrivateAndEachFixIsLogged() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.file("state")
            let made = try await Self.cairn(directory, ["register"])
            try #require(made.succeeded, "\(made.output)")
            // As an older Cairn under umask 022 left them, plus an account key directory.
            try directory.write("state/accounts/ca/account.key", "key\n")
            let files = ["cairn.sqlite", "accounts/ca/account.key"]
            for name in files { #expect(chmod("\(state)/\(name)", 0o644) == 0) }
            for name in ["", "accounts", "accounts/ca"] { #expect(chmod("\(state)/\(name)", 0o755) == 0) }

            let listed = try await Self.cairn(directory, ["registration", "list"])
            try #require(listed.succeeded, "\(listed.output)")
            #expect(Self.octal(try Self.mode(state)) == "700")
            for name in ["accounts", "accounts/ca"] { #expect(Self.octal(try Self.mode("\(state)/\(name)")) == "700") }
            for name in files { #expect(Self.octal(try Self.mode("\(state)/\(name)")) == "600", "\(name)") }
            let fixes = listed.output.split(separator: "\n").filter { $0.contains("made a state file private") }
            #expect(fixes.count == 5, "\(listed.output)")
            for name in files { #expect(fixes.contains { $0.contains("\(state)/\(name)") }, "\(name)") }
        }
    }

    /// The certificate archive sets its own modes (0644 certificates, 0640 keys with `group`);
    /// a start must not take them back, or a web server's group loses its key at every restart.
    @Test(.timeLimit(.minutes(2)))
    func theCertificatesTreeKeepsTheModesTheArchiveGaveIt() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.file("state")
            let made = try await Self.cairn(directory, ["register"])
            try #require(made.succeeded, "\(made.output)")
            try directory.write("state/certificates/live/web/privkey.pem", "key\n")
            try directory.write("state/certificates/live/web/cert.pem", "cert\n")
            #expect(chmod("\(state)/certificates/live/web/privkey.pem", 0o640) == 0)
            #expect(chmod("\(state)/certificates/live/web/cert.pem", 0o644) == 0)
            for name in ["certificates", "certificates/live", "certificates/live/web"] {
                #expect(chmod("\(state)/\(name)", 0o750) == 0)
            }

            let listed = try await Self.cairn(directory, ["registration", "list"])
            try #require(listed.succeeded, "\(listed.output)")
            #expect(Self.octal(try Self.mode("\(state)/certificates/live/web/privkey.pem")) == "640")
            #expect(Self.octal(try Self.mode("\(state)/certificates/live/web/cert.pem")) == "644")
            #expect(Self.octal(try Self.mode("\(state)/certificates/live/web")) == "750")
            #expect(!listed.output.contains("made a state file private"), "\(listed.output)")
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: [0o777, 0o775, 0o1777])
    func aStateDirectoryOthersCanWriteIsRefused(mode: Int) async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.file("state")
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            #expect(chmod(state, mode_t(mode)) == 0)
            let token = try await Self.cairn(directory, ["token", "list"])
            #expect(!token.succeeded)
            #expect(token.output.contains("chmod 700 \(state)"), "\(token.output)")
            // `timeout` bounds the run should the directory wrongly be accepted and the server start.
            let serve = try await Tool.run(
                "timeout",
                [
                    "10", try CairnBinary.path(), "serve", "--state-dir", state, "--listen", "127.0.0.1:0",
                    "--api-listen", "none",
                ])
            #expect(!serve.succeeded)
            #expect(serve.output.contains("chmod 700 \(state)"), "\(serve.output)")
            #expect(!FileManager.default.fileExists(atPath: "\(state)/cairn.sqlite"))
        }
    }

    @Test(.timeLimit(.minutes(2)), .enabled(if: geteuid() == 0, "needs root to give the directory away"))
    func aStateDirectoryOfAnotherUserIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.file("state")
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            #expect(chmod(state, 0o700) == 0)
            #expect(chown(state, 65534, 65534) == 0)
            let token = try await Self.cairn(directory, ["token", "list"])
            #expect(!token.succeeded)
            #expect(token.output.contains("state directory \(state) belongs to"), "\(token.output)")
            #expect(token.output.contains("chown -R 0 \(state)"), "\(token.output)")
        }
    }
}
