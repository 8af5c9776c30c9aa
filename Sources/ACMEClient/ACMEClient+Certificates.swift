import Foundation
import NIOHTTP1
import SwiftASN1
public import X509

extension ACMEClient {
    /// Downloads the certificate chain (RFC 8555 §7.4.2) and the URLs of alternate chains
    /// (`Link: rel="alternate"`).
    public func certificateChain(at url: String) async throws -> (chain: CertificateChain, alternates: [String]) {
        let response = try await post(url, payload: nil, accept: "application/pem-certificate-chain")
        let chain = try CertificateChain(pem: String(decoding: response.body, as: UTF8.self))
        return (chain, response.links(relation: "alternate"))
    }

    /// Revokes a certificate (RFC 8555 §7.6) with the account key; `reason` is a CRL reason
    /// code (RFC 5280 §5.3.1: 0 unspecified, 1 keyCompromise, 4 superseded, 5 cessationOfOperation).
    public func revoke(certificate: Certificate, reason: Int? = nil) async throws {
        guard let url = try await directory().revokeCert else {
            throw ACMEError(.unsupported, detail: "the CA's directory has no revokeCert")
        }
        struct Revocation: Encodable {
            var certificate: String
            var reason: Int?
        }
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        _ = try await post(
            url,
            json: Revocation(certificate: Data(serializer.serializedBytes).base64URLEncodedString(), reason: reason))
    }

    /// The CA's suggested renewal window for a certificate (RFC 9773 §4.1), an
    /// unauthenticated GET of `renewalInfo/<CertID>`.
    public func renewalInfo(for certificateID: ARICertificateID) async throws -> RenewalInfo {
        guard let base = try await directory().renewalInfo else {
            throw ACMEError(.unsupported, detail: "the CA's directory has no renewalInfo (RFC 9773)")
        }
        let url = base.hasSuffix("/") ? base + certificateID.rawValue : base + "/" + certificateID.rawValue
        let response = try await sendUnsigned(method: .GET, url: url, retryingServerErrors: false)
        return try response.renewalInfo()
    }
}

extension ACMEClient.Response {
    /// A `renewalInfo` answer (RFC 9773 §4.2) with its `Retry-After`.
    @_spi(Fuzzing) public func renewalInfo() throws -> RenewalInfo {
        try checkSuccess()
        var info = try decode(RenewalInfo.self)
        info.retryAfterSeconds = retryAfterSeconds.map { Int($0) }
        return info
    }
}
