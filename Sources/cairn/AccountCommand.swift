import ACMEClient
import ArgumentParser
import CairnApplication
import CertificateManager
import Logging

/// `cairn account`: the ACME account whose key is in the state directory.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Show, re-key or deactivate the ACME account of the state directory.",
        subcommands: [Show.self, Rollover.self, Deactivate.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the account URL and status.")
        @OptionGroup var acme: ACMEServerOptions
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            try await acme.withHTTPClient { http in
                let (client, file) = try await acme.existingAccount(
                    stateDirectory: options.stateDirectory ?? ".cairn", http: http,
                    logger: Logger(label: "cairn.account"))
                print("account \(await client.accountURL ?? "?") (key \(file.path), \(await client.key.algorithm))")
            }
        }
    }

    /// RFC 8555 §7.3.5.
    struct Rollover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the account key with a new one (the CA moves the account to it).")
        @Option(name: .customLong("key-type"), help: "The new key: ec256 (default), ec384, rsa2048.")
        var keyType: String = "ec256"
        @OptionGroup var acme: ACMEServerOptions
        @OptionGroup var options: ConfigurationOptions

        func validate() throws {
            guard let type = ACMEKeyType(parsing: keyType), [.p256, .p384, .rsa2048].contains(type) else {
                throw ValidationError("--key-type must be ec256, ec384 or rsa2048")
            }
        }

        func run() async throws {
            try await acme.withHTTPClient { http in
                let (client, file) = try await acme.existingAccount(
                    stateDirectory: options.stateDirectory ?? ".cairn", http: http,
                    logger: Logger(label: "cairn.account"))
                let newKey = try ACMEKey.generate(ACMEKeyType(parsing: keyType)!)
                try await client.rollover(to: newKey)
                // The CA has moved the account: only now may the old key file go.
                try file.replace(with: newKey)
                print("account \(await client.accountURL ?? "?") now uses a new \(newKey.algorithm) key (\(file.path))")
            }
        }
    }

    /// RFC 8555 §7.3.6.
    struct Deactivate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Deactivate the account for good; the CA refuses its key from then on.")
        @Flag(help: "Confirm: this cannot be undone.")
        var yes = false
        @OptionGroup var acme: ACMEServerOptions
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            guard yes else { throw ValidationError("deactivation cannot be undone: add --yes") }
            try await acme.withHTTPClient { http in
                let (client, _) = try await acme.existingAccount(
                    stateDirectory: options.stateDirectory ?? ".cairn", http: http,
                    logger: Logger(label: "cairn.account"))
                let account = try await client.deactivateAccount()
                print("account \(account.url) is \(account.status)")
            }
        }
    }
}
