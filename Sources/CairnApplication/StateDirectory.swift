import Foundation
package import Logging

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
///
/// The directory holds every credential's hash and the ACME account keys, so it is private:
/// 0700, everything in it 0600 (``secure(path:logger:)``).
package struct StateDirectory: ~Copyable {
    package let path: String
    private let descriptor: Int32

    package var pidFile: String { Self.pidFile(in: path) }

    /// The lock and pid file in the state directory at `path`.
    package static func pidFile(in path: String) -> String { "\(path)/cairn.pid" }

    /// Creates the directory if needed, makes it private (``secure(path:logger:)``) and takes
    /// the lock.
    ///
    /// - Throws: ``SettingsError`` naming the running server's pid when the lock is held, or
    ///   saying how to fix a directory others could write to.
    package init(path: String, logger: Logger = Logger(label: "cairn")) throws {
        try Self.secure(path: path, logger: logger)
        let file = Self.pidFile(in: path)
        let descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SettingsError(
                .stateDirectory, "state directory \(path): cannot open \(file): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPID(file).map { " (pid \($0))" } ?? ""
            close(descriptor)
            throw SettingsError(
                .lock, "another cairn\(holder) is running with state directory \(path); stop it or use --state-dir")
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
    package static func runningServer(in path: String) -> Int32? {
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

    // MARK: Modes

    /// Makes the state directory at `path` private, or refuses it.
    ///
    /// Creates it 0700 when missing. Refuses one that is not a directory, not owned by this
    /// user (files this process made there would lock its owner out, and the other way round),
    /// or writable by group or others (someone else could have put or replaced files in it:
    /// only its owner can decide they are safe). Then takes the group and other bits off the
    /// directory and everything in it — from an older Cairn or another umask — logging each
    /// fix, and creates the store 0600 if missing: SQLite gives the `-wal` and `-shm` files
    /// it makes beside the store the store's mode.
    package static func secure(path: String, logger: Logger) throws {
        if !FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw SettingsError(
                    .stateDirectory, "state directory \(path): cannot create it (\(error.localizedDescription))")
            }
            guard chmod(path, 0o700) == 0 else {
                throw SettingsError(.stateDirectory, "state directory \(path): \(String(cString: strerror(errno)))")
            }
        }
        // The directory may be a symbolic link to where the state lives; its target is checked.
        let directory = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let info = Entry(directory), info.type == .typeDirectory else {
            throw SettingsError(
                .stateDirectory, "state directory \(path) is not a directory; remove it or use --state-dir")
        }
        let user = geteuid()
        guard info.owner == user else {
            throw SettingsError(
                .stateDirectory,
                "state directory \(path) belongs to \(userName(info.owner)), not to \(userName(user)) running "
                    + "cairn: run cairn as \(userName(info.owner)), or take it over with chown -R \(user) \(path)")
        }
        guard info.mode & 0o022 == 0 else {
            throw SettingsError(
                .stateDirectory,
                "state directory \(path) is writable by \(info.mode & 0o020 != 0 ? "its group" : "others") "
                    + "(mode \(octal(info.mode))): whoever can write there can replace the credentials or keys in "
                    + "it. Check what it holds, then run: chmod 700 \(path)")
        }
        try makePrivate(directory, info: info, logger: logger)
        // `certificates/` is left alone: the certificate archive sets each file's mode itself
        // (0640 keys with `group`, 0644 certificates), and undoing that at every start would
        // break what a deploy hook or a `.path` unit set up.
        try makePrivate(contentsOf: directory, logger: logger, skipping: ["certificates"])
        let store = ServeSettings.storePath(stateDirectory: path)
        let descriptor = open(store, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw SettingsError(.stateDirectory, "cannot create \(store): \(String(cString: strerror(errno)))")
        }
    }

    /// What ``secure(path:logger:)`` needs of a file, read without following a symbolic link.
    private struct Entry {
        var type: FileAttributeType
        var mode: Int
        var owner: uid_t

        init?(_ path: String) {
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                let type = attributes[.type] as? FileAttributeType,
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue,
                let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
            else { return nil }
            (self.type, self.mode, self.owner) = (type, mode & 0o7777, owner)
        }
    }

    /// Takes the group and other bits off everything below `directory`; symbolic links are left
    /// alone (their targets are not in the state directory's keeping).
    private static func makePrivate(
        contentsOf directory: String, logger: Logger, skipping skipped: Set<String> = []
    ) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw SettingsError(.stateDirectory, "cannot list \(directory): \(error.localizedDescription)")
        }
        for name in names.sorted() where !skipped.contains(name) {
            let path = "\(directory)/\(name)"
            guard let info = Entry(path) else { continue }  // removed meanwhile
            if info.type == .typeDirectory {
                try makePrivate(path, info: info, logger: logger)
                try makePrivate(contentsOf: path, logger: logger)
            } else if info.type == .typeRegular {
                try makePrivate(path, info: info, logger: logger)
            }
        }
    }

    /// Takes the group and other bits off `path` (0700 for a directory, 0600 for a file).
    private static func makePrivate(_ path: String, info: Entry, logger: Logger) throws {
        guard info.mode & 0o077 != 0 else { return }
        let fixed = info.mode & 0o700
        guard chmod(path, mode_t(fixed)) == 0 else {
            throw SettingsError(
                .stateDirectory,
                "cannot make \(path) private (mode \(octal(info.mode))): \(String(cString: strerror(errno))); "
                    + "run: chown \(geteuid()) \(path) && chmod go= \(path)")
        }
        logger.notice(
            "made a state file private",
            metadata: ["file": "\(path)", "mode": "\(octal(info.mode)) -> \(octal(fixed))"])
    }

    private static func octal(_ mode: Int) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The user's name, else `uid N`.
    private static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return String(cString: name)
    }
}
