import CairnTestSupport
import Foundation
import SystemPackage
import Testing

@testable import CertificateManager

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Deploy hooks run by `/bin/sh` with certbot's and Cairn's variables, failing loudly, and
/// stopped with everything they started when they overrun.
@Suite struct DeployHookTests {
    static let name = "example.test"
    static let domains = ["example.test", "*.example.test"]

    /// A certificate installed in `directory`, as the manager hands it to a hook.
    static func installed(in directory: TemporaryDirectory) throws -> InstalledCertificate {
        let archive = CertificateArchive(directory: directory.file("certificates"))
        try archive.install(try TestCertificates.issued(), name: name, group: nil)
        return try archive.install(try TestCertificates.issued(names: domains), name: name, group: nil)
    }

    @Test func aCertbotStyleHookReadsTheLineageAndDomains() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            let seen = directory.file("seen")
            // As certbot deploy hooks are written: the lineage directory and the names.
            let script = try directory.write(
                "hook.sh",
                """
                {
                  printf 'lineage=%s\\n' "$RENEWED_LINEAGE"
                  printf 'domains=%s\\n' "$RENEWED_DOMAINS"
                  for d in $RENEWED_DOMAINS; do printf 'domain=%s\\n' "$d"; done
                  printf 'name=%s\\n' "$CAIRN_CERT_NAME"
                  printf 'version=%s\\n' "$CAIRN_CERT_VERSION"
                  printf 'cert=%s\\n' "$CAIRN_CERT_PATH"
                  printf 'chain=%s\\n' "$CAIRN_CHAIN_PATH"
                  printf 'fullchain=%s\\n' "$CAIRN_FULLCHAIN_PATH"
                  printf 'key=%s\\n' "$CAIRN_KEY_PATH"
                  printf 'path=%s\\n' "$PATH"
                  test -r "$RENEWED_LINEAGE/fullchain.pem" && echo readable
                } > "\(seen)"
                """)
            let certificateBefore = try String(contentsOfFile: installed.paths.certificate, encoding: .utf8)

            _ = try await DeployHook(command: "sh '\(script)'", timeout: .seconds(60))
                .run(for: installed, domains: Self.domains)

