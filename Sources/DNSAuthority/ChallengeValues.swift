/// The values published at one challenge name, oldest first, packed one after another into
/// one buffer.
///
/// A table of millions of names keeps one of these per name: one allocation for all of a
/// name's values, where an array of ``ChallengeValue`` takes one for the array and one more for
/// each value's text. Each value takes 16 octets — its expiry, TTL and text length — before its
/// text. Reading an element decodes it; the answer path reads the buffer in place instead
/// (``packed``).
public struct ChallengeValues: Collection, Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    private static let headerLength = 16

    private var storage: [UInt8] = []

    /// A value's position: the offset of its header in the buffer.
    public struct Index: Comparable, Hashable, Sendable {
        fileprivate let offset: Int

        public static func < (left: Index, right: Index) -> Bool { left.offset < right.offset }
    }

    /// A value as it lies in the buffer, for reading without decoding.
    package struct PackedValue {
        package let ttl: UInt32
        package let expires: UnixTime
        /// Where the text lies in ``ChallengeValues/bytes``.
        package let text: Range<Int>
    }

    public init() {}

    public init(_ values: some Sequence<ChallengeValue>) {
        for value in values { append(value) }
    }

    public init(arrayLiteral values: ChallengeValue...) {
        self.init(values)
    }

    public var startIndex: Index { Index(offset: 0) }
    public var endIndex: Index { Index(offset: storage.count) }

    public func index(after index: Index) -> Index {
        Index(offset: index.offset + Self.headerLength + Int(field(UInt32.self, at: index.offset + 12)))
    }

    public subscript(position: Index) -> ChallengeValue {
        let value = packedValue(at: position.offset)
        return ChallengeValue(text: Array(storage[value.text]), ttl: value.ttl, expires: value.expires)
    }

    public var description: String { Array(self).description }

    /// Adds `value` after the others.
    public mutating func append(_ value: ChallengeValue) {
        append(text: value.text, ttl: value.ttl, expires: value.expires)
    }

    /// Adds a value after the others, its text copied straight in (a restore reads millions of
    /// values as UTF-8 strings).
    public mutating func append(text: some Collection<UInt8>, ttl: UInt32, expires: UnixTime) {
        storage.reserveCapacity(storage.count + Self.headerLength + text.count)
        withUnsafeBytes(of: expires.rawValue.littleEndian) { storage.append(contentsOf: $0) }
        withUnsafeBytes(of: ttl.littleEndian) { storage.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(text.count).littleEndian) { storage.append(contentsOf: $0) }
        storage.append(contentsOf: text)
    }

    /// Removes the values `shouldBeRemoved` picks, keeping the order of the others.
    public mutating func removeAll(where shouldBeRemoved: (ChallengeValue) throws -> Bool) rethrows {
        var kept = ChallengeValues()
        for value in self where try !shouldBeRemoved(value) { kept.append(value) }
        if kept.storage.count != storage.count { self = kept }
    }

    /// Removes the values whose text is `text`, comparing in place (a publish replaces a value
    /// with the same text; nothing is decoded).
    ///
    /// - Returns: whether any was removed.
    @discardableResult
    public mutating func removeAll(text: some Collection<UInt8>) -> Bool {
        removeAll { packed, bytes in bytes[packed.text].elementsEqual(text) }
    }

    /// Removes the values that expire at or before `time`.
    ///
    /// - Returns: whether any was removed.
    @discardableResult
    public mutating func removeAll(expiringAtOrBefore time: UnixTime) -> Bool {
        removeAll { packed, _ in packed.expires <= time }
    }

    /// Keeps the values `shouldBeRemoved` does not pick, copying their packed bytes as they are.
    private mutating func removeAll(where shouldBeRemoved: (PackedValue, [UInt8]) -> Bool) -> Bool {
        let bytes = storage
        guard packed.contains(where: { shouldBeRemoved($0, bytes) }) else { return false }
        var kept: [UInt8] = []
        kept.reserveCapacity(bytes.count)
        for value in packed where !shouldBeRemoved(value, bytes) {
            kept.append(contentsOf: bytes[(value.text.lowerBound - Self.headerLength)..<value.text.upperBound])
        }
        storage = kept
        return true
    }

    /// Removes the `count` oldest values.
    public mutating func removeFirst(_ count: Int) {
        guard count > 0 else { return }
        storage.removeFirst((index(startIndex, offsetBy: count, limitedBy: endIndex) ?? endIndex).offset)
    }

    /// Removes every value.
    public mutating func removeAll() {
        storage = []
    }

    /// The buffer the values are packed in.
    package var bytes: [UInt8] { storage }

    /// The values in place, oldest first.
    package var packed: some Sequence<PackedValue> {
        sequence(state: 0) { offset -> PackedValue? in
            guard offset < storage.count else { return nil }
            let value = packedValue(at: offset)
            offset = value.text.upperBound
            return value
        }
    }

    private func packedValue(at offset: Int) -> PackedValue {
        let start = offset + Self.headerLength
        return PackedValue(
            ttl: field(UInt32.self, at: offset + 8),
            expires: UnixTime(rawValue: field(Int64.self, at: offset)),
            text: start..<(start + Int(field(UInt32.self, at: offset + 12))))
    }

    private func field<Integer: FixedWidthInteger>(_ type: Integer.Type, at offset: Int) -> Integer {
        storage.withUnsafeBytes { Integer(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: type)) }
    }
}
