/// A `renewalInfo` response (RFC 9773 §4.2): the window in which the CA wants renewal.
public struct RenewalInfo: Codable, Hashable, Sendable {
    public struct Window: Codable, Hashable, Sendable {
        public var start: String
        public var end: String
    }

    public var suggestedWindow: Window
    public var explanationURL: String?
    /// From the response's `Retry-After` header: when to ask again, in seconds.
    public var retryAfterSeconds: Int?

    enum CodingKeys: String, CodingKey { case suggestedWindow, explanationURL }
}
