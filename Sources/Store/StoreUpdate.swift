/// What changed in the store up to a sequence number: the state, as of then, of every name
/// that a transaction numbered from ``after`` + 1 through ``sequence`` touched.
///
/// Every transaction the store commits takes the next sequence number. A reader that has
/// applied everything up to ``after`` and applies ``names`` holds what the store held at
/// ``sequence`` (DESIGN decision 4: the table follows the store through one ordered path).
public struct StoreUpdate: Hashable, Sendable {
    /// The last sequence number already reflected before this update.
    public var after: Int64
    /// The sequence number this update brings the reader to.
    public var sequence: Int64
    /// The touched names, each as the store held it at ``sequence``.
    public var names: [StoredName]

    public init(after: Int64, sequence: Int64, names: [StoredName]) {
        self.after = after
        self.sequence = sequence
        self.names = names
    }
}
