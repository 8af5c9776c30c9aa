import CLDNS
package import DNSWire
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads zone master files (RFC 1035 §5) into ``DNSRecord``s.
///
/// libldns parses the text — `$ORIGIN`, `$TTL`, owners inherited from the previous line,
/// parentheses, comments, escapes, RFC 3597 `\#` RDATA — and every record it produces is
/// converted through its wire form into a DNSWire record, so Cairn has one model and one
/// codec. Cairn adds what libldns 1.8.3 leaves out or lets through:
///
/// - `$INCLUDE <file> [<origin>]` (RFC 1035 §5.1): the path is relative to the including
///   file's directory and the origin defaults to the including file's current origin.
///   `$ORIGIN`, `$TTL` and the previous owner inside the included file do not carry back.
///   Nesting deeper than `maximumIncludeDepth` and include cycles are errors.
/// - The line each record starts on (libldns counts the lines it has consumed, which is
///   past the record).
/// - A relative `$ORIGIN` is taken relative to the current origin (RFC 1035 §5.1);
///   libldns makes it absolute as written.
/// - `$TTL 0` gives TTL 0 (libldns substitutes 3600 for a default of 0), and a `$TTL`
///   that is not a TTL is an error (libldns reads it as 0).
/// - Errors for what libldns accepts: classes other than IN; a relative name or `@` when
///   there is no origin (libldns silently appends the root); a blank owner with no
///   previous record in the file (libldns uses the origin); unknown `$` directives and
///   unknown type mnemonics (libldns turns them into records of TYPE0); type numbers above
///   65535; meta types such as ANY; TTLs above 2³¹−1 (RFC 2181 §8).
///
/// The first problem ends the parse; the error names the file and the line where the
/// offending entry starts.
package struct ZoneFileParser {
    private let maximumIncludeDepth: Int
    private let scratch: LDNSBuffer
    private var records: [ZoneFileRecord] = []
    /// The canonical paths of the files being read, outermost first, to find include cycles.
    private var openFiles: [String] = []

    private init(maximumIncludeDepth: Int, scratch: LDNSBuffer) {
        self.maximumIncludeDepth = maximumIncludeDepth
        self.scratch = scratch
    }

    /// Reads the master file at `path` and the files it includes.
    ///
    /// - Parameters:
    ///   - path: the file to read; included files are found relative to its directory.
    ///   - origin: the origin relative names start with, until a `$ORIGIN` changes it. It
    ///     may be `nil` if the file sets `$ORIGIN` before its first relative name or `@`.
    ///   - defaultTTL: the TTL of records without one, until a `$TTL` changes it.
    ///   - maximumIncludeDepth: how many `$INCLUDE`s may be nested; 0 rejects `$INCLUDE`.
    /// - Returns: the records in the order they appear, those of an included file in place
    ///   of its `$INCLUDE`.
    package static func parse(
        path: String, origin: DNSName?, defaultTTL: UInt32 = 3600, maximumIncludeDepth: Int = 8
    ) throws(ZoneFileError) -> [ZoneFileRecord] {
        guard let scratch = LDNSBuffer() else {
            throw ZoneFileError(file: path, line: 0, message: "out of memory")
        }
        var parser = ZoneFileParser(maximumIncludeDepth: maximumIncludeDepth, scratch: scratch)
        try parser.read(path: path, origin: origin, defaultTTL: defaultTTL, includedAt: nil)
        return parser.records
    }
}

extension ZoneFileParser {
    /// The state that belongs to one file being read.
    private struct FileState {
        let path: String
        /// The current origin; `nil` until the caller or a `$ORIGIN` gives one.
        var origin: DNSName?
        var defaultTTL: UInt32
        /// The origin as libldns sees it: ``origin``, or a stand-in that marks the names
        /// libldns made relative to a missing origin.
        let ldnsOrigin: LDNSName
        /// The owner libldns gives a record whose owner field is blank.
        let previousOwner = LDNSName(nil)

        init(path: String, origin: DNSName?, defaultTTL: UInt32) {
            self.path = path
            self.origin = origin
            self.defaultTTL = defaultTTL
            self.ldnsOrigin = LDNSName(origin ?? ZoneFileParser.missingOrigin)
        }
    }

    /// A problem with the current entry; the caller adds file and line.
    private struct Problem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// Stands in for the origin while there is none: libldns appends it to relative names
    /// and uses it for `@`, and a name that ends in it is reported. One label no real zone
    /// ends in (it starts with a NUL octet).
    private static let missingOrigin = DNSName(
        uncheckedWire: ByteBuffer(bytes: [17, 0] + Array("cairn-no-origin".utf8) + [0xFF, 0]))

