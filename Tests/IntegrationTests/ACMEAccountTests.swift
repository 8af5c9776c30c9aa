import ACMEClient
import AsyncHTTPClient
import CairnTestSupport
import Foundation
import Logging
import SwiftASN1
import Testing
import X509

/// Account operations of the ACME client against real Pebble: lookup by key, key rollover,
/// deactivation and revocation (RFC 8555 §7.3.1, §7.3.5, §7.3.6, §7.6).
@Suite(.serialized, .timeLimit(.minutes(5))) struct ACMEAccountTests {
    static func withClient<T: Sendable>(
        _ pebble: Pebble, _ body: @Sendable (HTTPClient) async throws -> T
    ) async throws -> T {
        try await ACMEHTTPClient.withClient(trustingAlso: pebble.caCertificatePath, body)
    }

    static let logger = Logger(label: "cairn.test.acme")

    @Test func keyRolloverMovesTheAccountToTheNewKey() async throws {
        let port = try await LoopbackPorts.free()
        try await Pebble.with(Pebble.Options(dnsServer: "127.0.0.1:\(port)")) { pebble in
            try await Self.withClient(pebble) { http in
                let oldKey = try ACMEKey.generate(.p256)
                let newKey = try ACMEKey.generate(.rsa2048)
                let client = ACMEClient(
                    directoryURL: pebble.directoryURL, key: oldKey, httpClient: http, logger: Self.logger)
                let account = try await client.register(contact: ["mailto:a@example.test"])
                try await client.rollover(to: newKey)
                // The rolled-over client keeps working with the new key.
                _ = try await client.newOrder([.dns("rollover.test")])

                let withNewKey = ACMEClient(
                    directoryURL: pebble.directoryURL, key: newKey, httpClient: http, logger: Self.logger)
                #expect(try await withNewKey.lookupAccount().url == account.url)
                let withOldKey = ACMEClient(
                    directoryURL: pebble.directoryURL, key: oldKey, httpClient: http, logger: Self.logger)
                let error = await #expect(throws: ACMEError.self) { try await withOldKey.lookupAccount() }
                #expect(error?.problem?.type == .accountDoesNotExist, "\(String(describing: error))")
            }
        }
    }

    @Test func deactivatedAccountCannotOrder() async throws {
        let port = try await LoopbackPorts.free()
        try await Pebble.with(Pebble.Options(dnsServer: "127.0.0.1:\(port)")) { pebble in
            try await Self.withClient(pebble) { http in
                let client = ACMEClient(
                    directoryURL: pebble.directoryURL, key: try ACMEKey.generate(.p384), httpClient: http,
                    logger: Self.logger)
                let lookupBeforeRegistering = await #expect(throws: ACMEError.self) { try await client.lookupAccount() }
                #expect(lookupBeforeRegistering?.problem?.type == .accountDoesNotExist)
                try await client.register()
                #expect(try await client.deactivateAccount().status == .deactivated)
                let error = await #expect(throws: ACMEError.self) { try await client.newOrder([.dns("gone.test")]) }
                #expect(error?.problem?.type == .unauthorized, "\(String(describing: error))")
            }
        }
    }

    /// Issues with `cairn issue`, then revokes with the same account key; a second revocation
    /// is refused as `alreadyRevoked`.
    @Test func revocationWithAReason() async throws {
        try await IssueCommandTests.issue(["revoke.test"]) { pebble, run, _ in
            #expect(run.result.succeeded, "\(run.result.output)")
            let accountKeyPath = try #require(
                (FileManager.default.enumerator(atPath: "\(run.state)/accounts")?.allObjects as? [String])?.first {
                    $0.hasSuffix("account.key")
                })
            let key = try ACMEKey(
                pemRepresentation: try String(
                    contentsOfFile: "\(run.state)/accounts/\(accountKeyPath)", encoding: .utf8))
            let certificate = try Certificate(
                pemEncoded: try String(contentsOfFile: "\(run.out)/revoke.test/cert.pem", encoding: .utf8))
            try await Self.withClient(pebble) { http in
                let client = ACMEClient(
                    directoryURL: pebble.directoryURL, key: key, httpClient: http, logger: Self.logger)
                try await client.lookupAccount()
                try await client.revoke(certificate: certificate, reason: 4)  // superseded
                let again = await #expect(throws: ACMEError.self) {
                    try await client.revoke(certificate: certificate, reason: 4)
                }
                #expect(again?.problem?.type == .alreadyRevoked, "\(String(describing: again))")
            }
        }
    }

    /// The same operations as an operator runs them: `cairn account show/rollover/deactivate`
    /// and `cairn revoke`, on the account `cairn issue` made in the state directory.
    @Test func accountAndRevokeCommands() async throws {
        try await IssueCommandTests.issue(["commands.test"]) { pebble, run, _ in
            #expect(run.result.succeeded, "\(run.result.output)")
            let binary = try CairnBinary.path()
            let common = [
                "--server", pebble.directoryURL, "--ca-bundle", pebble.caCertificatePath, "--state-dir", run.state,
            ]
            let show = try await Tool.run(binary, ["account", "show"] + common)
            #expect(show.succeeded && show.output.contains("ES256"), "\(show.output)")

            let rollover = try await Tool.run(binary, ["account", "rollover", "--key-type", "rsa2048"] + common)
            #expect(rollover.succeeded, "\(rollover.output)")
            let afterRollover = try await Tool.run(binary, ["account", "show"] + common)
            #expect(
                afterRollover.output.contains("RS256"), "the key file now holds the new key: \(afterRollover.output)")

            let certificate = "\(run.out)/commands.test/cert.pem"
            let badReason = try await Tool.run(binary, ["revoke", "--cert", certificate, "--reason", "2"] + common)
            #expect(!badReason.succeeded && badReason.output.contains("--reason"))
            let revoke = try await Tool.run(binary, ["revoke", "--cert", certificate, "--reason", "4"] + common)
            #expect(revoke.succeeded, "\(revoke.output)")
            let again = try await Tool.run(binary, ["revoke", "--cert", certificate] + common)
            #expect(!again.succeeded && again.output.contains("alreadyRevoked"), "\(again.output)")

            let unconfirmed = try await Tool.run(binary, ["account", "deactivate"] + common)
            #expect(!unconfirmed.succeeded && unconfirmed.output.contains("--yes"))
            let deactivate = try await Tool.run(binary, ["account", "deactivate", "--yes"] + common)
            #expect(deactivate.succeeded && deactivate.output.contains("deactivated"), "\(deactivate.output)")
            let gone = try await Tool.run(binary, ["account", "show"] + common)
            #expect(!gone.succeeded, "a deactivated account is not found any more: \(gone.output)")
        }
    }
}
