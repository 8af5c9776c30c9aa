/// A store operation that failed, with the operation and the underlying database error.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What failed. Open for additions: match with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case open = "cannot open the store"
            case read = "store read failed"
            case write = "store write failed"
            case corrupt = "store holds a value it cannot read"
        }
        fileprivate var base: Base

        /// The database could not be opened or migrated.
        public static let open = Self(base: .open)
        /// A query failed.
        public static let read = Self(base: .read)
        /// A transaction failed and was rolled back.
        public static let write = Self(base: .write)
        /// A row holds something that does not decode.
        public static let corrupt = Self(base: .corrupt)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The database file or operation concerned and the underlying error.
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
}
