/// An identifier in an order or authorization (RFC 8555 §7.1.3, §7.1.4); Cairn orders `dns`.
public struct ACMEIdentifier: Codable, Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var value: String

    public init(type: String = "dns", value: String) {
        self.type = type
        self.value = value
    }

    public static func dns(_ name: String) -> ACMEIdentifier { ACMEIdentifier(type: "dns", value: name) }

    public var description: String { value }
}
