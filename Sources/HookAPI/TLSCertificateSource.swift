import NIOSSL
import Synchronization

/// The certificate and key the hook API presents, replaceable while it serves: each TLS
/// handshake takes the current pair (through NIOSSL's context callback), so a renewed
/// certificate is presented to new connections at once and open ones are not dropped.
public final class TLSCertificateSource: Sendable {
    struct Pair: @unchecked Sendable {
        // NIOSSLCertificate and NIOSSLPrivateKey are immutable once made.
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    private let current: Mutex<Pair?> = Mutex(nil)

    public init() {}

    /// Presents the PEM `chain` (leaf first) with the PEM `key` from the next handshake on.
    ///
    /// - Throws: when either does not parse.
    public func update(chainPEM: String, keyPEM: String) throws {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        current.withLock { $0 = Pair(chain: chain, key: key) }
    }

    /// Whether a certificate has been given.
    public var isReady: Bool { current.withLock { $0 != nil } }

    var pair: Pair? { current.withLock { $0 } }
}
