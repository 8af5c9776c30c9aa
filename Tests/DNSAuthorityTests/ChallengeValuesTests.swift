import DNSAuthority
import Testing

/// A name's values packed into one buffer read back as they were put in, and edit like an array.
@Suite struct ChallengeValuesTests {
    static let values = [
        ChallengeValue("first", ttl: 60, expires: UnixTime(rawValue: 1_800_000_000)),
        ChallengeValue("", ttl: 0, expires: UnixTime(rawValue: -1)),
        ChallengeValue(String(repeating: "x", count: 1024), ttl: .max, expires: UnixTime(rawValue: .max)),
        ChallengeValue("last", ttl: 300, expires: UnixTime(rawValue: 0)),
    ]

    @Test func valuesReadBackInOrderDecodedAndInPlace() {
        let packed = ChallengeValues(Self.values)
        #expect(Array(packed) == Self.values)
        #expect(packed.count == Self.values.count)
        let bytes = packed.bytes
        let inPlace = packed.packed.map {
            ChallengeValue(text: Array(bytes[$0.text]), ttl: $0.ttl, expires: $0.expires)
        }
        #expect(inPlace == Self.values)
        #expect(ChallengeValues().isEmpty && ChallengeValues().packed.map(\.ttl).isEmpty)
    }

    @Test func editsMatchTheSameEditsOnAnArray() {
        for drop in 0...(Self.values.count + 1) {
            var packed = ChallengeValues(Self.values)
            packed.removeFirst(drop)
            #expect(Array(packed) == Array(Self.values.dropFirst(drop)), "drop \(drop)")
        }
        var packed = ChallengeValues(Self.values)
        packed.removeAll { $0.ttl == 0 || $0.text.count > 100 }
        #expect(Array(packed) == [Self.values[0], Self.values[3]])
        packed.append(Self.values[1])
        #expect(Array(packed) == [Self.values[0], Self.values[3], Self.values[1]])
        #expect(packed == [Self.values[0], Self.values[3], Self.values[1]])
        #expect(packed != [Self.values[0], Self.values[1], Self.values[3]])
        packed.removeAll()
        #expect(packed.isEmpty)
    }

    @Test func removalsByTextAndExpiryCompareInPlace() {
        var packed = ChallengeValues(Self.values + [Self.values[0]])
        var removed = packed.removeAll(text: Array("first".utf8))
        #expect(removed)
        #expect(Array(packed) == Array(Self.values.dropFirst()))
        removed = packed.removeAll(text: Array("absent".utf8))
        #expect(!removed)
        removed = packed.removeAll(text: [])
        #expect(removed)
        #expect(Array(packed) == [Self.values[2], Self.values[3]])
        removed = packed.removeAll(expiringAtOrBefore: UnixTime(rawValue: 0))
        #expect(removed)
        #expect(Array(packed) == [Self.values[2]])
        removed = packed.removeAll(expiringAtOrBefore: UnixTime(rawValue: 1_900_000_000))
        #expect(!removed)
    }
}
