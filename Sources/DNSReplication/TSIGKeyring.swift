public import DNSWire

/// The TSIG keys a server knows, by name (RFC 8945 §5.2.1: a request naming another key is
/// answered BADKEY). Names compare case-insensitively, as ``DNSName`` does.
public struct TSIGKeyring: Hashable, Sendable {
    private var keysByName: [DNSName: TSIGKey]

    /// An empty keyring.
    public init() {
        self.keysByName = [:]
    }

    /// A keyring holding `keys`.
    ///
    /// - Throws: ``TSIGError/Code/duplicateKey`` when two keys have the same name.
    public init(_ keys: some Sequence<TSIGKey>) throws(TSIGError) {
        self.init()
        for key in keys { try insert(key) }
    }

    /// Adds `key`.
    ///
    /// - Throws: ``TSIGError/Code/duplicateKey`` when the keyring already has a key of that name.
    public mutating func insert(_ key: TSIGKey) throws(TSIGError) {
        guard keysByName[key.name] == nil else {
            throw TSIGError(.duplicateKey, keyName: key.name.description, reason: "another key has this name")
        }
        keysByName[key.name] = key
    }

    /// The key named `name`, if any.
    public subscript(name: DNSName) -> TSIGKey? {
        keysByName[name]
    }

    /// Every key, in canonical order of their names (RFC 4034 §6.1).
    public var keys: [TSIGKey] {
        keysByName.values.sorted { $0.name.canonicallyPrecedes($1.name) }
    }

    /// The number of keys.
    public var count: Int { keysByName.count }

    /// Whether the keyring has no key.
    public var isEmpty: Bool { keysByName.isEmpty }
}

extension TSIGKeyring: CustomStringConvertible {
    /// The names and algorithms of the keys; never a secret.
    public var description: String {
        "TSIGKeyring(" + keys.map { "\($0.name) \($0.algorithm)" }.joined(separator: ", ") + ")"
    }
}
