import CLDNS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One master file read whole, and a C stream over its bytes that libldns reads entries from.
///
/// libldns reads one entry per call (a record, over several lines when in parentheses, or
/// a directive) but keeps neither the line the entry starts on nor a directive's
/// arguments. Holding the bytes lets the parser look at each entry again through the
/// offsets the stream reports before and after the call.
final class ZoneFileStream {
    private let bytes: UnsafeMutableRawBufferPointer
    private let stream: UnsafeMutablePointer<FILE>
    /// A line whose start offset is known, so that counting lines costs one pass over the file.
    private var lineMark = (offset: 0, line: 1)

    /// Reads the file at `path` whole.
    init(path: String) throws(SystemError) {
        let contents = try Self.readAll(path: path)
        // At least one byte, so that fmemopen gets a real address even for an empty file.
        bytes = .allocate(byteCount: max(contents.count, 1), alignment: 1)
        bytes.copyBytes(from: contents)
        guard let stream = fmemopen(bytes.baseAddress, contents.count, "r") else {
            let error = SystemError.current
            bytes.deallocate()
            throw error
        }
        self.stream = stream
        self.size = contents.count
    }

    deinit {
        fclose(stream)
        bytes.deallocate()
    }

    /// The number of bytes in the file.
    let size: Int

    /// Whether libldns has read everything.
    var isAtEnd: Bool { size == 0 || feof(stream) != 0 }

    /// What one call to `ldns_rr_new_frm_fp_l` produced.
    struct Entry {
        /// `LDNS_STATUS_OK` with a record, a directive or empty-entry status, or an error.
        var status: ldns_status
        var record: LDNSRecord?
        /// The bytes libldns consumed: the entry, and the blank lines after it.
        var range: Range<Int>
    }

    /// Lets libldns read the next entry.
    ///
    /// - Parameters:
    ///   - defaultTTL: the TTL libldns gives a record without one; libldns overwrites it on `$TTL`.
    ///   - origin: appended to relative names; libldns frees and replaces it on `$ORIGIN`.
    ///   - previousOwner: the owner of a record whose owner field is blank; libldns replaces it
    ///     with the owner of every record that names one.
    func nextEntry(defaultTTL: inout UInt32, origin: LDNSName, previousOwner: LDNSName) -> Entry {
        let start = ftell(stream)
        var record: UnsafeMutablePointer<ldns_rr>? = nil
        // libldns's line counter (the last argument) counts the newlines it has consumed, which
        // after a call is past the entry and past any blank lines after it; the parser counts
        // lines itself from the entry's offset instead (see `line(at:)`).
        let status = ldns_rr_new_frm_fp_l(&record, stream, &defaultTTL, &origin.pointer, &previousOwner.pointer, nil)
        let end = ftell(stream)
        return Entry(status: status, record: record.map { LDNSRecord(taking: $0) }, range: start..<end)
    }

    /// The byte at `offset`.
    subscript(offset: Int) -> UInt8 { bytes[offset] }

    /// The 1-based line that `offset` lies on.
    func line(at offset: Int) -> Int {
        if offset < lineMark.offset { lineMark = (0, 1) }
        var line = lineMark.line
        for index in lineMark.offset..<offset where bytes[index] == UInt8(ascii: "\n") {
            line += 1
        }
        lineMark = (offset, line)
        return line
    }

    /// Where an entry's text begins: the first byte in `range` that is not white space, a
    /// parenthesis or part of a comment; `nil` for an entry of nothing but those.
    func firstSignificantOffset(in range: Range<Int>) -> Int? {
        var index = range.lowerBound
        while index < range.upperBound {
            switch bytes[index] {
            case UInt8(ascii: ";"):
                while index < range.upperBound, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"), 0x0B, 0x0C,
                UInt8(ascii: "("), UInt8(ascii: ")"), 0:
                index += 1
            default:
                return index
            }
        }
        return nil
    }

    /// Whether the entry in `range` has a blank owner field (RFC 1035 §5.1), by libldns's rule:
    /// the first character libldns keeps — it drops parentheses, comments, newlines and NULs
    /// — is white space.
    func hasBlankOwner(in range: Range<Int>) -> Bool {
        var index = range.lowerBound
        while index < range.upperBound {
            switch bytes[index] {
            case UInt8(ascii: ";"):
                while index < range.upperBound, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "\n"), UInt8(ascii: "("), UInt8(ascii: ")"), 0:
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                return true
            default:
                return false
            }
        }
        return false
    }

    /// The delimiter left open at the end of `range`, `(` or `"`, by libldns's rules:
    /// parentheses and quotes count outside comments unless escaped with a backslash, and
    /// parentheses count outside quotes. `nil` when all are closed.
    ///
    /// libldns accepts both left open. A `(` never closed takes the rest of the file into
    /// the entry (as more TXT strings, say); a `"` never closed ends at the end of the line.
    func unclosedDelimiter(in range: Range<Int>) -> UInt8? {
        var depth = 0
        var quoted = false
        var index = range.lowerBound
        while index < range.upperBound {
            switch bytes[index] {
            case UInt8(ascii: "\\"):
                index += 1
            case UInt8(ascii: "\""):
                quoted.toggle()
            case UInt8(ascii: ";") where !quoted:
                while index < range.upperBound, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "(") where !quoted:
                depth += 1
            case UInt8(ascii: ")") where !quoted:
                depth -= 1
            default:
                break
            }
            index += 1
        }
        if depth > 0 { return UInt8(ascii: "(") }
        return quoted ? UInt8(ascii: "\"") : nil
    }

    /// Splits a directive's text into its fields: separated by white space and parentheses,
    /// ending at a comment; a field in double quotes may hold those characters. Quotes are
    /// removed; backslash escapes are kept as written.
    func fields(in range: Range<Int>) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        var field: [UInt8]? = nil
        var quoted = false
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\\"):
                field = field ?? []
                field!.append(byte)
                if index < range.upperBound {
                    field!.append(bytes[index])
                    index += 1
                }
            case UInt8(ascii: "\""):
                field = field ?? []
                quoted.toggle()
            case _ where quoted:
                field!.append(byte)
            case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"),
                0x0B, 0x0C, UInt8(ascii: "("), UInt8(ascii: ")"):
                if let finished = field { fields.append(finished) }
                field = nil
                if byte == UInt8(ascii: ";") {
                    while index < range.upperBound, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                }
            default:
                field = field ?? []
                field!.append(byte)
            }
        }
        if let finished = field { fields.append(finished) }
        return fields
    }

    private static func readAll(path: String) throws(SystemError) -> [UInt8] {
        guard let file = fopen(path, "r") else { throw .current }
        defer { fclose(file) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            contents.append(contentsOf: chunk[..<count])
            if count < chunk.count {
                // Reading a directory fails here (EISDIR), not in fopen.
                if ferror(file) != 0 { throw .current }
                return contents
            }
        }
    }
}
