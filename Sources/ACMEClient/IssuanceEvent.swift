/// Progress of one issuance, for display and logs.
public enum IssuanceEvent: Sendable {
    /// The order exists; `authorizations` still need validation.
    case orderPlaced(url: String, pending: Int, total: Int)
    /// The TXT values are published and confirmed served.
    case published([ChallengeRecord])
    /// An authorization left `pending`: `valid`, or `invalid` with the CA's reason.
    case authorization(identifier: String, status: ACMEStatus, problem: ACMEProblem?)
    /// The CSR was sent.
    case finalizing
    /// The certificate is downloaded.
    case issued(url: String)
}
