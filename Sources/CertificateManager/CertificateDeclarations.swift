/// The certificates `cairn serve` manages and the issuers it orders them from, as declared in
/// the configuration file's `certificates` and `issuers` lists.
///
/// Read with ``load(fromYAMLFile:)``; every certificate's issuers exist, names are unique and
/// every value has been checked. Two values compare equal when the declarations are the same;
/// ``DeclarationDiff`` says which certificates a reload added, removed or changed.
package struct CertificateDeclarations: Hashable, Sendable {
    /// `issuers`, in the order written.
    package var issuers: [IssuerDeclaration]
    /// `certificates`, in the order written.
    package var certificates: [CertificateDeclaration]

    /// Nothing declared: what a configuration without the two lists means.
    package static let empty = CertificateDeclarations(issuers: [], certificates: [])

    /// Builds declarations from values already checked (tests, code). ``load(fromYAMLFile:)``
    /// checks what a file says.
    package init(issuers: [IssuerDeclaration], certificates: [CertificateDeclaration]) {
        self.issuers = issuers
        self.certificates = certificates
    }

    package var isEmpty: Bool { issuers.isEmpty && certificates.isEmpty }

    /// The issuer called `name`.
    package func issuer(named name: String) -> IssuerDeclaration? {
        issuers.first { $0.name == name }
    }

    /// The certificate called `name`.
    package func certificate(named name: String) -> CertificateDeclaration? {
        certificates.first { $0.name == name }
    }

    /// The issuers of `certificate`, in its order of preference.
    package func issuers(of certificate: CertificateDeclaration) -> [IssuerDeclaration] {
        certificate.issuers.compactMap { issuer(named: $0) }
    }
}
