package import ACMEClient
package import Foundation

/// A CA's suggested renewal window for one certificate (ARI, RFC 9773 §4.2 `suggestedWindow`),
/// with the optional `explanationURL` an operator should be shown.
///
/// A window whose end does not come after its start is invalid (RFC 9773 §4.2): it cannot be
/// made, and the client treats the response as a failed fetch (renews on the fallback
/// schedule, fetches again after ``RenewalPolicy/renewalInfoErrorRetry``).
package struct ARIWindow: Hashable, Sendable, Codable {
    /// The window opens (inclusive).
    package private(set) var start: Date
    /// The window closes (exclusive).
    package private(set) var end: Date
    /// Why the window is what it is (a CA page), shown to the operator.
    package private(set) var explanationURL: String?

    /// `nil` when `end` is not after `start`.
    package init?(start: Date, end: Date, explanationURL: String? = nil) {
        guard end > start else { return nil }
        self.start = start
        self.end = end
        self.explanationURL = explanationURL
    }

    /// The window of a `renewalInfo` response; `nil` when a timestamp is not RFC 3339 or the
    /// window is invalid (RFC 9773 §4.2).
    package init?(_ info: RenewalInfo) {
        guard let start = Self.parseTimestamp(info.suggestedWindow.start),
            let end = Self.parseTimestamp(info.suggestedWindow.end)
        else { return nil }
        self.init(start: start, end: end, explanationURL: info.explanationURL)
    }

    /// An RFC 3339 `date-time`, with or without fractional seconds.
    static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
