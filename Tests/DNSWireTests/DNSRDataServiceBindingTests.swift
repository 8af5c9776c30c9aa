import DNSWire
import Testing

/// SvcPriority and TargetName read from SVCB and HTTPS RDATA kept as octets (RFC 9460 §2.2).
@Suite struct DNSRDataServiceBindingTests {
    static let target: [UInt8] = [3] + Array("www".utf8) + [7] + Array("example".utf8) + [0]

    @Test(arguments: [DNSRecordType.svcb, .https])
    func serviceModeTargetAndPriority(type: DNSRecordType) throws {
        // alpn=h2 after the name (RFC 9460 §7.1.1).
        let rdata = DNSRData.opaque(
            DNSRData.Opaque(type: type, bytes: [0, 7] + Self.target + [0, 1, 0, 3, 2, 0x68, 0x32]))
        let binding = try #require(rdata.serviceBinding)
        #expect(binding.priority == 7)
        #expect(binding.target == "www.example")
    }

    @Test func rootTargetIsReturnedAsRoot() throws {
        let rdata = DNSRData.opaque(DNSRData.Opaque(type: .https, bytes: [0, 0, 0]))
        let binding = try #require(rdata.serviceBinding)
        #expect(binding.priority == 0)
        #expect(binding.target == .root)
    }

    @Test(arguments: [
        [] as [UInt8],  // no priority
        [0, 1],  // no name
        [0, 1, 3, 0x77, 0x77],  // label cut short
        [0, 1, 0xC0, 0x00],  // compressed (RFC 9460 §2.2 forbids it)
        [0, 1, 0x40] + Array(repeating: 0x61, count: 64) + [0],  // 64-octet label
    ])
    func malformedRDataHasNoBinding(bytes: [UInt8]) {
        #expect(DNSRData.opaque(DNSRData.Opaque(type: .https, bytes: bytes)).serviceBinding == nil)
    }

    @Test func otherTypesHaveNoBinding() {
        #expect(
            DNSRData.opaque(DNSRData.Opaque(type: DNSRecordType(rawValue: 65280), bytes: [0, 1, 0])).serviceBinding
                == nil)
        #expect(DNSRData.mx(DNSRData.MX(preference: 1, exchange: "mail.example")).serviceBinding == nil)
    }
}
