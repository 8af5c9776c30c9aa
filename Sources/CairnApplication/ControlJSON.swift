package import Foundation

/// The JSON of the control socket (and of `cairn certs --json`): dates as ISO 8601 in UTC, keys
/// sorted so the output diffs well. Without `.prettyPrinted` a value is one line — JSON strings
/// escape their newlines — which is what the newline-delimited streams rely on.
package enum ControlJSON {
    package static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return encoder
    }

    package static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
