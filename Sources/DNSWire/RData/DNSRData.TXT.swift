import NIOCore

extension DNSRData {
    /// TXT – one or more character-strings (RFC 1035 §3.3.14).
    ///
    /// Kept in wire form, each character-string a length octet and its octets, in one array: a
    /// zone of TXT records holds one allocation per record, not one per string and one more.
    public struct TXT: DNSRDataCodable {
        /// The RDATA as sent: length-prefixed character-strings, at least one.
        private var wire: [UInt8]

        /// The character-strings, each at most 255 octets.
        public var strings: [[UInt8]] { characterStrings.map { Array($0) } }

        /// Creates TXT RDATA from character-strings; `nil` if any is longer than 255 octets
        /// or there are none.
        public init?(strings: [[UInt8]]) {
            guard !strings.isEmpty, strings.allSatisfy({ $0.count <= 255 }) else { return nil }
            wire = Self.wire(strings)
        }

        /// Creates TXT RDATA holding one value, split into 255-octet character-strings when
        /// longer (RFC 7208 §3.3 shows the convention; readers join them).
        public init(value: some Collection<UInt8>) {
            let bytes = Array(value)
            // At least one character-string, empty for an empty value.
            wire = Self.wire(
                stride(from: 0, to: max(bytes.count, 1), by: 255).map { bytes[$0..<min($0 + 255, bytes.count)] })
        }

        /// Creates TXT RDATA holding one text value (UTF-8), split when longer than 255 octets.
        public init(_ value: String) { self.init(value: Array(value.utf8)) }

        /// The character-strings joined, as most ACME and SPF readers see them.
        public var joined: [UInt8] { Array(characterStrings.joined()) }

        /// Each character-string's octets, in order.
        private var characterStrings: [ArraySlice<UInt8>] {
            var slices: [ArraySlice<UInt8>] = []
            var index = 0
            while index < wire.count {
                let length = Int(wire[index])
                slices.append(wire[(index + 1)..<(index + 1 + length)])
                index += 1 + length
            }
            return slices
        }

        /// `strings` (each at most 255 octets) in wire form.
        private static func wire(_ strings: [some Collection<UInt8>]) -> [UInt8] {
            var wire: [UInt8] = []
            wire.reserveCapacity(strings.reduce(0) { $0 + 1 + $1.count })
            for string in strings {
                wire.append(UInt8(string.count))
                wire.append(contentsOf: string)
            }
            return wire
        }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            guard length > 0 else { throw DNSWireError(.rdataLengthMismatch, at: buffer.readerIndex - messageStart) }
            // Each character-string must end within the RDATA.
            var offset = buffer.readerIndex
            let end = offset + length
            while offset < end {
                guard let stringLength = buffer.getInteger(at: offset, as: UInt8.self),
                    offset + 1 + Int(stringLength) <= end
                else {
                    throw DNSWireError(.rdataLengthMismatch, at: offset - messageStart)
                }
                offset += 1 + Int(stringLength)
            }
            wire = try buffer.readDNSBytes(length: length, messageStart: messageStart)
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            buffer.writeBytes(wire)
        }
    }
}
