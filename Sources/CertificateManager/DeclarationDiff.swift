/// What a reload changed in the declared certificates, by name: what the manager starts,
/// stops, or looks at again.
package struct DeclarationDiff: Hashable, Sendable {
    /// Certificates declared now and not before, in the new file's order.
    package var added: [String]
    /// Certificates declared before and not now, in the old file's order.
    package var removed: [String]
    /// Certificates declared in both whose declaration differs in any key, or one of whose
    /// issuers' declaration differs (directory, account key type, EAB, …), in the new file's order.
    package var changed: [String]
    /// The part of ``changed`` whose current certificate no longer fits: its set of domains or
    /// its key type changed (``CertificateDeclaration/needsNewCertificate(comparedTo:)``).
    package var needsNewCertificate: [String]

    /// Whether no certificate was added, removed or changed.
    package var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    package init(added: [String], removed: [String], changed: [String], needsNewCertificate: [String]) {
        self.added = added
        self.removed = removed
        self.changed = changed
        self.needsNewCertificate = needsNewCertificate
    }

    /// The difference from `old` to `new`, certificates matched by name.
    package init(from old: CertificateDeclarations, to new: CertificateDeclarations) {
        let oldNames = Set(old.certificates.map(\.name))
        let newNames = Set(new.certificates.map(\.name))
        added = new.certificates.map(\.name).filter { !oldNames.contains($0) }
        removed = old.certificates.map(\.name).filter { !newNames.contains($0) }
        changed = []
        needsNewCertificate = []
        for certificate in new.certificates {
            guard let previous = old.certificate(named: certificate.name) else { continue }
            if previous != certificate || old.issuers(of: previous) != new.issuers(of: certificate) {
                changed.append(certificate.name)
                if certificate.needsNewCertificate(comparedTo: previous) {
                    needsNewCertificate.append(certificate.name)
                }
            }
        }
    }
}
