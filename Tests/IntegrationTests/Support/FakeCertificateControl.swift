import CairnApplication
import CertificateManager
import Foundation

/// Stands in for the certificate manager behind the control socket: it answers with fixed
/// statuses, records what it was asked, reports progress lines, and can be held between a
/// certificate's two progress lines until the test opens its gate, so a test can see a line
/// arrive before the operation ends.
actor FakeCertificateControl: CertificateControl {
    /// What ``certificates()`` answers and ``renew(name:force:progress:)`` acts on.
    let statuses: [CertificateStatus]
    /// Certificates whose renewal fails (reported in the returned status, not thrown).
    let failing: Set<String>
    /// Thrown by a renewal after its progress lines, when set.
    let renewError: CertificateManagerError?
    /// When set, each certificate's renewal waits here between "ordering" and its outcome.
    let gate: AsyncStream<Void>?
    /// What ``issue(_:progress:)`` returns; it throws when `nil`.
    let issueResult: OneShotIssueResult?

    private(set) var renewals: [ControlRenewRequest] = []
    private(set) var issues: [OneShotIssueRequest] = []

    init(
        statuses: [CertificateStatus] = [], failing: Set<String> = [], renewError: CertificateManagerError? = nil,
        gate: AsyncStream<Void>? = nil, issueResult: OneShotIssueResult? = nil
    ) {
        self.statuses = statuses
        self.failing = failing
        self.renewError = renewError
        self.gate = gate
        self.issueResult = issueResult
    }

    func certificates() async -> [CertificateStatus] { statuses }

    func renew(
        name: String?, force: Bool, progress: @escaping @Sendable (String) -> Void
    ) async throws -> [CertificateStatus] {
        renewals.append(ControlRenewRequest(name: name, force: force))
        let chosen = statuses.filter { name == nil || $0.name == name }
        if let name, chosen.isEmpty {
            throw CertificateManagerError(.configuration, "no certificate named \(name) is declared")
        }
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        var after: [CertificateStatus] = []
        for var status in chosen {
            progress("\(status.name): ordering")
            if let gate { for await _ in gate { break } }
            if failing.contains(status.name) {
                progress("\(status.name): the CA refused the order")
                status.failures += 1
                status.failuresTotal += 1
                status.lastFailure = now
                status.lastError = "the CA refused the order for \(status.name)"
                status.nextAttempt = now.addingTimeInterval(600)
                status.reason = "backoff after 1 failure"
            } else {
                progress("\(status.name): installed")
                status.failures = 0
                status.lastSuccess = now
                status.notBefore = now
                status.notAfter = now.addingTimeInterval(90 * 86_400)
                status.nextAttempt = now.addingTimeInterval(60 * 86_400)
                status.reason = "2/3 of the lifetime"
            }
            after.append(status)
        }
        if let renewError { throw renewError }
        return after
    }

    func issue(
        _ request: OneShotIssueRequest, progress: @escaping @Sendable (String) -> Void
    ) async throws -> OneShotIssueResult {
        issues.append(request)
        progress("order placed for \(request.names.joined(separator: ", "))")
        guard let issueResult else { throw CertificateManagerError(.issuance, "the fake has no certificate") }
        progress("issued")
        return issueResult
    }
}
