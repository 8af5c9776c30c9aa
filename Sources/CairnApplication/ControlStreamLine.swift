import CertificateManager

/// One line of a streamed control-socket response (`POST /renew`, `POST /issue`): a JSON object
/// on a line of its own, with exactly one of
///
/// - `{"progress":"…"}` — a step as it happens, any number of them, first;
/// - `{"result":…}` — the value the operation returned, the last line on success;
/// - `{"error":"…","code":"…"}` — why it failed, the last line on failure; `code` is a
///   ``CertificateManagerError`` code's wording when the failure was one.
///
/// A stream that ends with neither a result nor an error was cut short (the server stopped).
package struct ControlStreamLine<Result: Codable & Sendable>: Codable, Sendable {
    package var progress: String?
    package var result: Result?
    package var error: String?
    package var code: String?

    package init(progress: String? = nil, result: Result? = nil, error: String? = nil, code: String? = nil) {
        self.progress = progress
        self.result = result
        self.error = error
        self.code = code
    }

    package static func progress(_ text: String) -> Self { Self(progress: text) }

    package static func result(_ value: Result) -> Self { Self(result: value) }

    /// The line that reports `error`: its description, and its code when it is a
    /// ``CertificateManagerError``.
    package static func failure(_ error: any Error) -> Self {
        if let error = error as? CertificateManagerError {
            return Self(error: error.description, code: error.code.description)
        }
        return Self(error: "\(error)")
    }
}
