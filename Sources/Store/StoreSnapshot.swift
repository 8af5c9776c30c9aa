/// Every owned name and its values as the store held them at one sequence number, read in one
/// transaction: what start-up and a reload rebuild the challenge table from.
public struct StoreSnapshot: Hashable, Sendable {
    /// The sequence number of the last transaction the snapshot includes.
    public var sequence: Int64
    /// Every owned name with its unexpired values, in name order.
    public var names: [StoredName]

    public init(sequence: Int64, names: [StoredName]) {
        self.sequence = sequence
        self.names = names
    }
}
