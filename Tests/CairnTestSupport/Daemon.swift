import DNSWire
import Foundation
public import Subprocess
import SystemPackage

/// Starts a server process for the length of a test body and always stops it afterwards
/// (SIGTERM, then SIGKILL after a grace period), so no test leaves a process behind.
public enum Daemon {
    public struct NotReady: Error, CustomStringConvertible {
        public var name: String
        public var waited: String
        public var log: String
        public var description: String { "\(name) did not become ready (\(waited)); its output:\n\(log)" }
    }

    /// Runs `executable` with `arguments`, writing its output to `logPath`, waits until `ready`
    /// returns true (polled every 100 ms at most `attempts` times and for at most `readyTimeout`;
    /// a poll still running at the deadline is cancelled), runs `body` with the process
    /// identifier, then stops the process (SIGTERM, SIGKILL 5 s later) whatever happened.
    public static func with<T: Sendable>(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], logPath: String,
        attempts: Int = 100, readyTimeout: Duration = .seconds(60), ready: @escaping @Sendable () async -> Bool,
        _ body: @Sendable (ProcessIdentifier) async throws -> T
    ) async throws -> T {
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        var keys: [Environment.Key: String?] = [:]
        for (key, value) in environment { keys[Environment.Key(stringLiteral: key)] = value }
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))]
        let executableReference = Executable.pathOrName(executable)
        let result = try await Subprocess.run(
            executableReference, arguments: Arguments(arguments), environment: .inherit.updating(keys),
            platformOptions: options, input: .none,
            output: .fileDescriptor(.init(rawValue: log.fileDescriptor), closeAfterSpawningProcess: false),
            error: .fileDescriptor(.init(rawValue: log.fileDescriptor), closeAfterSpawningProcess: false)
        ) { execution -> Swift.Result<T, any Error> in
            let started = ContinuousClock.now
            let giveUp = started + readyTimeout
            var isReady = false
            var polls = 0
            while !isReady, polls < attempts, ContinuousClock.now < giveUp, !Task.isCancelled {
                polls += 1
                isReady = await poll(ready, until: giveUp)
                if !isReady { try? await Task.sleep(for: .milliseconds(100)) }
            }
            let outcome: Swift.Result<T, any Error>
            if isReady {
                do {
                    outcome = .success(try await body(execution.processIdentifier))
                } catch {
                    outcome = .failure(error)
                }
            } else {
                outcome = .failure(
                    NotReady(
                        name: executable, waited: "\(polls) polls in \(ContinuousClock.now - started)",
                        log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""))
            }
            await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(5))])
            if (try? CairnBinary.path()) == executable { TestSecrets.archiveLog(at: logPath) }
            return outcome
        }
        return try result.closureResult.get()
    }

    /// One readiness poll, abandoned (cancelled) at `deadline`: `false` then.
    private static func poll(
        _ ready: @escaping @Sendable () async -> Bool, until deadline: ContinuousClock.Instant
    ) async -> Bool {
        let answer = try? await withTimeLimit(deadline - ContinuousClock.now) { await ready() }
        return answer ?? false
    }
}
