import ACMEClient
import ArgumentParser
import CairnApplication
import CertificateManager
import Foundation
import Logging
import SwiftASN1
import X509

/// `cairn revoke`: revokes a certificate with the account that ordered it (RFC 8555 §7.6).
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a certificate with the account key in the state directory.")

    @Option(name: .customLong("cert"), help: "The certificate (PEM), e.g. certificates/example.com/cert.pem.")
    var certificate: String

    @Option(
        help: """
            CRL reason code (RFC 5280 §5.3.1): 0 unspecified, 1 keyCompromise, 3 affiliationChanged, \
            4 superseded, 5 cessationOfOperation.
            """)
    var reason: Int?

    @OptionGroup var acme: ACMEServerOptions
    @OptionGroup var options: ConfigurationOptions

    func validate() throws {
        if let reason, ![0, 1, 3, 4, 5].contains(reason) {
            throw ValidationError("--reason must be 0, 1, 3, 4 or 5 (RFC 5280 §5.3.1 codes CAs accept)")
        }
    }

    func run() async throws {
        let logger = Logger(label: "cairn.revoke")
        let pem: String
        do {
            pem = try String(contentsOfFile: certificate, encoding: .utf8)
        } catch {
            throw SettingsError(.file, "--cert \(certificate): \(error)")
        }
        let parsed: Certificate
        do {
            parsed = try Certificate(pemEncoded: pem)
        } catch {
            throw SettingsError(.file, "--cert \(certificate): not a PEM certificate (\(error))")
        }
        try await acme.withHTTPClient { http in
            let (client, _) = try await acme.existingAccount(
                stateDirectory: options.stateDirectory ?? ".cairn", http: http, logger: logger)
            try await client.revoke(certificate: parsed, reason: reason)
        }
        print("revoked \(certificate) (serial \(parsed.serialNumber))")
    }
}
