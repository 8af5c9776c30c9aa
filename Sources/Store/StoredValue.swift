/// A TXT value as stored: where it is served and until when.
public struct StoredValue: Hashable, Sendable {
    /// The owned name (lowercase, no trailing dot).
    public var name: String
    /// The TXT content.
    public var text: String
    /// Seconds since the Unix epoch after which the value is no longer served.
    public var expires: Int64
    /// The TTL to serve it with; `nil` for the server's maximum challenge TTL.
    public var ttl: UInt32?

    public init(name: String, text: String, expires: Int64, ttl: UInt32? = nil) {
        self.name = name
        self.text = text
        self.expires = expires
        self.ttl = ttl
    }
}
