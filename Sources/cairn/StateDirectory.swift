import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cairn's state directory and the lock that makes one server its only user.
///
/// `cairn.pid` holds the server's process id under an exclusive `flock` for as long as it
/// runs: a second server with the same directory fails at once, and `cairn reload` finds the
/// process to signal.
struct StateDirectory: ~Copyable {
    let path: String
    private let descriptor: Int32

    var pidFile: String { Self.pidFile(in: path) }

    /// The lock and pid file in the state directory at `path`.
    static func pidFile(in path: String) -> String { "\(path)/cairn.pid" }

    /// Creates the directory if needed and takes the lock.
    ///
    /// - Throws: ``SettingsError`` naming the running server's pid when the lock is held.
    init(path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SettingsError("state directory \(path): cannot create it (\(error.localizedDescription))")
        }
        let file = Self.pidFile(in: path)
        let descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw SettingsError("state directory \(path): cannot open \(file): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPID(file).map { " (pid \($0))" } ?? ""
            close(descriptor)
            throw SettingsError(
                "another cairn\(holder) is running with state directory \(path); stop it or use --state-dir")
        }
        let text = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { write(descriptor, $0, strlen($0)) }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        _ = ftruncate(descriptor, 0)
        close(descriptor)
    }

    /// The pid of the server holding the lock on `path`, if one does.
    static func runningServer(in path: String) -> Int32? {
        let file = pidFile(in: path)
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // If we can take a shared lock, nobody holds the exclusive one: no server runs.
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return readPID(file)
    }

    private static func readPID(_ file: String) -> Int32? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
