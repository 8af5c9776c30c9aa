public import X509

extension CertificateChain {
    /// Checks that the leaf is the certificate that was ordered: its public key is the CSR's and
    /// its subject alternative names are exactly `names` (DNS names, compared without regard to
    /// case, wildcards as `*.example.com`), nothing missing and nothing added. RFC 8555 §7.4
    /// leaves checking what the CA issued to the client; a CA that answers with another
    /// order's certificate, or one for other names, must not get it installed.
    ///
    /// - Throws: ``ACMEError`` with code ``ACMEError/Code/certificateMismatch``, naming what
    ///   differs, and `url` (the certificate's) as the request.
    public func requireLeaf(publicKey: Certificate.PublicKey, names: [String], url: String? = nil) throws {
        guard leaf.publicKey == publicKey else {
            throw ACMEError(
                .certificateMismatch, detail: "the certificate's public key is not the one the CSR carried", url: url)
        }
        let found: SubjectAlternativeNames?
        do {
            found = try leaf.extensions.subjectAlternativeNames
        } catch {
            throw ACMEError(
                .certificateMismatch, detail: "the certificate's subject alternative names are unreadable: \(error)",
                url: url)
        }
        guard let alternativeNames = found else {
            throw ACMEError(.certificateMismatch, detail: "the certificate has no subject alternative names", url: url)
        }
        var certified: Set<String> = []
        var other: [String] = []
        for name in alternativeNames {
            if case .dnsName(let value) = name {
                certified.insert(value.lowercased())
            } else {
                other.append("\(name)")
            }
        }
        let ordered = Set(names.map { $0.lowercased() })
        let missing = ordered.subtracting(certified).sorted()
        let added = certified.subtracting(ordered).sorted() + other
        guard missing.isEmpty, added.isEmpty else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.joined(separator: ", "))") }
            if !added.isEmpty { parts.append("not ordered \(added.joined(separator: ", "))") }
            throw ACMEError(
                .certificateMismatch,
                detail: "the certificate's names are not the order's: \(parts.joined(separator: "; "))", url: url)
        }
    }
}
