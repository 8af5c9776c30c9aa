import ArgumentParser
import CairnApplication
import Store

/// `cairn registration list|delete`: the acme-dns registrations in the store (acme-dns itself
/// cannot delete one).
struct RegistrationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registration", abstract: "List or delete acme-dns registrations.",
        subcommands: [List.self, Delete.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registrations (never their keys).")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let session = try await StoreSession(options: options)
            let names = try await session.store.ownedNames()
            for registration in try await session.store.registrations() {
                let owned = names.filter { $0.owner == registration.owner }.map(\.name).joined(separator: " ")
                let kind = registration.keyHash.hasPrefix("sha256:") ? "" : " (imported, not used yet)"
                let allow = registration.allowFrom.isEmpty ? "anywhere" : registration.allowFrom.joined(separator: ",")
                print("\(registration.username)  \(owned)  allowfrom \(allow)\(kind)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a registration, its name and its values (a running server stops serving them at once).")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "The registration's username.") var username: String

        func run() async throws {
            let session = try await StoreSession(options: options)
            guard try await session.store.registration(username: username.lowercased()) != nil else {
                throw ValidationError("no registration \(username)")
            }
            try await session.store.apply([.deleteRegistration(username: username.lowercased())])
            print("deleted registration \(username)")
            print(session.notifyServer())
        }
    }
}
