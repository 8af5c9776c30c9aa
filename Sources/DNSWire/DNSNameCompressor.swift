package import NIOCore

/// Remembers where names were written in a message so later names can point at them
/// (RFC 1035 §4.1.4).
///
/// Holds a fixed number of entries inline, so compressing allocates nothing; when full it
/// stops adding entries, which costs bytes, never correctness. An entry is a label start
/// that begins an uncompressed suffix in the buffer, with that suffix's wire length.
package struct DNSNameCompressor {
    package static let capacity = 48

    /// The index of the message's first octet in the buffer it is written to.
    package let messageStart: Int
    /// `offset << 8 | wireLength` per entry; offsets are relative to `messageStart`.
    private var entries = InlineArray<48, UInt32>(repeating: 0)
    private var count = 0

    package init(messageStart: Int) {
        self.messageStart = messageStart
    }

    /// Forgets entries at or after `index` (a buffer index), for use after the writer
    /// rolls back, e.g. when an RRset does not fit and is dropped.
    package mutating func discardEntries(from index: Int) {
        let limit = index - messageStart
        while count > 0, Int(entries[count - 1] >> 8) >= limit {
            count -= 1
        }
    }

    /// Writes `name` at the writer index, replacing the longest suffix already in the
    /// message with a pointer when `compress` is true; records the labels it writes in full.
    package mutating func write(_ name: DNSName, into buffer: inout ByteBuffer, compress: Bool = true) {
        let wire = name.wire
        let nameStart = wire.readerIndex
        let wireLength = wire.readableBytes
        var labelPosition = nameStart
        var pointer: Int? = nil
        if compress {
            // Try suffixes from longest to shortest; the root alone is never worth a pointer.
            while let length = wire.getInteger(at: labelPosition, as: UInt8.self), length != 0 {
                let suffixLength = wireLength - (labelPosition - nameStart)
                if let target = find(wire: wire, at: labelPosition, length: suffixLength, in: buffer) {
                    pointer = target
                    break
                }
                labelPosition += 1 + Int(length)
            }
        }
        let writeStart = buffer.writerIndex
        let prefixLength = (pointer == nil ? wireLength : labelPosition - nameStart)
        if let pointer {
            if prefixLength > 0 {
                buffer.writeImmutableBuffer(wire.getSlice(at: nameStart, length: prefixLength)!)
            }
            buffer.writeInteger(UInt16(0xC000) | UInt16(pointer))
        } else {
            buffer.writeImmutableBuffer(wire)
        }
        // Record each fully written label that starts a suffix, while pointers can reach it.
        var position = nameStart
        while position - nameStart < prefixLength, count < Self.capacity {
            guard let length = wire.getInteger(at: position, as: UInt8.self), length != 0 else { break }
            let offset = writeStart + (position - nameStart) - messageStart
            guard offset < 0x4000 else { break }
            entries[count] = UInt32(offset) << 8 | UInt32(wireLength - (position - nameStart))
            count += 1
            position += 1 + Int(length)
        }
    }

    /// Finds an entry whose name in `buffer` equals the suffix of `wire` at `position`.
    private func find(wire: ByteBuffer, at position: Int, length: Int, in buffer: ByteBuffer) -> Int? {
        var index = 0
        while index < count {
            let entry = entries[index]
            index += 1
            guard Int(entry & 0xFF) == length else { continue }
            let offset = Int(entry >> 8)
            if matches(wire: wire, at: position, bufferIndex: messageStart + offset, in: buffer) {
                return offset
            }
        }
        return nil
    }

    /// Compares label by label, following pointers in `buffer` (which this type wrote, so
    /// they are valid and go backwards).
    private func matches(wire: ByteBuffer, at position: Int, bufferIndex: Int, in buffer: ByteBuffer) -> Bool {
        var mine = position
        var theirs = bufferIndex
        while true {
            guard var theirLength = buffer.getInteger(at: theirs, as: UInt8.self) else { return false }
            while theirLength & 0xC0 == 0xC0 {
                guard let low = buffer.getInteger(at: theirs + 1, as: UInt8.self) else { return false }
                theirs = messageStart + (Int(theirLength & 0x3F) << 8 | Int(low))
                guard let next = buffer.getInteger(at: theirs, as: UInt8.self) else { return false }
                theirLength = next
            }
            guard let myLength = wire.getInteger(at: mine, as: UInt8.self), myLength == theirLength else {
                return false
            }
            if myLength == 0 { return true }
            let equal = wire.withUnsafeReadableBytes { mineBytes in
                buffer.withUnsafeReadableBytes { theirBytes in
                    let a = UnsafeRawBufferPointer(
                        rebasing: mineBytes[
                            (mine + 1 - wire.readerIndex)..<(mine + 1 - wire.readerIndex + Int(myLength))])
                    let b = UnsafeRawBufferPointer(
                        rebasing: theirBytes[
                            (theirs + 1 - buffer.readerIndex)..<(theirs + 1 - buffer.readerIndex
                                + Int(myLength))])
                    return DNSName.caseInsensitiveEqual(a, b)
                }
            }
            guard equal else { return false }
            mine += 1 + Int(myLength)
            theirs += 1 + Int(myLength)
        }
    }
}
