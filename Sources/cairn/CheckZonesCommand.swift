import ArgumentParser
import CairnApplication
import DNSAuthority
import DNSWire

/// `cairn check-zones`: loads the zones as `serve` would and reports every problem.
struct CheckZonesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-zones",
        abstract: "Check the master files in the zones directory; report every broken one and exit non-zero.")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let settings = try await options.settings()
        let zones = try ZoneDirectory.load(settings.zonesDirectory)
        for zone in zones.sorted(by: { $0.apex.description < $1.apex.description }) {
            print("\(zone.apex) serial \(zone.serial), \(zone.records.count) records, from \(zone.source ?? "code")")
        }
    }
}
