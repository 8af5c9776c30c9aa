import Testing

@testable import DNSWire

struct FlagCase: Sendable, CustomTestStringConvertible {
    var name: String
    var keyPath: any WritableKeyPath<DNSHeader, Bool> & Sendable
    var mask: UInt16
    var testDescription: String { name }
}

let headerFlags: [FlagCase] = [
    FlagCase(name: "QR", keyPath: \.isResponse, mask: 0x8000),
    FlagCase(name: "AA", keyPath: \.isAuthoritative, mask: 0x0400),
    FlagCase(name: "TC", keyPath: \.isTruncated, mask: 0x0200),
    FlagCase(name: "RD", keyPath: \.recursionDesired, mask: 0x0100),
    FlagCase(name: "RA", keyPath: \.recursionAvailable, mask: 0x0080),
    FlagCase(name: "Z", keyPath: \.zBit, mask: 0x0040),
    FlagCase(name: "AD", keyPath: \.authenticData, mask: 0x0020),
    FlagCase(name: "CD", keyPath: \.checkingDisabled, mask: 0x0010),
]

@Suite struct DNSHeaderTests {
    @Test func defaultsToZero() {
        let header = DNSHeader()
        #expect(header.id == 0)
        #expect(header.flags == 0)
        #expect(headerFlags.allSatisfy { !header[keyPath: $0.keyPath] })
        #expect(header.opcode == .query)
        #expect(header.responseCodeBits == 0)
    }

    @Test(arguments: headerFlags)
    func flagReadsItsBit(_ flag: FlagCase) {
        #expect(DNSHeader(flags: flag.mask)[keyPath: flag.keyPath])
        #expect(!DNSHeader(flags: ~flag.mask)[keyPath: flag.keyPath])
    }

    @Test(arguments: headerFlags)
    func settingFlagChangesOnlyItsBit(_ flag: FlagCase) {
        var header = DNSHeader(id: 0xABCD, flags: 0)
        header[keyPath: flag.keyPath] = true
        #expect(header.flags == flag.mask)
        #expect(header.id == 0xABCD)
        header[keyPath: flag.keyPath] = false
        #expect(header.flags == 0)

        var full = DNSHeader(flags: 0xFFFF)
        full[keyPath: flag.keyPath] = false
        #expect(full.flags == ~flag.mask)
        full[keyPath: flag.keyPath] = true
        #expect(full.flags == 0xFFFF)
    }

    @Test func flagMasksAreDistinctAndLeaveOpcodeAndRcode() {
        let union = headerFlags.reduce(UInt16(0)) { $0 | $1.mask }
        #expect(union.nonzeroBitCount == headerFlags.count)
        #expect(union & 0x7800 == 0)
        #expect(union & 0x000F == 0)
    }

    @Test(arguments: UInt8(0)...UInt8(15))
    func opcodeOccupiesBits11To14(_ value: UInt8) {
        var header = DNSHeader(flags: 0)
        header.opcode = DNSOpcode(rawValue: value)
        #expect(header.flags == UInt16(value) << 11)
        #expect(header.opcode.rawValue == value)

        var full = DNSHeader(flags: 0xFFFF)
        full.opcode = DNSOpcode(rawValue: value)
        #expect(full.flags == 0x87FF | UInt16(value) << 11)
        #expect(full.opcode.rawValue == value)
    }

    @Test func opcodeKeepsOnlyFourBits() {
        #expect(DNSOpcode(rawValue: 0x15).rawValue == 5)
        #expect(DNSHeader(flags: 0x2000).opcode == .notify)
        #expect(DNSHeader(flags: 0x2800).opcode == .update)
        #expect(DNSOpcode(rawValue: 3).description == "OPCODE3")
    }

    @Test(arguments: UInt8(0)...UInt8(15))
    func responseCodeOccupiesLowFourBits(_ value: UInt8) {
        var header = DNSHeader(flags: 0)
        header.responseCodeBits = value
        #expect(header.flags == UInt16(value))
        #expect(header.responseCodeBits == value)

        var full = DNSHeader(flags: 0xFFFF)
        full.responseCodeBits = value
        #expect(full.flags == 0xFFF0 | UInt16(value))
    }

    @Test func responseCodeBitsDropHighBits() {
        var header = DNSHeader(flags: 0x8000)
        header.responseCodeBits = 0x13
        #expect(header.responseCodeBits == 3)
        #expect(header.flags == 0x8003)
    }

    @Test func typicalResponseFlags() {
        var header = DNSHeader(id: 1)
        header.isResponse = true
        header.isAuthoritative = true
        header.recursionDesired = true
        header.responseCodeBits = DNSResponseCode.nameError.headerBits
        #expect(header.flags == 0x8503)
    }
}
