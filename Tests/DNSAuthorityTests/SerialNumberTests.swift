import Testing

@testable import DNSAuthority

/// RFC 1982 §3.2 comparisons with SERIAL_BITS = 32.
@Suite struct SerialNumberTests {
    @Test func comparisonWrapsAround() {
        #expect(SerialNumber.isGreater(2, than: 1))
        #expect(!SerialNumber.isGreater(1, than: 2))
        #expect(SerialNumber.isGreater(0, than: UInt32.max))
        #expect(SerialNumber.isGreater(5, than: UInt32.max - 5))
        #expect(!SerialNumber.isGreater(7, than: 7))
        // Exactly 2^31 apart is undefined: neither is greater.
        #expect(!SerialNumber.isGreater(0x8000_0000, than: 0))
        #expect(!SerialNumber.isGreater(0, than: 0x8000_0000))
    }

    @Test func nextWrapsAround() {
        #expect(SerialNumber.next(after: UInt32.max) == 0)
        #expect(SerialNumber.isGreater(SerialNumber.next(after: UInt32.max), than: UInt32.max))
    }

    @Test func reloadKeepsAdvancing() {
        #expect(SerialNumber.afterReload(loaded: 2024_01_01_00, current: 5, changed: false) == 2024_01_01_00)
        #expect(SerialNumber.afterReload(loaded: 5, current: 9, changed: true) == 10)
        #expect(SerialNumber.afterReload(loaded: 9, current: 9, changed: true) == 10)
        #expect(SerialNumber.afterReload(loaded: 3, current: UInt32.max, changed: true) == 3)
        // Nothing served changed: the serial stays, unless the file raised it.
        #expect(SerialNumber.afterReload(loaded: 5, current: 9, changed: false) == 9)
        #expect(SerialNumber.afterReload(loaded: 10, current: 9, changed: false) == 10)
    }
}