    /// What libldns is given as the default TTL while the default is 0, since libldns
    /// replaces a default of 0 with 3600. A record still carrying it had no TTL of its own.
    private static let zeroTTLStandIn = UInt32.max

    /// Reads one file; `includedAt` is the `$INCLUDE` that names it, `nil` for the top level.
    private mutating func read(
        path: String, origin: DNSName?, defaultTTL: UInt32, includedAt site: (file: String, line: Int)?
    ) throws(ZoneFileError) {
        func cannotRead(_ error: SystemError) -> ZoneFileError {
            guard let site else {
                return ZoneFileError(file: path, line: 0, message: "cannot read zone file: \(error)")
            }
            return ZoneFileError(
                file: site.file, line: site.line, message: "cannot read included file \"\(path)\": \(error)")
        }
        let canonicalPath: String
        do { canonicalPath = try Self.canonicalPath(path) } catch { throw cannotRead(error) }
        if let site {
            if let index = openFiles.firstIndex(of: canonicalPath) {
                let chain = (openFiles[index...] + [canonicalPath]).joined(separator: " -> ")
                throw ZoneFileError(
                    file: site.file, line: site.line, message: "$INCLUDE cycle: \(chain)")
            }
            guard openFiles.count <= maximumIncludeDepth else {
                throw ZoneFileError(
                    file: site.file, line: site.line,
                    message: "$INCLUDE nested too deep: more than \(maximumIncludeDepth) levels")
            }
        }
        let stream: ZoneFileStream
        do { stream = try ZoneFileStream(path: path) } catch { throw cannotRead(error) }
        openFiles.append(canonicalPath)
        defer { openFiles.removeLast() }
        var file = FileState(path: path, origin: origin, defaultTTL: defaultTTL)
        while !stream.isAtEnd {
            try readEntry(from: stream, file: &file)
        }
    }

    /// Lets libldns read the next entry and handles what it read.
    private mutating func readEntry(from stream: ZoneFileStream, file: inout FileState) throws(ZoneFileError) {
        var ldnsTTL = file.defaultTTL == 0 ? Self.zeroTTLStandIn : file.defaultTTL
        let hadPreviousOwner = file.previousOwner.pointer != nil
        let entry = stream.nextEntry(defaultTTL: &ldnsTTL, origin: file.ldnsOrigin, previousOwner: file.previousOwner)
        let start = stream.firstSignificantOffset(in: entry.range)
        let line = stream.line(at: start ?? entry.range.lowerBound)
        func failure(_ message: String) -> ZoneFileError {
            ZoneFileError(file: file.path, line: line, message: message)
        }
        guard !entry.range.isEmpty || stream.isAtEnd else { throw failure("libldns stopped reading") }
        switch stream.unclosedDelimiter(in: entry.range) {
        case UInt8(ascii: "("): throw failure("unbalanced parentheses: a ( opened in this entry is never closed")
        case UInt8(ascii: "\""): throw failure("unterminated quoted string: a \" opened in this entry is never closed")
        default: break
        }
        let hasBlankOwner = stream.hasBlankOwner(in: entry.range)
        // libldns treats only its three directives specially and reads any other line
        // starting with `$` as a record; a `$` in the owner field is written `\$`.
        if let start, !hasBlankOwner, stream[start] == UInt8(ascii: "$") {
            let directive: Directive
            do {
                directive = try Self.directive(
                    stream.fields(in: start..<entry.range.upperBound), status: entry.status, file: file)
            } catch {
                throw failure(error.message)
            }
            switch directive {
            case .origin(let origin):
                file.origin = origin
                file.ldnsOrigin.replace(with: origin)
            case .ttl(let ttl):
                file.defaultTTL = ttl
            case .include(let path, let origin):
                try read(path: path, origin: origin, defaultTTL: file.defaultTTL, includedAt: (file.path, line))
            }
            return
        }
        switch entry.status {
        case LDNS_STATUS_OK:
            break
        case LDNS_STATUS_SYNTAX_EMPTY:
            return
        case LDNS_STATUS_SYNTAX_ORIGIN, LDNS_STATUS_SYNTAX_TTL, LDNS_STATUS_SYNTAX_INCLUDE:
            throw failure("malformed directive")
        default:
            throw failure("syntax error: \(LDNSError(status: entry.status))")
        }
        guard let ldnsRecord = entry.record else { throw failure("libldns returned no record") }
        guard !hasBlankOwner || hadPreviousOwner else {
            throw failure("owner name missing: a blank owner repeats the previous record's, and there is none")
        }
        do {
            let record = try convert(ldnsRecord, file: file)
            records.append(ZoneFileRecord(record: record, file: file.path, line: line))
        } catch {
            throw failure(error.message)
        }
    }

