/// A question a DNS server did not answer usably: no response in time, a malformed one, or an
/// address that is not one.
public struct DNSLookupError: Error, Hashable, CustomStringConvertible, Sendable {
    /// The server asked, `address:port`.
    public var server: String
    /// The question, `name TYPE`.
    public var question: String
    public var reason: String

    public init(server: String, question: String, reason: String) {
        self.server = server
        self.question = question
        self.reason = reason
    }

    public var description: String {
        question.isEmpty ? "\(server): \(reason)" : "\(server) did not answer \(question): \(reason)"
    }
}
