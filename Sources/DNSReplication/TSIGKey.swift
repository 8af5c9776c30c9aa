import Crypto
public import DNSWire
import Foundation

/// A TSIG key: a name, an algorithm and a shared secret (RFC 8945 §3).
///
/// Printing a key (``description``, `debugDescription`, `dump`) shows its name and algorithm
/// and the secret's length, never the secret; ``base64Secret`` is the one way to read it out
/// as text.
public struct TSIGKey: Hashable, Sendable {
    /// The key's name: the owner name of the TSIG records it signs (RFC 8945 §4.2).
    public var name: DNSName
    /// The MAC algorithm; always one Cairn computes (``TSIGAlgorithm/isSupported``).
    public private(set) var algorithm: TSIGAlgorithm
    /// The shared secret.
    public var secret: [UInt8]

    /// A key from its parts.
    ///
    /// - Precondition: `algorithm.isSupported`. Keys read from configuration come from
    ///   ``init(name:algorithm:base64Secret:)``, which throws instead.
    public init(name: DNSName, algorithm: TSIGAlgorithm, secret: [UInt8]) {
        precondition(algorithm.isSupported, "TSIG algorithm \(algorithm) is not supported")
        self.name = name
        self.algorithm = algorithm
        self.secret = secret
    }

    /// A key as configuration files and `tsig-keygen` spell it: a name such as `xfr-key`, an
    /// algorithm mnemonic such as `hmac-sha256` (RFC 8945 §6) and the secret in base64.
    ///
    /// - Throws: ``TSIGError`` — ``TSIGError/Code/invalidKeyName``,
    ///   ``TSIGError/Code/unknownAlgorithm``, ``TSIGError/Code/unsupportedAlgorithm`` or
    ///   ``TSIGError/Code/invalidSecret`` (not base64, or empty).
    public init(name: String, algorithm: String, base64Secret: String) throws(TSIGError) {
        let keyName: DNSName
        do {
            keyName = try DNSName(name)
        } catch {
            throw TSIGError(.invalidKeyName, keyName: name, reason: "\(error)")
        }
        guard !keyName.isRoot else {
            throw TSIGError(.invalidKeyName, keyName: name, reason: "a key needs a name other than the root")
        }
        guard let parsedAlgorithm = TSIGAlgorithm(mnemonic: algorithm) else {
            throw TSIGError(
                .unknownAlgorithm, keyName: name,
                reason: "\(algorithm) is not hmac-sha256, hmac-sha384, hmac-sha512 or hmac-sha1")
        }
        guard parsedAlgorithm.isSupported else {
            throw TSIGError(
                .unsupportedAlgorithm, keyName: name,
                reason: "\(parsedAlgorithm) cannot be computed here; use hmac-sha256")
        }
        guard let secret = Data(base64Encoded: base64Secret) else {
            throw TSIGError(.invalidSecret, keyName: name, reason: "the secret is not valid base64")
        }
        guard !secret.isEmpty else {
            throw TSIGError(.invalidSecret, keyName: name, reason: "the secret is empty")
        }
        self.init(name: keyName, algorithm: parsedAlgorithm, secret: Array(secret))
    }

    /// A new key with a random secret as long as the algorithm's hash output (RFC 8945 §3,
    /// RFC 2104 §3).
    ///
    /// - Precondition: `algorithm.isSupported`.
    public static func generate(name: DNSName, algorithm: TSIGAlgorithm = .hmacSHA256) -> TSIGKey {
        precondition(algorithm.isSupported, "TSIG algorithm \(algorithm) is not supported")
        let key = SymmetricKey(size: SymmetricKeySize(bitCount: (algorithm.macLength ?? 32) * 8))
        return TSIGKey(name: name, algorithm: algorithm, secret: key.withUnsafeBytes { Array($0) })
    }

    /// The secret in base64, as configuration files hold it.
    public var base64Secret: String {
        Data(secret).base64EncodedString()
    }
}

extension TSIGKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Name, algorithm and the secret's length; never the secret.
    public var description: String {
        "TSIGKey(\(name) \(algorithm), secret: \(secret.count) octets, not shown)"
    }

    public var debugDescription: String { description }

    /// A mirror without the secret, so `dump` and reflecting printers do not show it.
    public var customMirror: Mirror {
        Mirror(
            self, children: ["name": name, "algorithm": algorithm, "secret": "\(secret.count) octets, not shown"],
            displayStyle: .struct)
    }
}