            let lines = try String(contentsOfFile: seen, encoding: .utf8).split(separator: "\n").map(String.init)
            let lineage = directory.file("certificates/live/\(Self.name)")
            #expect(
                lines == [
                    "lineage=\(lineage)",
                    "domains=example.test *.example.test",
                    "domain=example.test",
                    "domain=*.example.test",
                    "name=\(Self.name)",
                    "version=2",
                    "cert=\(lineage)/cert.pem",
                    "chain=\(lineage)/chain.pem",
                    "fullchain=\(lineage)/fullchain.pem",
                    "key=\(lineage)/privkey.pem",
                    "path=\(ProcessInfo.processInfo.environment["PATH"] ?? "")",
                    "readable",
                ])
            #expect(try String(contentsOfFile: installed.paths.certificate, encoding: .utf8) == certificateBefore)
        }
    }

    @Test func aHookThatFailsThrowsWithItsExitStatusAndLastOutput() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            let hook = DeployHook(command: "echo 'reloading nginx'; echo 'nginx: config test failed' >&2; exit 3")
            let error = await #expect(throws: CertificateManagerError(.deployHook)) {
                try await hook.run(for: installed, domains: Self.domains)
            }
            let reason = error?.reason ?? ""
            #expect(reason.contains("exit status 3"), "\(reason)")
            #expect(reason.contains("reloading nginx\nnginx: config test failed"), "\(reason)")
            #expect(reason.contains(Self.name), "\(reason)")
        }
    }

    @Test func aFailureQuotesOnlyTheLastLines() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            let hook = DeployHook(command: "i=1; while [ $i -le 100 ]; do echo \"line $i\"; i=$((i+1)); done; exit 1")
            let error = await #expect(throws: CertificateManagerError(.deployHook)) {
                try await hook.run(for: installed, domains: Self.domains)
            }
            let reason = error?.reason ?? ""
            #expect(reason.contains("line 81\n"), "\(reason)")
            #expect(reason.hasSuffix("line 100"), "\(reason)")
            #expect(!reason.contains("line 80\n"), "\(reason)")
        }
    }

    @Test func aHookKilledByASignalFails() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            let hook = DeployHook(command: "kill -KILL $$")
            let error = await #expect(throws: CertificateManagerError(.deployHook)) {
                try await hook.run(for: installed, domains: Self.domains)
            }
            #expect(error?.reason.contains("killed by signal 9") == true, "\(error?.reason ?? "")")
        }
    }

    @Test func aHookThatCannotStartFails() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            var hook = DeployHook(command: "true")
            hook.shell = directory.file("no-such-shell")
            let error = await #expect(throws: CertificateManagerError(.deployHook)) {
                try await hook.run(for: installed, domains: Self.domains)
            }
            #expect(error?.reason.contains("could not run") == true, "\(error?.reason ?? "")")
        }
    }

    /// The hook's child ignores SIGTERM and holds a FIFO open: the FIFO reports a hang-up only
    /// when the child is dead, which is what the test waits for (with a deadline far below
    /// the child's 30 s).
    @Test func aHookPastItsTimeoutIsStoppedWithEverythingItStarted() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            let fifo = directory.file("alive")
            let childPID = directory.file("child.pid")
            #expect(mkfifo(fifo, 0o600) == 0)
            // Opened before the hook so the child's open for writing does not block.
            let reader = open(fifo, O_RDONLY | O_NONBLOCK)
            try #require(reader >= 0)
            defer { close(reader) }

            var hook = DeployHook(
                command: """
                    echo started
                    sh -c 'trap "" TERM; echo $$ > "$0"; exec sleep 30' '\(childPID)' > '\(fifo)'
                    """,
                timeout: .seconds(2))
            hook.terminationGrace = .seconds(1)
            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: CertificateManagerError(.deployHook)) {
                try await hook.run(for: installed, domains: Self.domains)
            }
            #expect(clock.now - start < .seconds(15))
            let reason = error?.reason ?? ""
            #expect(reason.contains("timed out after 2.0 seconds"), "\(reason)")
            #expect(reason.contains("started"), "\(reason)")

            // The child ran, and it is dead: its end of the FIFO is closed.
            let pid = try Self.processID(in: childPID)
            var descriptor = pollfd(fd: reader, events: Int16(POLLIN), revents: 0)
            #expect(poll(&descriptor, 1, 10_000) == 1, "the hook's child (pid \(pid)) is still running")
            #expect(descriptor.revents & Int16(POLLHUP) != 0)
        }
    }

    @Test func aHookPastItsTimeoutIsAskedToStopFirst() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            // `wait` returns for a trapped signal at once; the hook then says so and exits 0.
            let hook = DeployHook(
                command: "trap 'echo stopping cleanly; exit 0' TERM; echo started; sleep 30 & wait",
                timeout: .seconds(1))
            let error = await #expect(throws: CertificateManagerError(.deployHook)) {
                try await hook.run(for: installed, domains: Self.domains)
            }
            let reason = error?.reason ?? ""
            #expect(reason.contains("timed out"), "\(reason)")
            #expect(reason.hasSuffix("started\nstopping cleanly"), "\(reason)")
        }
    }

    /// A run cancelled (the server shutting down) stops the hook and what it started, even a
    /// child that ignores SIGTERM, and fails; the FIFO the hook's processes hold hangs up only
    /// when they are all dead.
    @Test func aCancelledRunStopsTheHookWithEverythingItStarted() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            let fifo = directory.file("alive")
            #expect(mkfifo(fifo, 0o600) == 0)
            let reader = open(fifo, O_RDONLY | O_NONBLOCK)
            try #require(reader >= 0)
            defer { close(reader) }
            let hook = DeployHook(
                command: """
                    exec 3>'\(fifo)'; echo ready >&3; echo started
                    sh -c 'trap "" TERM; exec sleep 30'
                    """,
                timeout: .seconds(60))
            let result = await withTaskGroup(of: Result<DeployHook.Output, CertificateManagerError>.self) { group in
                group.addTask {
                    do throws(CertificateManagerError) {
                        return .success(try await hook.run(for: installed, domains: Self.domains))
                    } catch {
                        return .failure(error)
                    }
                }
                #expect(Self.read(reader) { $0 == "ready\n" }.text == "ready\n")
                group.cancelAll()
                return await group.next()
            }
            #expect(throws: CertificateManagerError(.deployHook)) { try result?.get() }
            if case .failure(let error) = result {
                #expect(error.reason.contains("cancelled"), "\(error.reason)")
            }
            #expect(Self.read(reader) { _ in false }.closed, "the hook's sleep is still running")
        }
    }

    @Test func theOutputIsCapturedMergedAndBounded() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            let short = try await DeployHook(command: "echo to stdout; echo to stderr >&2")
                .run(for: installed, domains: Self.domains)
            #expect(short.text == "to stdout\nto stderr\n")
            #expect(!short.truncated)

            // 5 000 lines of 9 to 10 bytes: about 48 KiB, three times the limit.
            let long = try await DeployHook(
                command: "i=10000; while [ $i -lt 15000 ]; do echo \"line $i\"; i=$((i+1)); done"
            ).run(for: installed, domains: Self.domains)
            #expect(long.truncated)
            #expect(long.text.utf8.count == DeployHook.outputLimit)
            #expect(long.text.hasSuffix("line 14998\nline 14999\n"))
            #expect(!long.text.contains("line 10000"))
        }
    }

    /// Like a hook that (re)starts a daemon: the daemon keeps running after the hook is done.
    /// It proves it is alive by answering a SIGTERM the test sends after the hook returned —
    /// a process the hook had killed (SIGKILL) could not.
    @Test func aHookIsDoneWhenTheShellExitsAndLeavesWhatItStartedInTheBackground() async throws {
        try await withTemporaryDirectory { directory in
            let installed = try Self.installed(in: directory)
            let fifo = directory.file("daemon")
            #expect(mkfifo(fifo, 0o600) == 0)
            let reader = open(fifo, O_RDONLY | O_NONBLOCK)
            try #require(reader >= 0)
            defer { close(reader) }
            // It keeps the hook's output open (it talks to the test on standard error): the hook
            // is done when the shell exits all the same. Its trap stops the sleep with SIGKILL: a
            // SIGTERM that reaches the forked child before it has exec'd sleep runs the copied
            // trap's handler and is lost, and the sleep would hold the FIFO open for 30 s.
            let daemon =
                "trap \"kill -KILL \\$!; echo bye >&2; exit 0\" TERM; sleep 30 & echo \"ready $$\" >&2; wait"
            let hook = DeployHook(command: "sh -c '\(daemon)' 2>'\(fifo)' &\necho restarted", timeout: .seconds(20))
            let clock = ContinuousClock()
            let start = clock.now
            let output = try await hook.run(for: installed, domains: Self.domains)
            #expect(clock.now - start < .seconds(15))
            #expect(output.text == "restarted\n")

            let ready = Self.read(reader) { $0.hasSuffix("\n") }.text
            let pid = try #require(pid_t(ready.dropFirst("ready ".count).dropLast()), "\(ready)")
            #expect(kill(pid, SIGTERM) == 0)
            let answer = Self.read(reader) { _ in false }
            #expect(answer.text == "bye\n")
            #expect(answer.closed)
        }
    }

    @Test func aHookTimesOutAfterFiveMinutesByDefault() {
        #expect(DeployHook(command: "true").timeout == .seconds(300))
    }

    /// What a FIFO opened with O_NONBLOCK delivers until `done` holds for it or its writers have
    /// all closed it (`closed`); gives up after 10 s without news.
    static func read(_ descriptor: CInt, until done: (String) -> Bool) -> (text: String, closed: Bool) {
        var text = ""
        while !done(text) {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 10_000) == 1 else { break }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = Foundation.read(descriptor, &buffer, buffer.count)
            if count == 0 { return (text, true) }
            guard count > 0 else { break }
            text += String(decoding: buffer.prefix(count), as: UTF8.self)
        }
        return (text, false)
    }

    /// The process id a script wrote to `path`.
    static func processID(in path: String) throws -> pid_t {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        try #require(pid > 0)
        return pid
    }
}
