/// A malformation found while reading or writing DNS wire data, or while parsing a name
/// in presentation format.
///
/// Errors compare equal by ``code`` alone, so tests can match on what went wrong;
/// ``offset`` says where (a byte offset into the message, or a character offset into a
/// presentation-format name).
public struct DNSWireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong. Open for additions: match with `==`, not exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case truncated = "data ends inside a field"
            case countExceedsData = "section count exceeds the records present"
            case labelTooLong = "label longer than 63 octets"
            case reservedLabelType = "reserved label type"
            case nameTooLong = "name longer than 255 octets"
            case forwardCompressionPointer = "compression pointer does not point backwards"
            case compressionPointerLoop = "compression pointer loop"
            case compressionPointerIntoHeader = "compression pointer into the header"
            case tooManyCompressionPointers = "too many compression pointers in one name"
            case rdataBeyondMessage = "RDLENGTH reaches beyond the message"
            case rdataLengthMismatch = "RDATA length does not match its contents"
            case malformedRData = "RDATA field out of range"
            case optOutsideAdditional = "OPT record outside the additional section"
            case duplicateOPT = "more than one OPT record"
            case optOwnerNotRoot = "OPT record owner is not the root"
            case trailingBytes = "bytes after the last record"
            case invalidNameSyntax = "invalid name syntax"
            case messageTooLarge = "message larger than 65535 octets"
        }

        fileprivate var base: Base

        /// Data ends inside a field.
        public static let truncated = Self(base: .truncated)
        /// A section count announces more records than the message holds.
        public static let countExceedsData = Self(base: .countExceedsData)
        /// A label is longer than 63 octets (RFC 1035 §2.3.4).
        public static let labelTooLong = Self(base: .labelTooLong)
        /// A label type other than a length (00) or a pointer (11) (RFC 6891 §5).
        public static let reservedLabelType = Self(base: .reservedLabelType)
        /// A name is longer than 255 octets in wire form (RFC 1035 §2.3.4).
        public static let nameTooLong = Self(base: .nameTooLong)
        /// A compression pointer targets its own position or a later one (RFC 1035 §4.1.4 points to a
        /// *prior* occurrence).
        public static let forwardCompressionPointer = Self(base: .forwardCompressionPointer)
        /// A compression pointer targets a part of the name being read.
        public static let compressionPointerLoop = Self(base: .compressionPointerLoop)
        /// A compression pointer targets the 12-octet header, where no name can be.
        public static let compressionPointerIntoHeader = Self(base: .compressionPointerIntoHeader)
        /// More compression pointers in one name than a name can have labels.
        public static let tooManyCompressionPointers = Self(base: .tooManyCompressionPointers)
        /// A record's RDLENGTH reaches beyond the end of the message.
        public static let rdataBeyondMessage = Self(base: .rdataBeyondMessage)
        /// RDATA is shorter or longer than its type's fields.
        public static let rdataLengthMismatch = Self(base: .rdataLengthMismatch)
        /// An RDATA field holds a value its type does not allow (an empty CAA tag, say).
        public static let malformedRData = Self(base: .malformedRData)
        /// An OPT record in the answer or authority section (RFC 6891 §6.1.1).
        public static let optOutsideAdditional = Self(base: .optOutsideAdditional)
        /// More than one OPT record (RFC 6891 §6.1.1).
        public static let duplicateOPT = Self(base: .duplicateOPT)
        /// An OPT record whose owner is not the root (RFC 6891 §6.1.2).
        public static let optOwnerNotRoot = Self(base: .optOwnerNotRoot)
        /// Bytes follow the last record the header announced.
        public static let trailingBytes = Self(base: .trailingBytes)
        /// A presentation-format name that cannot be parsed (empty label, bad escape).
        public static let invalidNameSyntax = Self(base: .invalidNameSyntax)
        /// A message that does not fit the 16-bit length of DNS over TCP (RFC 1035 §4.2.2).
        public static let messageTooLarge = Self(base: .messageTooLarge)

        public var description: String { base.rawValue }
    }

    /// What was wrong.
    public var code: Code
    /// Where: a byte offset into the message, or a character offset into a presentation name.
    public var offset: Int
    /// Where in Cairn the error was raised; for diagnostics only.
    public var location: String

    /// Creates an error; `file` and `line` record where it was raised.
    public init(_ code: Code, at offset: Int, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.offset = offset
        self.location = "\(file):\(line)"
    }

    public var description: String { "\(code) at offset \(offset)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
