/// A TXT value as stored: where it is served and until when.
public struct StoredValue: Hashable, Sendable {
    /// The owned name (lowercase, no trailing dot).
    public var name: String
    /// The TXT content.
    public var text: String
    /// Seconds since the Unix epoch after which the value is no longer served.
    public var expires: Int64

    public init(name: String, text: String, expires: Int64) {
        self.name = name
        self.text = text
        self.expires = expires
    }
}
