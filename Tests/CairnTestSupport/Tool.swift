import DNSWire
import Subprocess

/// Runs a command-line tool (dig, kdig, drill, openssl, …) to completion and collects its output.
public enum Tool {
    public struct Result: Sendable {
        public var status: Int32?
        public var output: String
        public var succeeded: Bool { status == 0 }

        public init(status: Int32?, output: String) {
            self.status = status
            self.output = output
        }
    }

    /// A run that did not finish within its time limit; the tool and everything it started were killed.
    public struct TimedOut: Error, CustomStringConvertible {
        public var command: String
        public var timeLimit: Duration
        public var description: String { "\(command) did not finish within \(timeLimit); it was killed" }
    }

    /// Runs `name` (found on PATH) with `arguments`; standard error is merged into the output.
    /// The tool runs in its own process group: when `timeLimit` passes, or the calling task is
    /// cancelled (a test's time limit), the whole group is stopped (SIGTERM, SIGKILL 2 s later)
    /// and ``TimedOut`` is thrown.
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:],
        timeLimit: Duration = .seconds(300)
    ) async throws -> Result {
        var keys: [Environment.Key: String?] = [:]
        for (key, value) in environment { keys[Environment.Key(stringLiteral: key)] = value }
        let executable = Executable.pathOrName(name)
        let command = ([name] + arguments).joined(separator: " ")
        let finished = try await withTimeLimit(timeLimit) { [keys] in
            var options = PlatformOptions()
            options.processGroupID = 0
            options.teardownSequence = [
                .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))
            ]
            let result = try await Subprocess.run(
                executable, arguments: Arguments(arguments), environment: .inherit.updating(keys),
                platformOptions: options, output: .string(limit: 16 << 20), error: .combinedWithOutput)
            let status: Int32?
            if case .exited(let code) = result.terminationStatus { status = code } else { status = nil }
            return Result(status: status, output: result.standardOutput)
        }
        guard let finished else {
            try Task.checkCancellation()  // the caller gave up (a test's time limit): say so
            throw TimedOut(command: command, timeLimit: timeLimit)
        }
        return finished
    }

    /// Whether `name` is on PATH.
    public static func isInstalled(_ name: String) async -> Bool {
        (try? await run("sh", ["-c", "command -v \(name)"]).succeeded) ?? false
    }
}
