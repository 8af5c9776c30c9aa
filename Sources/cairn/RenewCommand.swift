import ArgumentParser
import CairnApplication
import CertificateManager
import Foundation
import Logging

/// `cairn renew [NAME] [--force]`: renews the declared certificates that are due now, through
/// the running `cairn serve`, printing its progress as it happens.
struct RenewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew",
        abstract: "Renew the declared certificates that are due (or NAME), now; exit 1 if any renewal failed.",
        discussion: """
            Goes through the cairn serve running with the state directory, printing its progress. With none \
            running (a cron job, a systemd timer) it renews in this process, answering the challenges from its \
            own DNS listeners (dns.listen) for the duration.
            """)

    @Argument(help: "The declared certificate to renew (default: every one that is due).")
    var name: String?

    @Flag(help: "Renew even when not due.")
    var force = false

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let settings = try await options.settings()
        let started = Date()
        let statuses: [CertificateStatus]
        if let client = ControlClient.connect(stateDirectory: settings.stateDirectory) {
            statuses = try await client.renew(name: name, force: force) { IssueCommand.say($0) }
        } else {
            // No server: renew here, answering the challenges from this process (cron, timers).
            // Progress lines say what happens; the log adds warnings unless asked for more.
            let level = options.logLevel == nil ? Logger.Level.warning : settings.logLevel
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            statuses = try await InProcessRenewal.run(
                settings: settings, name: name, force: force, logger: Logger(label: "cairn.renew"),
                progress: { IssueCommand.say($0) })
        }
        let outcome = RenewOutcome(statuses: statuses, started: started, force: force)
        for line in outcome.lines { IssueCommand.say(line) }
        if !outcome.failed.isEmpty { throw ExitCode.failure }
    }
}
