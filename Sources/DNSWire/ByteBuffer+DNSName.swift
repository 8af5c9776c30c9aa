package import NIOCore

extension ByteBuffer {
    /// The most compression pointers one name may follow. Each pointer must go strictly
    /// backwards past everything already read for the name, so a loop is impossible anyway;
    /// the cap bounds the work on hostile input.
    static let maximumCompressionHops = 127

    /// Walks a possibly compressed name starting at `index` (RFC 1035 §4.1.4) without copying it.
    ///
    /// - Returns: the index just after the name as it sits in the message, the name's
    ///   uncompressed wire length, and whether a pointer was followed.
    /// - Throws: ``DNSWireError`` naming the malformation; offsets are relative to `messageStart`.
    package func scanDNSName(at index: Int, messageStart: Int) throws -> (end: Int, wireLength: Int, compressed: Bool) {
        // ByteBuffer's get methods only reach the readable bytes; pointers reach back to the message start.
        let message = self.wholeMessage(from: messageStart)
        var position = index
        var lowestVisited = index
        var end: Int? = nil
        var wireLength = 0
        var hops = 0
        while true {
            guard let length = message.getInteger(at: position, as: UInt8.self) else {
                throw DNSWireError(.truncated, at: position - messageStart)
            }
            switch length & 0xC0 {
            case 0x00:
                wireLength += 1 + Int(length)
                guard wireLength <= DNSName.maximumWireLength else {
                    throw DNSWireError(.nameTooLong, at: position - messageStart)
                }
                if length == 0 {
                    return (end ?? position + 1, wireLength, end != nil)
                }
                guard position + 1 + Int(length) <= message.writerIndex else {
                    throw DNSWireError(.truncated, at: position - messageStart)
                }
                position += 1 + Int(length)
            case 0xC0:
                guard let low = message.getInteger(at: position + 1, as: UInt8.self) else {
                    throw DNSWireError(.truncated, at: position - messageStart)
                }
                let target = messageStart + (Int(length & 0x3F) << 8 | Int(low))
                guard target < position else {
                    throw DNSWireError(.forwardCompressionPointer, at: position - messageStart)
                }
                guard target >= messageStart + 12 else {
                    throw DNSWireError(.compressionPointerIntoHeader, at: position - messageStart)
                }
                guard target < lowestVisited else {
                    throw DNSWireError(.compressionPointerLoop, at: position - messageStart)
                }
                hops += 1
                guard hops <= Self.maximumCompressionHops else {
                    throw DNSWireError(.tooManyCompressionPointers, at: position - messageStart)
                }
                if end == nil { end = position + 2 }
                lowestVisited = target
                position = target
            case 0x40:
                // A naive encoder writes a 64–127 octet label this way.
                throw DNSWireError(.labelTooLong, at: position - messageStart)
            default:
                throw DNSWireError(.reservedLabelType, at: position - messageStart)
            }
        }
    }

    /// Reads a possibly compressed name at the reader index (RFC 1035 §4.1.4).
    ///
    /// An uncompressed name shares this buffer's storage; a compressed one is copied out.
    /// - Parameter messageStart: the index of the message's first octet, which pointers count from.
    package mutating func readDNSName(messageStart: Int) throws -> DNSName {
        let (end, wireLength, compressed) = try scanDNSName(at: readerIndex, messageStart: messageStart)
        if !compressed {
            let name = DNSName(uncheckedWire: getSlice(at: readerIndex, length: wireLength)!)
            moveReaderIndex(to: end)
            return name
        }
        // The scan validated every label and pointer, so the copy loop only follows them.
        let message = self.wholeMessage(from: messageStart)
        var copy = ByteBuffer()
        copy.reserveCapacity(wireLength)
        var position = readerIndex
        while let length = message.getInteger(at: position, as: UInt8.self) {
            if length & 0xC0 == 0xC0 {
                let low = message.getInteger(at: position + 1, as: UInt8.self)!
                position = messageStart + (Int(length & 0x3F) << 8 | Int(low))
                continue
            }
            copy.writeBytes(message.viewBytes(at: position, length: 1 + Int(length))!)
            if length == 0 { break }
            position += 1 + Int(length)
        }
        moveReaderIndex(to: end)
        return DNSName(uncheckedWire: copy)
    }

    /// This buffer with its reader index at `messageStart`, so every earlier octet of the
    /// message is readable again.
    @inline(__always)
    func wholeMessage(from messageStart: Int) -> ByteBuffer {
        var message = self
        message.moveReaderIndex(to: Swift.min(Swift.max(messageStart, 0), message.writerIndex))
        return message
    }

    /// Moves the reader index past a possibly compressed name, validating it.
    package mutating func skipDNSName(messageStart: Int) throws {
        let (end, _, _) = try scanDNSName(at: readerIndex, messageStart: messageStart)
        moveReaderIndex(to: end)
    }

    /// Writes `name` uncompressed.
    @discardableResult
    package mutating func writeDNSName(_ name: DNSName) -> Int {
        writeImmutableBuffer(name.wire)
    }
}
