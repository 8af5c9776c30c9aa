import Foundation

/// Keys the tests create, and the logs of every `cairn` process they start, gathered for one
/// check after the whole run: no key may appear in any log (`make test` runs
/// `contrib/check-test-secrets.sh` on what is gathered here).
///
/// Gathering happens only when `CAIRN_TEST_ARCHIVE` names a directory (`make test` sets it); a
/// single test run by hand gathers nothing.
public enum TestSecrets {
    /// The archive directory, when this run gathers.
    static var archive: String? {
        guard let path = ProcessInfo.processInfo.environment["CAIRN_TEST_ARCHIVE"], !path.isEmpty else { return nil }
        return path
    }

    /// Notes a key, password, token or TSIG secret a test made or was given.
    public static func note(_ secret: String) {
        guard let archive, !secret.isEmpty else { return }
        append(secret + "\n", to: "\(archive)/secrets")
    }

    /// Notes every `key:` and `password:` field a `cairn` command printed (`token create`,
    /// `register`, `tsig generate`), as `name: value` lines.
    public static func noteFields(in output: String) {
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, ["key:", "password:", "secret:"].contains(fields[0]) else { continue }
            note(String(fields[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        }
    }

    /// Copies a finished `cairn` process's log into the archive.
    static func archiveLog(at path: String) {
        guard let archive, let contents = FileManager.default.contents(atPath: path) else { return }
        let directory = "\(archive)/logs"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: "\(directory)/\(UUID().uuidString).log", contents: contents)
    }

    /// Appends with `O_APPEND`, so concurrent tests' lines do not interleave within a line.
    private static func append(_ text: String, to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    }
}
