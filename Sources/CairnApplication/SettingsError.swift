/// A configuration or start-up problem, said the way an operator needs to read it, with a code
/// callers and tests match on, the configuration key at fault when there is one, and where in
/// Cairn it was raised.
///
/// Equality compares the code only (as swift-certificates' `CertificateError` does), so a test
/// writes `#expect(throws: SettingsError(.lock))`. The description is the message alone: what
/// `cairn` prints.
package struct SettingsError: Error, Hashable, CustomStringConvertible, Sendable {
    /// What is wrong. Open for additions: match with `==`, not exhaustively.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case invalidValue = "invalid configuration value"
            case missingValue = "missing configuration value"
            case file = "file unusable"
            case stateDirectory = "state directory unusable"
            case lock = "state directory in use"
            case zones = "zones unusable"
            case listen = "cannot listen"
            case notRunning = "no server running"
            case other = "settings problem"
        }
        fileprivate var base: Base

        /// A configuration value (key, environment variable or flag) that cannot be used.
        package static let invalidValue = Self(base: .invalidValue)
        /// A setting the command needs is not set (``SettingsError/key`` names it).
        package static let missingValue = Self(base: .missingValue)
        /// A file named by a flag or the configuration (the configuration file itself, `--cert`,
        /// `--ca-bundle`, the account key) cannot be read or does not hold what it should.
        package static let file = Self(base: .file)
        /// The state directory cannot be created, read or made private, or others could write to it.
        package static let stateDirectory = Self(base: .stateDirectory)
        /// Another server holds the state directory's lock.
        package static let lock = Self(base: .lock)
        /// The zones directory cannot be read, or the served zones do not allow what was asked.
        package static let zones = Self(base: .zones)
        /// A listener (the hook API) could not be started on its address.
        package static let listen = Self(base: .listen)
        /// No `cairn serve` runs with the state directory, or it cannot be signalled.
        package static let notRunning = Self(base: .notRunning)
        /// Anything else.
        package static let other = Self(base: .other)

        package var description: String { base.rawValue }
    }

    package var code: Code
    /// The configuration key at fault (`dns.listen`, `api.authZone`), when there is one.
    package var key: String?
    /// What an operator reads: what is wrong, where, and what to do.
    package var message: String
    /// Where in Cairn the error was raised (`#fileID`); for diagnostics only.
    package var file: String
    /// The line in ``file``; for diagnostics only.
    package var line: UInt

    /// Creates an error; `file` and `line` record where it was raised. A test matching on the
    /// code alone writes `SettingsError(.zones)`.
    package init(
        _ code: Code, key: String? = nil, _ message: String = "", file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.key = key
        self.message = message
        self.file = file
        self.line = line
    }

    /// An error no code fits (``Code/other``).
    package init(_ message: String, file: String = #fileID, line: UInt = #line) {
        self.init(.other, message, file: file, line: line)
    }

    /// A configuration value that cannot be used, said as `configuration <key>: <reason>`.
    package static func invalidValue(
        _ key: String, _ reason: String, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.invalidValue, key: key, "configuration \(key): \(reason)", file: file, line: line)
    }

    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    package func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The message alone (the code's wording when there is none).
    package var description: String { message.isEmpty ? code.description : message }
}
