package import ACMEClient
import Foundation
import SystemPackage

/// The ACME account key for one CA: `<state>/accounts/<host_port>/account.key` (PEM, 0600),
/// made on first use.
package struct AccountKeyFile {
    package let path: String

    package init(stateDirectory: String, directoryURL: String) {
        let url = URL(string: directoryURL)
        var host = url?.host ?? "ca"
        if let port = url?.port { host += "_\(port)" }
        let safe = host.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" }
        path = "\(stateDirectory)/accounts/\(String(safe))/account.key"
    }

    /// The stored key, or a new one of `type` stored now. `created` tells which.
    package func loadOrCreate(type: ACMEKeyType) throws -> (key: ACMEKey, created: Bool) {
        if let key = try load() { return (key, false) }
        let key = try ACMEKey.generate(type)
        try AtomicFile.write(key.pemRepresentation + "\n", to: path, mode: [.ownerReadWrite])
        return (key, true)
    }

    /// The stored key, or `nil` when there is no file.
    package func load() throws -> ACMEKey? {
        if FileManager.default.fileExists(atPath: path) {
            let pem: String
            do {
                pem = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw CertificateManagerError(.accountKey, "cannot read the account key \(path): \(error)")
            }
            do {
                return try ACMEKey(pemRepresentation: pem)
            } catch {
                throw CertificateManagerError(.accountKey, "\(path): \(error)")
            }
        }
        return nil
    }

    package func replace(with key: ACMEKey) throws {
        try AtomicFile.write(key.pemRepresentation + "\n", to: path, mode: [.ownerReadWrite])
    }
}
