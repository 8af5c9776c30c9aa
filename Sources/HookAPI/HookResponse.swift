import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The exact bodies the API sends. acme-dns clients parse these, so they are byte-compatible
/// with acme-dns: errors are `{"error": "<code>"}` with one space, a success is compact JSON.
enum HookResponse {
    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func error(_ status: HTTPResponse.Status, _ code: String) -> Response {
        json(status, "{\"error\": \"\(code)\"}")
    }

    /// 401 `{"error": "forbidden"}`: every authentication failure looks the same.
    static var forbidden: Response { error(.unauthorized, "forbidden") }

    /// 429 `{"error": "<code>"}` with `Retry-After` (RFC 9110 §10.2.3, RFC 6585 §4): the whole
    /// seconds until the limit's window closes, at least 1. Codes: `too_many_failures` (a failed
    /// authentication after the address or the credential used up `api.authFailuresPerMinute`),
    /// `too_many_registrations` (`api.registerPerMinute`), `too_many_updates`
    /// (`api.updatesPerMinute`).
    static func tooMany(_ code: String, retryAfter: TimeAmount) -> Response {
        var response = error(.tooManyRequests, code)
        let nanoseconds = max(retryAfter.nanoseconds, 1)
        let seconds = (nanoseconds + 999_999_999) / 1_000_000_000
        response.headers[.retryAfter] = "\(seconds)"
        return response
    }

    /// 403 `{"error": "registration_limit_reached"}`: the store holds `api.maxRegistrations`.
    static var registrationLimitReached: Response { error(.forbidden, "registration_limit_reached") }

    /// A JSON string literal for `text`, escaped by Foundation's encoder.
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    /// A compact JSON object with members in the order given (Go's `json.Marshal` order).
    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { "\(quoted($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }
}
