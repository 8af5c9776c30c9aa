/// What the CLI asks a running `cairn serve` through its control socket (DESIGN decision 9):
/// implemented by the certificate manager, served over the owner-only socket in the state
/// directory, called by `cairn certs`, `cairn renew` and `cairn issue`.
package protocol CertificateControl: Sendable {
    /// Every declared certificate's status.
    func certificates() async -> [CertificateStatus]
    /// Renews `name` (every declared certificate when `nil`) now if it is due, or whatever its
    /// schedule says when `force`; progress lines go to `progress` as they happen.
    ///
    /// - Returns: the status of each certificate acted on, after acting.
    /// - Throws: ``CertificateManagerError`` with code `.configuration` for an unknown name.
    func renew(
        name: String?, force: Bool, progress: @escaping @Sendable (String) -> Void
    ) async throws
        -> [CertificateStatus]
    /// Gets one certificate now through the server's own DNS, without declaring it.
    func issue(
        _ request: OneShotIssueRequest, progress: @escaping @Sendable (String) -> Void
    ) async throws
        -> OneShotIssueResult
}
