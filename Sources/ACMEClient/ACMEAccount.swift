/// An account object (RFC 8555 §7.1.2) and its URL, the `kid` of later requests.
public struct ACMEAccount: Codable, Hashable, Sendable {
    public var status: ACMEStatus
    public var contact: [String]?
    public var orders: String?
    /// The account URL (`Location` of newAccount); not part of the JSON.
    public var url: String = ""

    enum CodingKeys: String, CodingKey { case status, contact, orders }
}
