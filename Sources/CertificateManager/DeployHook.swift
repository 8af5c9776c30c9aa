import Foundation
import Subprocess
import SystemPackage

/// The command run after a certificate changed (`/bin/sh -c COMMAND`), with the environment
/// certbot gives its deploy hooks — `RENEWED_LINEAGE` (the `live/NAME` directory) and
/// `RENEWED_DOMAINS` (the names, space-separated) — plus Cairn's own `CAIRN_CERT_NAME`,
/// `CAIRN_CERT_VERSION`, `CAIRN_CERT_PATH`, `CAIRN_CHAIN_PATH`, `CAIRN_FULLCHAIN_PATH` and
/// `CAIRN_KEY_PATH` (the stable `live/NAME/…` paths), on top of Cairn's environment.
///
/// The hook runs in its own process group with standard input from /dev/null; standard output
/// and error are merged and the last ``outputLimit`` bytes kept. It is done when the shell
/// exits: a daemon it started in the background is left running. When ``timeout`` passes, the
/// whole group gets SIGTERM, then SIGKILL once the shell has exited or ``terminationGrace``
/// has passed, so nothing it started outlives it. The hook only reads the installed files.
package struct DeployHook: Sendable {
    /// What a hook that succeeded printed.
    package struct Output: Sendable {
        /// The last ``DeployHook/outputLimit`` bytes of standard output and error, merged.
        package var text: String
        /// Whether earlier output was dropped.
        package var truncated: Bool
        /// How long the hook ran.
        package var duration: Duration
    }

    package static let defaultTimeout: Duration = .seconds(300)
    /// How much of a hook's output is kept: the end of it.
    package static let outputLimit = 16 * 1024
    /// How many of the last lines of output a failure's reason quotes.
    static let reasonLines = 20

    /// The shell command.
    package var command: String
    /// How long the hook may run before it and everything it started are stopped.
    package var timeout: Duration
    /// After SIGTERM at the timeout, how long the shell has to exit before the group gets SIGKILL.
    package var terminationGrace: Duration = .seconds(2)
    /// The shell that runs ``command`` (tests point it at a missing file).
    var shell = "/bin/sh"

    package init(command: String, timeout: Duration = DeployHook.defaultTimeout) {
        self.command = command
        self.timeout = timeout
    }

    /// The variables the hook gets on top of the inherited environment.
    package func environment(for installed: InstalledCertificate, domains: [String]) -> [String: String] {
        [
            "RENEWED_LINEAGE": installed.paths.directory,
            "RENEWED_DOMAINS": domains.joined(separator: " "),
            "CAIRN_CERT_NAME": installed.name,
            "CAIRN_CERT_VERSION": String(installed.version),
            "CAIRN_CERT_PATH": installed.paths.certificate,
            "CAIRN_CHAIN_PATH": installed.paths.chain,
            "CAIRN_FULLCHAIN_PATH": installed.paths.fullChain,
            "CAIRN_KEY_PATH": installed.paths.privateKey,
        ]
    }

    /// Runs the hook for `installed` (whose certificate covers `domains`) and waits for it.
    ///
    /// - Throws: `.deployHook` when the hook cannot start, exits non-zero, is killed by a
    ///   signal, runs past ``timeout`` or the calling task is cancelled (the hook's group then
    ///   gets SIGTERM and SIGKILL at once); the reason names the certificate, the command, the exit
    ///   status and quotes the last lines of output.
    package func run(
        for installed: InstalledCertificate, domains: [String]
    ) async throws(CertificateManagerError) -> Output {
        var updates: [Environment.Key: String?] = [:]
        for (key, value) in environment(for: installed, domains: domains) {
            updates[Environment.Key(stringLiteral: key)] = value
        }
        var options = PlatformOptions()
        options.processGroupID = 0  // its own group, which the timeout stops as a whole
        // When the calling task is cancelled Subprocess stops the shell with this sequence
        // (SIGTERM to the group, SIGKILL if the shell is still there after the grace period).
        options.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: terminationGrace)
        ]
        let clock = ContinuousClock()
        let start = clock.now
        let result: ExecutionResult<Supervised, SequenceOutput, CombinedErrorOutput>
        do {
            result = try await Subprocess.run(
                .path(FilePath(shell)), arguments: ["-c", command], environment: .inherit.updating(updates),
                platformOptions: options, input: .none, output: .sequence, error: .combinedWithOutput
            ) { [timeout, terminationGrace] execution in
                try await Self.supervise(execution, timeout: timeout, terminationGrace: terminationGrace)
            }
        } catch {
            throw CertificateManagerError(
                .deployHook, "the deploy hook for \(installed.name) (\(command)) could not run: \(error)")
        }
        let duration = clock.now - start
        let supervised = result.closureResult
        let tail = supervised.output
        func failure(_ what: String) -> CertificateManagerError {
            let lines = tail.lastLines(Self.reasonLines)
            let quoted = lines.isEmpty ? "no output" : "last output:\n\(lines)"
            return CertificateManagerError(
                .deployHook, "the deploy hook for \(installed.name) (\(command)) \(what); \(quoted)")
        }
        switch supervised.stop {
        case .timedOut:
            throw failure("timed out after \(timeout) and was stopped with everything it started")
        case .cancelled:
            throw failure("was stopped with everything it started: the run was cancelled")
        case nil:
            break
        }
        switch result.terminationStatus {
        case .exited(0):
            return Output(text: tail.text, truncated: tail.truncated, duration: duration)
        case .exited(let status):
            throw failure("failed with exit status \(status)")
        case .signaled(let signal):
            throw failure("was killed by signal \(signal)")
        }
    }

    /// What the run's body saw: the output and why, if at all, the hook was stopped.
    struct Supervised: Sendable {
        enum Stop: Sendable { case timedOut, cancelled }
        var output: OutputTail
        var stop: Stop?
    }

    private enum Event: Sendable {
        case outputEnded(OutputTail)
        case timerFired
        case timerCancelled
        case graceOver
    }

    /// Reads the output until the shell exits (Subprocess ends the read then, even when a
    /// background child still holds the pipe); at the timeout stops the whole process group.
    /// The shell is not reaped before this returns, so its pid still names the group.
    private static func supervise(
        _ execution: Execution<NoInput, SequenceOutput, CombinedErrorOutput>, timeout: Duration,
        terminationGrace: Duration
    ) async throws -> Supervised {
        try await withThrowingTaskGroup(of: Event.self) { group in
            group.addTask {
                var tail = OutputTail(limit: outputLimit)
                for try await buffer in execution.standardOutput {
                    buffer.withUnsafeBytes { tail.append(contentsOf: $0) }
                }
                return .outputEnded(tail)
            }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                    return .timerFired
                } catch {
                    return .timerCancelled
                }
            }
            var output: OutputTail?
            if case .outputEnded(let tail) = try await group.next() { output = tail }
            let stop: Supervised.Stop
            if Task.isCancelled {
                // Subprocess's teardown is stopping the shell too; whatever it started is ours.
                stop = .cancelled
            } else if let output {
                group.cancelAll()
                return Supervised(output: output, stop: nil)
            } else {
                stop = .timedOut
            }
            try? execution.send(signal: .terminate, toProcessGroup: true)
            group.addTask {
                try? await Task.sleep(for: terminationGrace)  // at once when cancelled
                return .graceOver
            }
            // Once the shell has exited or had its grace period, whatever is left of the group
            // (a child that ignores SIGTERM) gets SIGKILL. The group id cannot be reused before
            // the shell is reaped, after this returns.
            var killed = false
            func killWhatIsLeft() {
                guard !killed else { return }
                try? execution.send(signal: .kill, toProcessGroup: true)
                killed = true
                group.cancelAll()
            }
            if output != nil { killWhatIsLeft() }
            while let event = try await group.next() {
                switch event {
                case .outputEnded(let tail):
                    output = tail
                    killWhatIsLeft()
                case .graceOver:
                    killWhatIsLeft()
                case .timerFired, .timerCancelled:
                    break
                }
            }
            return Supervised(output: output ?? OutputTail(limit: outputLimit), stop: stop)
        }
    }
}
