import ArgumentParser
import CairnApplication
import Foundation

/// `cairn certs`: the declared certificates of the running `cairn serve`, through its control
/// socket.
struct CertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Show each declared certificate: domains, issuer, expiry, next renewal and why, last error.",
        discussion: "Asks the cairn serve running with the state directory, through its control socket.")

    @Flag(help: "Print the status as JSON (dates ISO 8601).")
    var json = false

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let settings = try await options.settings()
        guard let client = ControlClient.connect(stateDirectory: settings.stateDirectory) else {
            throw SettingsError(
                .notRunning,
                "\(ControlClient.unavailableReason(stateDirectory: settings.stateDirectory)); cairn certs asks a "
                    + "running cairn serve (start it, or use --state-dir); cairn renew works without one")
        }
        let statuses = try await client.certificates()
        if json {
            let data = try ControlJSON.encoder(pretty: true).encode(statuses)
            IssueCommand.say(String(decoding: data, as: UTF8.self))
        } else {
            FileHandle.standardOutput.write(Data(CertificateStatusTable.render(statuses).utf8))
        }
    }
}
