public import DNSWire

/// What ``TSIG/verifyRequest(_:keyring:now:)`` found (RFC 8945 §5.2).
public enum TSIGVerification: Sendable {
    /// The message carries no TSIG record.
    case unsigned
    /// The message is signed with `key`, its MAC is valid and its time within the fudge; a
    /// response to it is signed with `record.mac` as the request MAC (RFC 8945 §5.3).
    case verified(key: TSIGKey, record: TSIGRecord)
    /// The message must not be served: answer with the failure's ``TSIGFailure/responseCode``
    /// and ``TSIG/appendErrorRecord(to:for:keyring:now:)``.
    case rejected(TSIGFailure)
}
