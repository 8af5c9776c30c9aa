import Foundation
import NIOCore

/// Strict reading of request bodies: a JSON object with exactly the members an endpoint knows,
/// each of the expected type. Anything else — not JSON, another type, an unknown member — is
/// refused, so a request never half-succeeds on a misread field.
enum JSONBody {
    /// The body as a JSON value, `NSNull` for `null`; `nil` when it is not JSON.
    static func value(_ body: ByteBuffer) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(body.readableBytesView), options: [.fragmentsAllowed])
    }

    /// The members of an object whose values are all strings; `nil` otherwise.
    static func stringObject(_ body: ByteBuffer) -> [String: String]? {
        guard let object = value(body) as? [String: Any] else { return nil }
        var result: [String: String] = [:]
        for (key, member) in object {
            // NSNumber bridges to String on no platform, so numbers and booleans are refused here.
            guard let text = member as? String else { return nil }
            result[key] = text
        }
        return result
    }
}
