import Foundation
package import SystemPackage

/// Writes a file so readers see the old contents or the new, never a mix: a temporary file
/// in the same directory, created with its final mode (0600 for keys: never readable by
/// others, not even for an instant; exactly `mode` whatever the umask), synced, then renamed
/// over the target. Missing directories are made under the process's umask (077: private).
package enum AtomicFile {
    package static func write(
        _ contents: String, to path: String, mode: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    )
        throws
    {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
        let temporary = "\(path).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        do {
            let descriptor = try FileDescriptor.open(
                FilePath(temporary), .writeOnly, options: [.create, .exclusiveCreate], permissions: mode)
            try descriptor.closeAfter {
                // The umask may have taken bits off `mode` (Cairn runs with 077); set it exactly.
                if fchmod(descriptor.rawValue, mode_t(mode.rawValue)) != 0 { throw Errno(rawValue: errno) }
                _ = try descriptor.writeAll(Array(contents.utf8))
                if fsync(descriptor.rawValue) != 0 { throw Errno(rawValue: errno) }
            }
            if rename(temporary, path) != 0 { throw Errno(rawValue: errno) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CertificateManagerError(.fileWrite, "cannot write \(path): \(error)")
        }
    }
}
