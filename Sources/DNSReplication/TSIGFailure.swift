public import DNSWire

/// Why a signed message was not accepted (RFC 8945 §5.2 on a server, §5.4 on a client).
///
/// A server answers a request that failed with ``responseCode`` and, for every code but
/// FORMERR, the TSIG record ``TSIG/appendErrorRecord(to:for:keyring:now:)`` adds.
public struct TSIGFailure: Error, Sendable, CustomStringConvertible {
    /// The TSIG error: BADKEY, BADSIG, BADTIME, BADTRUNC (RFC 8945 §5.2.1–§5.2.4), the error a
    /// server reported in its response (RFC 8945 §5.4), or ``TSIGErrorCode/formatError`` for a
    /// TSIG record that is malformed, misplaced, missing where one is required or has a MAC size
    /// out of range (RFC 8945 §5.2, §5.2.2.1, §5.4).
    public var code: TSIGErrorCode
    /// The TSIG record of the message; `nil` when none could be read.
    public var record: TSIGRecord?
    /// The key the record names, when known and of the record's algorithm.
    public var key: TSIGKey?
    /// What went wrong, in words for a log.
    public var reason: String

    public init(code: TSIGErrorCode, record: TSIGRecord?, key: TSIGKey?, reason: String) {
        self.code = code
        self.record = record
        self.key = key
        self.reason = reason
    }

    /// The RCODE of the response to a request that failed: FORMERR for
    /// ``TSIGErrorCode/formatError``, NOTAUTH for every TSIG error (RFC 8945 §5.2).
    public var responseCode: DNSResponseCode {
        code == .formatError ? .formatError : .notAuth
    }

    /// The name of the key concerned, when there is one.
    public var keyName: DNSName? {
        record?.keyName ?? key?.name
    }

    /// Code, key name and reason; never a secret.
    public var description: String {
        "TSIG \(code)" + (keyName.map { " (key \($0))" } ?? "") + ": \(reason)"
    }
}
