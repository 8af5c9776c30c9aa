package import CertificateManager
package import Foundation

/// What `cairn renew` reports after the renewal: per certificate whether it was renewed, failed
/// or left alone, and a count; it exits non-zero when ``failed`` is not empty.
package struct RenewOutcome: Sendable {
    /// The statuses the renewal returned (each certificate acted on, after acting).
    package var statuses: [CertificateStatus]
    /// When the renewal was asked for: a success since then is a renewal.
    package var started: Date
    /// Whether it was asked to renew what is not due.
    package var force: Bool

    package init(statuses: [CertificateStatus], started: Date, force: Bool = false) {
        self.statuses = statuses
        self.force = force
        // Dates cross the socket in whole seconds.
        self.started = Date(timeIntervalSince1970: started.timeIntervalSince1970.rounded(.down))
    }

    /// Certificates whose last attempt failed (failures since their last success).
    package var failed: [CertificateStatus] { statuses.filter { $0.failures > 0 } }

    /// Certificates that got a new certificate during this renewal.
    package var renewed: [CertificateStatus] {
        statuses.filter { status in status.failures == 0 && status.lastSuccess.map { $0 >= started } == true }
    }

    /// One line per certificate, then the counts.
    package var lines: [String] {
        guard !statuses.isEmpty else {
            return [force ? "nothing was renewed" : "nothing was renewed (none was due; --force renews anyway)"]
        }
        let renewedNames = Set(renewed.map(\.name))
        var lines: [String] = []
        for status in statuses {
            let next = "next attempt \(CertificateStatusTable.time(status.nextAttempt)) UTC (\(status.reason))"
            if status.failures > 0 {
                lines.append("\(status.name): failed: \(status.lastError ?? "no reason given"); \(next)")
            } else if renewedNames.contains(status.name) {
                lines.append("\(status.name): renewed, valid until \(CertificateStatusTable.time(status.notAfter)) UTC")
            } else {
                lines.append("\(status.name): not renewed; \(next)")
            }
        }
        let unchanged = statuses.count - renewed.count - failed.count
        lines.append("\(renewed.count) renewed, \(failed.count) failed, \(unchanged) unchanged")
        return lines
    }
}
