import Foundation
public import X509

/// The ARI certificate identifier (RFC 9773 §4.1): base64url of the Authority Key
/// Identifier's keyIdentifier, a period, and base64url of the serial number's DER content
/// octets.
public struct ARICertificateID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// - Throws: ``ACMEError`` when the certificate has no Authority Key Identifier.
    public init(_ certificate: Certificate) throws {
        guard let aki = try certificate.extensions.authorityKeyIdentifier, let keyID = aki.keyIdentifier else {
            throw ACMEError(.unsupported, detail: "the certificate has no Authority Key Identifier (RFC 9773 §4.1)")
        }
        // swift-certificates keeps the magnitude without leading zeros; the DER content octets
        // of a positive INTEGER start with 0x00 when the top bit is set (X.690 §8.3.2).
        var serial = Data(certificate.serialNumber.bytes)
        if serial.isEmpty || serial.first! >= 0x80 { serial.insert(0, at: 0) }
        rawValue = Data(keyID).base64URLEncodedString() + "." + serial.base64URLEncodedString()
    }

    public var description: String { rawValue }
}
