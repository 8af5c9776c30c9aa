package import DNSAuthority
import DNSWire
import Foundation

/// The master files `cairn serve` loads: every `<origin>.zone` directly in one directory
/// (files for `$INCLUDE` go in subdirectories or under another extension).
package enum ZoneDirectory {
    /// Loads every zone, or reports every broken file at once, each as `file:line: message`.
    package static func load(_ directory: String) throws -> [Zone] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw SettingsError(
                .zones, "zones directory \(directory): cannot read it (\(error.localizedDescription))")
        }
        var zones: [Zone] = []
        var problems: [String] = []
        for entry in entries.sorted() where entry.hasSuffix(".zone") {
            let path = "\(directory)/\(entry)"
            let originText = String(entry.dropLast(".zone".count))
            do {
                let origin = try DNSName(originText)
                zones.append(try Zone.load(file: path, origin: origin))
            } catch let error as DNSWireError {
                problems.append("\(path): the file name does not give a zone origin (\(error))")
            } catch {
                problems.append("\(error)")
            }
        }
        guard problems.isEmpty else { throw ZoneLoadFailure(problems: problems) }
        return zones
    }

    /// The apexes of `zones`, sorted and space-separated, for log lines.
    package static func apexList(_ zones: [Zone]) -> String {
        zones.map { "\($0.apex)" }.sorted().joined(separator: " ")
    }
}

/// One or more zone files that failed to load.
package struct ZoneLoadFailure: Error, CustomStringConvertible {
    package var problems: [String]
    package var description: String { problems.joined(separator: "\n") }
}
