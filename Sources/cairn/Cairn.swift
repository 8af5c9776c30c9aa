import ArgumentParser
import CairnApplication

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `cairn`: an authoritative DNS server that answers ACME dns-01 challenges itself.
@main
struct Cairn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn",
        abstract: "Authoritative DNS for ACME dns-01 challenges.",
        discussion: """
            With no subcommand, `cairn` runs `cairn serve`: it serves the zones in ./zones on \
            127.0.0.1:\(ServeSettings.defaultPort) over UDP and TCP.
            """,
        subcommands: [
            ServeCommand.self, ReloadCommand.self, CheckZonesCommand.self, IssueCommand.self, RegisterCommand.self,
            RegistrationCommand.self, TokenCommand.self, ImportCommand.self, RevokeCommand.self, AccountCommand.self,
            CertsCommand.self, RenewCommand.self, TSIGCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)

    /// Every command runs with umask 077: what Cairn creates (the state directory, the store and
    /// the -wal and -shm files SQLite makes beside it, keys, directories) is private to its user
    /// whatever umask it was started with; files meant to be readable (certificates) are given
    /// their mode explicitly.
    static func main() async {
        umask(0o077)
        await main(nil)
    }
}
