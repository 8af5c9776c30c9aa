import ArgumentParser
import CairnApplication
import Foundation
import HookAPI
import Store

/// `cairn register`: an acme-dns registration made on the server's host, without HTTP.
struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Create an acme-dns registration and print it as POST /register would.",
        discussion: "The key is shown once; only its hash is stored.")

    @OptionGroup var options: ConfigurationOptions

    @Option(name: .customLong("allow-from"), help: "Network updates may come from (CIDR), repeatable.")
    var allowFrom: [String] = []

    func run() async throws {
        let session = try await StoreSession(options: options)
        let authZone = try session.authZone(for: "cairn register")
        for network in allowFrom where !network.contains("/") || IPNetwork(network) == nil {
            throw ValidationError("--allow-from \(network) is not a CIDR prefix (example: 192.0.2.0/24)")
        }
        let made = NewRegistration(authZone: authZone, allowFrom: allowFrom)
        try await session.store.apply([made.change])
        let object: [String: Any] = [
            "username": made.registration.username, "password": made.key, "fulldomain": made.fullDomain,
            "subdomain": made.registration.subdomain, "allowfrom": allowFrom,
        ]
        let json = try JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
        print("add to your zone: _acme-challenge.<domain>. CNAME \(made.fullDomain).")
        print(session.notifyServer())
    }
}
