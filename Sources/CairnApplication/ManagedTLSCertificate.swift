import CertificateManager
import Foundation
import HookAPI
import Synchronization

/// A declared certificate as the hook API's TLS certificate: loaded from its live files when
/// installed and at each renewal, and a way to wait until the first one exists.
final class ManagedTLSCertificate: Sendable {
    let tls = TLSCertificateSource()
    private let waiters = Mutex<[UInt64: CheckedContinuation<Void, Never>]>([:])
    private let nextWaiter = Atomic<UInt64>(0)

    var isReady: Bool { tls.isReady }

    /// Presents `installed` from the next handshake on, and wakes whoever waits for the first.
    func load(_ installed: InstalledCertificate) throws {
        let chain = try String(contentsOfFile: installed.paths.fullChain, encoding: .utf8)
        let key = try String(contentsOfFile: installed.paths.privateKey, encoding: .utf8)
        try tls.update(chainPEM: chain, keyPEM: key)
        let woken = waiters.withLock { waiters in
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns once a certificate is loaded (at once if one is), or when the task is cancelled.
    func ready() async {
        let id = nextWaiter.add(1, ordering: .relaxed).newValue
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let wait = waiters.withLock { waiters in
                    guard !tls.isReady, !Task.isCancelled else { return false }
                    waiters[id] = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            waiters.withLock { $0.removeValue(forKey: id) }?.resume()
        }
    }
}
