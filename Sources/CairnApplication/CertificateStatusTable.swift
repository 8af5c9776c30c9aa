package import CertificateManager
package import Foundation

/// `cairn certs` as a table: one row per declared certificate with its name, domains, issuer,
/// expiry, next attempt and why, and the last error; columns padded to their widest cell,
/// times in UTC.
package enum CertificateStatusTable {
    package static let headers = ["NAME", "DOMAINS", "ISSUER", "NOT AFTER (UTC)", "NEXT (UTC)", "REASON", "LAST ERROR"]

    /// The table, one line per row and a header, or a sentence when nothing is declared.
    package static func render(_ statuses: [CertificateStatus]) -> String {
        guard !statuses.isEmpty else {
            return "no certificates are declared (the certificates list of the configuration file)\n"
        }
        let rows = [headers] + statuses.map(row)
        var widths = Array(repeating: 0, count: headers.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        .joined(separator: "\n") + "\n"
    }

    /// One row's cells, in the order of ``headers``.
    package static func row(_ status: CertificateStatus) -> [String] {
        let shown = status.domains.prefix(3).joined(separator: ",")
        let domains = status.domains.count > 3 ? "\(shown) +\(status.domains.count - 3) more" : shown
        let lastError =
            status.lastError.map { error in
                let oneLine = error.split(whereSeparator: \.isNewline).joined(separator: " ")
                return status.failures > 0 ? "\(oneLine) (\(status.failures) failed)" : oneLine
            } ?? "-"
        return [
            status.name, domains.isEmpty ? "-" : domains, status.issuer ?? "-", time(status.notAfter),
            time(status.nextAttempt), status.reason.isEmpty ? "-" : status.reason, lastError,
        ]
    }

    /// `2025-06-01 12:00`, in UTC; `-` for none.
    package static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