    /// Checks a record libldns parsed and converts it through its wire form.
    private func convert(_ ldnsRecord: LDNSRecord, file: FileState) throws(Problem) -> DNSRecord {
        if file.origin == nil {
            let marker = Self.missingOrigin.wireBytes
            if let name = ldnsRecord.nameFields.first(where: {
                $0.count >= marker.count && $0.suffix(marker.count).elementsEqual(marker)
            }) {
                throw Self.noOrigin(for: Self.relativeText(name.dropLast(marker.count)))
            }
        }
        guard ldnsRecord.classCode == UInt32(DNSClass.internet.rawValue) else {
            let name =
                ldnsRecord.classCode <= 0xFFFF
                ? DNSClass(rawValue: UInt16(ldnsRecord.classCode)).description : "CLASS\(ldnsRecord.classCode)"
            throw Problem("class \(name) is not supported; only IN")
        }
        guard ldnsRecord.typeCode != 0 else {
            throw Problem("syntax error: \(LDNSError(status: LDNS_STATUS_SYNTAX_TYPE_ERR))")
        }
        guard ldnsRecord.typeCode <= 0xFFFF else {
            throw Problem("type TYPE\(ldnsRecord.typeCode) is out of range: types are 0 to 65535")
        }
        let type = DNSRecordType(rawValue: UInt16(ldnsRecord.typeCode))
        guard !type.isMetaType else { throw Problem("type \(type) is a query type, not data for a zone") }
        var ttl = ldnsRecord.ttl
        if file.defaultTTL == 0 && ttl == Self.zeroTTLStandIn { ttl = 0 }
        guard ttl <= UInt32(Int32.max) else { throw Problem("TTL \(ttl) is above 2147483647 (RFC 2181 §8)") }
        let owner: DNSName
        do { owner = try ldnsRecord.owner() } catch { throw Problem("owner name not accepted: \(error)") }
        let rdata: DNSRData
        do {
            rdata = try ldnsRecord.rdata(as: type, scratch: scratch)
        } catch {
            throw Problem("\(type) RDATA not accepted: \(error)")
        }
        return DNSRecord(name: owner, class: .internet, ttl: ttl, rdata: rdata)
    }
}

extension ZoneFileParser {
    /// What a directive line asks for.
    private enum Directive {
        case origin(DNSName)
        case ttl(UInt32)
        case include(path: String, origin: DNSName?)
    }

    /// Reads a `$ORIGIN`, `$TTL` or `$INCLUDE` line, given as its fields.
    ///
    /// libldns has consumed the line. For `$ORIGIN` it has also replaced the origin it
    /// holds, which the caller sets again; for `$TTL` it has written a TTL nobody reads.
    private static func directive(
        _ fields: [[UInt8]], status: ldns_status, file: FileState
    ) throws(Problem) -> Directive {
        let keyword = String(decoding: fields.first ?? [], as: UTF8.self)
        let arguments = Array(fields.dropFirst())
        let expected: ldns_status
        switch keyword {
        case "$ORIGIN":
            guard arguments.count == 1 else { throw Problem("$ORIGIN takes one domain name") }
            expected = LDNS_STATUS_SYNTAX_ORIGIN
        case "$TTL":
            guard arguments.count == 1 else { throw Problem("$TTL takes one TTL") }
            expected = LDNS_STATUS_SYNTAX_TTL
        case "$INCLUDE":
            guard arguments.count == 1 || arguments.count == 2 else {
                throw Problem("$INCLUDE takes a file name and optionally an origin")
            }
            expected = LDNS_STATUS_SYNTAX_INCLUDE
        default:
            throw Problem("unknown directive \(keyword)")
        }
        // libldns recognises a directive only when white space follows the keyword; otherwise
        // it has read the line as a record (and may have changed the previous owner).
        guard status == expected || (expected == LDNS_STATUS_SYNTAX_ORIGIN && status == LDNS_STATUS_SYNTAX_DNAME_ERR)
        else { throw Problem("malformed \(keyword) line") }

        switch expected {
        case LDNS_STATUS_SYNTAX_ORIGIN:
            return .origin(try resolve(name: arguments[0], relativeTo: file.origin))
        case LDNS_STATUS_SYNTAX_TTL:
            guard let ttl = ttl(arguments[0]), ttl <= UInt32(Int32.max) else {
                throw Problem(
                    "$TTL \(String(decoding: arguments[0], as: UTF8.self)) is not a TTL: 0 to 2147483647 seconds, "
                        + "or numbers with units such as 1h30m")
            }
            return .ttl(ttl)
        default:
            let target = String(decoding: unescape(arguments[0]), as: UTF8.self)
            guard !target.isEmpty else { throw Problem("$INCLUDE names no file") }
            let path = target.hasPrefix("/") ? target : directory(of: file.path) + target
            let origin = arguments.count == 2 ? try resolve(name: arguments[1], relativeTo: file.origin) : file.origin
            return .include(path: path, origin: origin)
        }
    }

