import Subprocess

/// Runs a command-line tool (dig, kdig, drill, openssl, …) to completion and collects its output.
public enum Tool {
    public struct Result: Sendable {
        public var status: Int32?
        public var output: String
        public var succeeded: Bool { status == 0 }
    }

    /// Runs `name` (found on PATH) with `arguments`; standard error is merged into the output.
    public static func run(
        _ name: String, _ arguments: [String], environment: [String: String] = [:]
    ) async throws -> Result {
        var keys: [Environment.Key: String?] = [:]
        for (key, value) in environment { keys[Environment.Key(stringLiteral: key)] = value }
        let executable = Executable.pathOrName(name)
        let result = try await Subprocess.run(
            executable, arguments: Arguments(arguments), environment: .inherit.updating(keys),
            output: .string(limit: 16 << 20), error: .combinedWithOutput)
        let status: Int32?
        if case .exited(let code) = result.terminationStatus { status = code } else { status = nil }
        return Result(status: status, output: result.standardOutput)
    }

    /// Whether `name` is on PATH.
    public static func isInstalled(_ name: String) async -> Bool {
        (try? await run("sh", ["-c", "command -v \(name)"]).succeeded) ?? false
    }
}
