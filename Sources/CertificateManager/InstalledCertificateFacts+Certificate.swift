import Crypto
package import X509
import _CryptoExtras

extension InstalledCertificateFacts {
    /// The facts of `certificate` the schedule compares with its declaration: validity, the
    /// DNS names of its subjectAltName (RFC 5280 §4.2.1.6) and its key type (as
    /// ``ACMEClient/ACMEKeyType`` spells it: ec256, ec384, rsa2048…).
    package init(_ certificate: Certificate) {
        let names = ((try? certificate.extensions.subjectAlternativeNames) ?? nil)?.compactMap { name -> String? in
            if case .dnsName(let dns) = name { return dns.lowercased() }
            return nil
        }
        let keyType: String
        if P256.Signing.PublicKey(certificate.publicKey) != nil {
            keyType = "ec256"
        } else if P384.Signing.PublicKey(certificate.publicKey) != nil {
            keyType = "ec384"
        } else if let rsa = _RSA.Signing.PublicKey(certificate.publicKey) {
            keyType = "rsa\(rsa.keySizeInBits)"
        } else {
            keyType = "unknown"
        }
        self.init(
            notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, domains: names ?? [],
            keyType: keyType)
    }
}
