package import ACMEClient
package import Foundation
import SwiftASN1
import SystemPackage
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Versioned certificate files with stable paths that always name one complete, matching set
/// (certbot's `archive/` + `live/`, but the whole set changes in one atomic step):
///
/// ```
/// <directory>/archive/NAME/0001/{cert,chain,fullchain,privkey}.pem
/// <directory>/archive/NAME/0002/…
/// <directory>/live/NAME -> ../archive/NAME/0002
/// ```
///
/// An install writes a new version directory completely under a temporary name, syncs it and
/// renames it to the next number, then points `live/NAME` at it by renaming a new symbolic link
/// over the old one (rename(2) is atomic), so `live/NAME/cert.pem` and `live/NAME/privkey.pem`
/// always come from the same version. A crash at any point leaves `live/NAME` at the previous
/// set; the next install removes a half-written version directory or link and carries on with
/// the next number (a complete version that never went live is kept and pruned like the rest).
/// After the swap only the newest ``versionsKept`` versions are kept, the live one always.
///
/// Modes: directories 0755, `cert.pem`, `chain.pem`, `fullchain.pem` 0644, `privkey.pem` 0600
/// — or 0640 and owned by `group` when one is given, so a server in that group can read it.
/// Installs of one name are serialised with flock(2) on `archive/NAME/.lock`, between
/// processes too.
package struct CertificateArchive: Sendable {
    /// The certificates directory, holding `archive/` and `live/`.
    package let directory: String
    /// How many versions of each certificate stay in `archive/NAME` after an install (at least 1).
    package let versionsKept: Int
    let failpoints: ArchiveFailpoints

    package static let defaultVersionsKept = 5

    package init(
        directory: String, versionsKept: Int = CertificateArchive.defaultVersionsKept,
        failpoints: ArchiveFailpoints = .none
    ) {
        self.directory = directory
        self.versionsKept = max(1, versionsKept)
        self.failpoints = failpoints
    }

    /// The stable paths of `name`: `live/NAME` and the four files in it.
    package func livePaths(name: String) throws(CertificateManagerError) -> CertificatePaths {
        try Self.validate(name: name)
        return CertificatePaths(directory: liveLink(name))
    }

    /// Writes `issued` as the next version of `name` and makes it the live one.
    ///
    /// - Parameter group: when given, `privkey.pem` is mode 0640 and owned by this group
    ///   (the process must be a member, or root); otherwise 0600.
    /// - Throws: `.configuration` for a name that cannot be a file name, `.fileWrite` when a
    ///   file, directory or link cannot be made (`live/NAME` then still names the previous set).
    @discardableResult
    package func install(
        _ issued: IssuedCertificate, name: String, group: gid_t? = nil
    ) throws(CertificateManagerError) -> InstalledCertificate {
        try Self.validate(name: name)
        let archive = archiveDirectory(name)
        let live = "\(directory)/live"
        try Self.makeDirectory(directory)
        try Self.makeDirectory("\(directory)/archive")
        try Self.makeDirectory(archive)
        try Self.makeDirectory(live)

        let lock = try Self.lock("\(archive)/\(Self.lockFile)")
        defer { _ = close(lock) }

        // What a crash left behind: no other install of this name runs while we hold the lock.
        let temporaryLink = "\(live)/.\(name).tmp"
        try Self.unlinkIfPresent(temporaryLink)
        for entry in try Self.entries(of: archive) where entry.hasPrefix(Self.partialPrefix) {
            try Self.remove("\(archive)/\(entry)")
        }

        let version = (try Self.versionNumbers(in: archive).max() ?? 0) + 1
        let versionName = Self.directoryName(version: version)
        let partial = CertificatePaths(directory: "\(archive)/\(Self.partialPrefix)\(versionName)")
        // Private while it is written; opened up (0755) once complete.
        if mkdir(partial.directory, 0o700) != 0 {
            throw Self.writeError("cannot make the directory \(partial.directory)")
        }
        try Self.write(issued.chain.leafPEM, to: partial.certificate, mode: Self.publicMode)
        try Self.write(issued.chain.intermediatesPEM, to: partial.chain, mode: Self.publicMode)
        try failpoints.reach(.versionPartlyWritten)
        try Self.write(issued.chain.fullChainPEM, to: partial.fullChain, mode: Self.publicMode)
        // The key is 0600 until it belongs to `group`: never readable by the owner's own group.
        try Self.write(issued.key.pemRepresentation + "\n", to: partial.privateKey, mode: [.ownerReadWrite])
        if let group {
            if chown(partial.privateKey, uid_t.max, group) != 0 {
                throw Self.writeError("cannot give \(partial.privateKey) to group \(group)")
            }
            if chmod(partial.privateKey, 0o640) != 0 {
                throw Self.writeError("cannot make \(partial.privateKey) readable by group \(group)")
            }
        }
        if chmod(partial.directory, Self.directoryMode) != 0 {
            throw Self.writeError("cannot set the mode of \(partial.directory)")
        }
        try Self.sync(partial.directory)
        let final = "\(archive)/\(versionName)"
        if rename(partial.directory, final) != 0 {
            throw Self.writeError("cannot rename \(partial.directory) to \(final)")
        }
        try Self.sync(archive)
        try failpoints.reach(.afterVersionWritten)

        if symlink("../archive/\(name)/\(versionName)", temporaryLink) != 0 {
            throw Self.writeError("cannot make the link \(temporaryLink)")
        }
        try failpoints.reach(.beforeSwap)
        let link = liveLink(name)
        if rename(temporaryLink, link) != 0 {
            throw Self.writeError("cannot rename \(temporaryLink) over \(link)")
        }
        try Self.sync(live)
        try failpoints.reach(.afterSwap)

        prune(archive, live: version)
        return InstalledCertificate(
            name: name, version: version, paths: CertificatePaths(directory: link),
            versionPaths: CertificatePaths(directory: final), leaf: issued.chain.leaf)
    }

    /// The live certificate of `name`, or `nil` when `live/NAME` does not exist.
    ///
    /// - Throws: `.fileRead` when `live/NAME` is not a link into `archive/NAME` or its
    ///   certificate cannot be read or parsed.
    package func current(name: String) throws(CertificateManagerError) -> InstalledCertificate? {
        try Self.validate(name: name)
        guard let (version, versionPaths) = try liveVersion(name) else { return nil }
        let pem = try Self.read(versionPaths.certificate)
        let leaf: Certificate
        do {
            leaf = try Certificate(pemEncoded: pem)
        } catch {
            throw CertificateManagerError(.fileRead, "\(versionPaths.certificate) is not a PEM certificate: \(error)")
        }
        return InstalledCertificate(
            name: name, version: version, paths: CertificatePaths(directory: liveLink(name)),
            versionPaths: versionPaths, leaf: leaf)
    }

    /// The live private key of `name` as PEM (to reuse it for the next order), or `nil` when
    /// `live/NAME` does not exist. Read from the same version directory as ``current(name:)``.
    package func currentPrivateKeyPEM(name: String) throws(CertificateManagerError) -> String? {
        try Self.validate(name: name)
        guard let (_, versionPaths) = try liveVersion(name) else { return nil }
        return try Self.read(versionPaths.privateKey)
    }

    /// The version numbers present in `archive/NAME`, ascending (complete directories only).
    package func versions(name: String) throws(CertificateManagerError) -> [Int] {
        try Self.validate(name: name)
        let archive = archiveDirectory(name)
        guard FileManager.default.fileExists(atPath: archive) else { return [] }
        return try Self.versionNumbers(in: archive).sorted()
    }

    /// Refuses a name that cannot be one directory entry of ours: empty, with `/`, a control
    /// character or a leading `.` (which also rules out `.` and `..`, and keeps the hidden
    /// names — locks, temporary links and directories — to the archive itself), or too long.
    package static func validate(name: String) throws(CertificateManagerError) {
        let usable =
            !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && name.utf8.count <= 200
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
        guard usable else {
            throw CertificateManagerError(
                .configuration,
                "certificate name \(name.debugDescription) cannot name a directory: it must be 1 to 200 bytes "
                    + "without '/', control characters or a leading '.'")
        }
    }

    // MARK: - Layout

    static let lockFile = ".lock"
    static let partialPrefix = ".partial-"
    static let directoryMode: mode_t = 0o755
    static let publicMode: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]

    private func archiveDirectory(_ name: String) -> String { "\(directory)/archive/\(name)" }
    private func liveLink(_ name: String) -> String { "\(directory)/live/\(name)" }

    static func directoryName(version: Int) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func version(directoryName: String) -> Int? {
        guard !directoryName.isEmpty, directoryName.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(directoryName)
    }

    /// The version `live/NAME` points at and its files, or `nil` when there is no link.
    private func liveVersion(_ name: String) throws(CertificateManagerError) -> (Int, CertificatePaths)? {
        let link = liveLink(name)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(link, &buffer, buffer.count - 1)
        guard length >= 0 else {
            switch errno {
            case ENOENT: return nil
            case EINVAL:
                throw CertificateManagerError(.fileRead, "\(link) is not a symbolic link into ../archive/\(name)")
            default: throw Self.readError("cannot read the link \(link)")
            }
        }
        let target = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let prefix = "../archive/\(name)/"
        guard target.hasPrefix(prefix),
            let version = Self.version(directoryName: String(target.dropFirst(prefix.count)))
        else {
            throw CertificateManagerError(.fileRead, "\(link) points at \(target), not at a version in \(prefix)")
        }
        return (version, CertificatePaths(directory: "\(directory)/archive/\(name)/\(target.dropFirst(prefix.count))"))
    }

    /// Removes all but the newest `versionsKept` versions, never `live`. Best effort: the
    /// install has succeeded by now, and a version left over is pruned by the next one.
    private func prune(_ archive: String, live: Int) {
        guard let versions = try? Self.versionNumbers(in: archive) else { return }
        let others = versions.filter { $0 != live }.sorted(by: >)
        for version in others.dropFirst(versionsKept - 1) {
            try? FileManager.default.removeItem(atPath: "\(archive)/\(Self.directoryName(version: version))")
        }
    }

    // MARK: - File system

    private static func versionNumbers(in archive: String) throws(CertificateManagerError) -> [Int] {
        try entries(of: archive).compactMap { version(directoryName: $0) }
    }

    private static func entries(of directory: String) throws(CertificateManagerError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw CertificateManagerError(.fileRead, "cannot list \(directory): \(error)")
        }
    }

    /// Makes `path` (0755 exactly, whatever the umask; missing parents under the umask) and
    /// syncs its parent so the new entry survives a crash. An existing directory is left as is.
    private static func makeDirectory(_ path: String) throws(CertificateManagerError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CertificateManagerError(.fileWrite, "\(path) is not a directory") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CertificateManagerError(.fileWrite, "cannot make the directory \(path): \(error)")
        }
        if chmod(path, directoryMode) != 0 { throw writeError("cannot set the mode of \(path)") }
        try sync(parent.isEmpty ? "." : parent)
    }

    private static func lock(_ path: String) throws(CertificateManagerError) -> CInt {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw writeError("cannot open the lock file \(path)") }
        while flock(descriptor, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let error = writeError("cannot lock \(path)")
            _ = close(descriptor)
            throw error
        }
        return descriptor
    }

    /// fsync(2) on a directory: its entries (new files, renames) reach the disk.
    private static func sync(_ directory: String) throws(CertificateManagerError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw writeError("cannot open the directory \(directory)") }
        defer { _ = close(descriptor) }
        if fsync(descriptor) != 0 { throw writeError("cannot sync the directory \(directory)") }
    }

    /// Removes a file or link; nothing to do when it is not there.
    private static func unlinkIfPresent(_ path: String) throws(CertificateManagerError) {
        if unlink(path) != 0, errno != ENOENT { throw writeError("cannot remove the leftover \(path)") }
    }

    private static func remove(_ path: String) throws(CertificateManagerError) {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw CertificateManagerError(.fileWrite, "cannot remove the leftover \(path): \(error)")
        }
    }

    private static func write(
        _ contents: String, to path: String, mode: FilePermissions
    ) throws(CertificateManagerError) {
        do {
            try AtomicFile.write(contents, to: path, mode: mode)
        } catch let error as CertificateManagerError {
            throw error
        } catch {
            throw CertificateManagerError(.fileWrite, "cannot write \(path): \(error)")
        }
    }

    private static func read(_ path: String) throws(CertificateManagerError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CertificateManagerError(.fileRead, "cannot read \(path): \(error)")
        }
    }

    private static func writeError(
        _ what: String, file: String = #fileID, line: UInt = #line
    )
        -> CertificateManagerError
    {
        CertificateManagerError(.fileWrite, "\(what): \(Errno(rawValue: errno))", file: file, line: line)
    }

    private static func readError(
        _ what: String, file: String = #fileID, line: UInt = #line
    )
        -> CertificateManagerError
    {
        CertificateManagerError(.fileRead, "\(what): \(Errno(rawValue: errno))", file: file, line: line)
    }
}
