import ACMEClient
import AsyncHTTPClient
import DNSLookup
import DNSWire
import Logging
import SwiftASN1
import X509

/// `cairn issue` run by a `cairn serve` on the command's behalf (over the control socket): the
/// same ``IssuancePath`` as every issuance, publishing through the server's store, the
/// certificate returned to the command rather than installed.
struct OneShotIssuance {
    let request: OneShotIssueRequest
    let settings: CertificateManagerService.Settings
    let publisher: CertificateManagerService.PublisherFactory
    let logger: Logger

    /// The owner of the challenge names one-shot issuances publish at.
    static let owner = "cairn-issue"

    func run(
        http: HTTPClient, progress: @escaping @Sendable (String) -> Void
    ) async throws -> OneShotIssueResult {
        func invalid(_ what: String) -> CertificateManagerError { CertificateManagerError(.configuration, what) }
        guard let keyType = ACMEKeyType(parsing: request.keyType) else {
            throw invalid("unknown key type \(request.keyType)")
        }
        guard let accountKeyType = ACMEKeyType(parsing: request.accountKeyType),
            IssuerDeclaration.accountKeyTypes.contains(accountKeyType)
        else { throw invalid("account key type must be ec256, ec384 or rsa2048") }
        let key = try request.keyPEM.map { try ACMEKey(pemRepresentation: $0) } ?? ACMEKey.generate(keyType)
        let binding = try request.eabKeyID.map { id in
            try ExternalAccountBinding(keyID: id, encodedMACKey: request.eabMACKey ?? "")
        }
        let resolver: ResolverAddress
        if let text = request.resolver {
            do {
                resolver = try HostPort.resolver(text)
            } catch {
                throw invalid("resolver \(text) is not an address or address:port")
            }
        } else {
            resolver = settings.resolver
        }
        let path = IssuancePath(
            resolver: resolver, aliases: request.aliases, preflight: request.preflight,
            nameserverPort: settings.preflightNameserverPort, logger: logger)
        let replaces = request.replacesPEM.flatMap { try? Certificate(pemEncoded: $0) }.flatMap {
            try? ARICertificateID($0)
        }
        let account = ACMEAccountSettings(
            directoryURL: IssuerDeclaration.directoryURL(for: request.directory) ?? request.directory,
            email: request.email, binding: binding, keyType: accountKeyType, stateDirectory: settings.stateDirectory)
        let issued = try await path.issue(
            CertificateRequest(
                names: request.names, key: key, profile: request.profile, replaces: replaces,
                preferredChain: request.preferredChain),
            account: account, http: http, publisher: publisher(Self.owner),
            step: { step in if let line = CertificateManagerService.describe(step) { progress(line) } })
        return OneShotIssueResult(
            certificatePEM: issued.chain.leafPEM, chainPEM: issued.chain.intermediatesPEM,
            fullChainPEM: issued.chain.fullChainPEM, keyPEM: issued.key.pemRepresentation + "\n")
    }
}