    /// A domain name in a directive, made absolute with `origin` unless it ends in a dot.
    private static func resolve(name field: [UInt8], relativeTo origin: DNSName?) throws(Problem) -> DNSName {
        let text = String(decoding: field, as: UTF8.self)
        if field == [UInt8(ascii: "@")] {
            guard let origin else { throw noOrigin(for: "@") }
            return origin
        }
        let (parsed, isAbsolute) = (field + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { text in
                (LDNSName(taking: ldns_dname_new_frm_str(text.baseAddress)), ldns_dname_str_absolute(text.baseAddress))
            }
        }
        guard let wire = parsed.wireBytes, let name = try? DNSName(wireBytes: wire) else {
            throw Problem("invalid domain name \(text)")
        }
        if isAbsolute { return name }
        guard let origin else { throw noOrigin(for: text) }
        do {
            return try origin.prepending(name)
        } catch {
            throw Problem("\(text) under the origin \(origin) is longer than 255 octets")
        }
    }

    private static func noOrigin(for name: String) -> Problem {
        Problem("no origin for the relative name \(name): set $ORIGIN first or pass an origin")
    }

    /// Presentation text of the labels of a name libldns made relative to ``missingOrigin``.
    private static func relativeText(_ labels: some Collection<UInt8>) -> String {
        if labels.isEmpty { return "@" }
        let text = DNSName(uncheckedWire: ByteBuffer(bytes: Array(labels) + [0])).description
        return String(text.dropLast())
    }

    /// A TTL as `$TTL` takes it: seconds, or numbers each followed by a unit (`s`, `m`, `h`,
    /// `d`, `w`, either case), as libldns reads record TTLs; `nil` for anything else or above
    /// 2³²−1.
    private static func ttl(_ field: [UInt8]) -> UInt32? {
        var total: UInt64 = 0
        var number: UInt64? = nil
        for byte in field {
            let unit: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                number = (number ?? 0) * 10 + UInt64(byte - UInt8(ascii: "0"))
                guard number! <= UInt32.max else { return nil }
                continue
            case UInt8(ascii: "s"), UInt8(ascii: "S"): unit = 1
            case UInt8(ascii: "m"), UInt8(ascii: "M"): unit = 60
            case UInt8(ascii: "h"), UInt8(ascii: "H"): unit = 3600
            case UInt8(ascii: "d"), UInt8(ascii: "D"): unit = 86400
            case UInt8(ascii: "w"), UInt8(ascii: "W"): unit = 604800
            default: return nil
            }
            guard let value = number else { return nil }
            total += value * unit
            number = nil
            guard total <= UInt32.max else { return nil }
        }
        guard !field.isEmpty else { return nil }
        total += number ?? 0
        return total <= UInt32.max ? UInt32(total) : nil
    }

    /// A file name with `\X` and `\DDD` escapes replaced by the octets they stand for.
    private static func unescape(_ field: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        func isDigit(_ offset: Int) -> Bool {
            offset < field.count && field[offset] >= UInt8(ascii: "0") && field[offset] <= UInt8(ascii: "9")
        }
        while index < field.count {
            guard field[index] == UInt8(ascii: "\\"), index + 1 < field.count else {
                result.append(field[index])
                index += 1
                continue
            }
            if isDigit(index + 1) && isDigit(index + 2) && isDigit(index + 3) {
                let value = field[(index + 1)...(index + 3)].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                result.append(UInt8(truncatingIfNeeded: value))
                index += 4
            } else {
                result.append(field[index + 1])
                index += 2
            }
        }
        return result
    }

    /// The directory part of `path`, with its trailing slash; empty for a bare file name.
    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    /// The absolute path with symbolic links resolved, to recognise a file included twice.
    private static func canonicalPath(_ path: String) throws(SystemError) -> String {
        guard let resolved = realpath(path, nil) else { throw .current }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
