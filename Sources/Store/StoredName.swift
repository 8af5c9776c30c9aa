/// One challenge name as the store holds it after a committed transaction: its owner, if any,
/// and every value stored there, oldest first.
///
/// The in-memory challenge table is made to hold exactly this (DESIGN decision 4), so a name
/// with no ``owned`` entry is released wherever it is still held.
public struct StoredName: Hashable, Sendable {
    /// The name in lowercase presentation form without the trailing dot.
    public var name: String
    /// Who owns the name and how it reaches Cairn; `nil` when nobody does (any more).
    public var owned: OwnedName?
    /// The values stored at the name in publication order, expired ones included (the caller
    /// compares expiries with its own clock).
    public var values: [StoredValue]

    public init(name: String, owned: OwnedName?, values: [StoredValue]) {
        self.name = name
        self.owned = owned
        self.values = values
    }
}
