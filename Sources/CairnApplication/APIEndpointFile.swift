import CertificateManager
package import DNSWire
import Foundation
package import NIOCore
import SystemPackage

/// `api-endpoint` in the state directory: the URL the running server's hook API is bound to, so
/// `cairn token create` prints where the API really is, whatever flag or file configured it.
/// Written when the API is bound, removed when the server stops.
package enum APIEndpointFile {
    package static func path(in stateDirectory: String) -> String { "\(stateDirectory)/api-endpoint" }

    /// The URL of an API bound at `address`.
    package static func url(scheme: String, address: SocketAddress) -> String? {
        guard let host = address.ipAddress, let port = address.port else { return nil }
        return url(scheme: scheme, HostPort(host: host, port: port))
    }

    /// The URL of an API at `address`.
    package static func url(scheme: String, _ address: HostPort) -> String { "\(scheme)://\(address)" }

    package static func write(_ url: String, in stateDirectory: String) throws {
        try AtomicFile.write(url + "\n", to: path(in: stateDirectory), mode: [.ownerReadWrite])
    }

    package static func remove(in stateDirectory: String) {
        try? FileManager.default.removeItem(atPath: path(in: stateDirectory))
    }

    /// The running server's API URL, if a server runs with `stateDirectory` and serves the API.
    package static func running(in stateDirectory: String) -> String? {
        guard StateDirectory.runningServer(in: stateDirectory) != nil,
            let text = try? String(contentsOfFile: path(in: stateDirectory), encoding: .utf8)
        else { return nil }
        let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return url.isEmpty ? nil : url
    }
}
