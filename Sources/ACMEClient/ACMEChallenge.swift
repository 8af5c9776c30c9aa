/// A challenge object (RFC 8555 §7.1.5, §8). Unknown members are ignored.
public struct ACMEChallenge: Codable, Hashable, Sendable {
    public var type: ACMEChallengeType
    public var url: String
    public var status: ACMEStatus
    public var token: String?
    public var error: ACMEProblem?

    public init(type: ACMEChallengeType, url: String, status: ACMEStatus, token: String?, error: ACMEProblem? = nil) {
        self.type = type
        self.url = url
        self.status = status
        self.token = token
        self.error = error
    }
}
