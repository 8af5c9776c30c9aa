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
        public var strings: [[UInt8]] {
            var strings: [[UInt8]] = []
            var index = 0
            while index < wire.count {
                let length = Int(wire[index])
                strings.append(Array(wire[(index + 1)..<(index + 1 + length)]))
                index += 1 + length
            }
            return strings
        }

        /// Creates TXT RDATA from character-strings; `nil` if any is longer than 255 octets
        /// or there are none.
        public init?(strings: [[UInt8]]) {
            guard !strings.isEmpty, strings.allSatisfy({ $0.count <= 255 }) else { return nil }
            var wire: [UInt8] = []
            wire.reserveCapacity(strings.reduce(0) { $0 + 1 + $1.count })
            for string in strings {
                wire.append(UInt8(string.count))
                wire.append(contentsOf: string)
            }
            self.wire = wire
        }

        /// Creates TXT RDATA holding one value, split into 255-octet character-strings when
        /// longer (RFC 7208 §3.3 shows the convention; readers join them).
        public init(value: some Collection<UInt8>) {
            let bytes = Array(value)
            var wire: [UInt8] = []
            wire.reserveCapacity(bytes.count + bytes.count / 255 + 1)
            var start = 0
            repeat {
                let end = min(start + 255, bytes.count)
                wire.append(UInt8(end - start))
                wire.append(contentsOf: bytes[start..<end])
                start = end
            } while start < bytes.count
            self.wire = wire
        }

        /// Creates TXT RDATA holding one text value (UTF-8), split when longer than 255 octets.
        public init(_ value: String) { self.init(value: Array(value.utf8)) }

        /// The character-strings joined, as most ACME and SPF readers see them.
        public var joined: [UInt8] {
            var joined: [UInt8] = []
            joined.reserveCapacity(wire.count)
            var index = 0
            while index < wire.count {
                let length = Int(wire[index])
                joined.append(contentsOf: wire[(index + 1)..<(index + 1 + length)])
                index += 1 + length
            }
            return joined
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
