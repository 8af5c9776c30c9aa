import DNSAuthority
import DNSWire
import FuzzSupport
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Zone-file loading on arbitrary text: libldns's parser, Cairn's conversion of its records,
/// `$INCLUDE` (of a file beside it, of itself: a cycle, of a missing file) and the zone checks.
/// The input is written as `fuzz.test.zone` in a scratch directory that also holds
/// `included.zone` (an owner, a TXT and an `$INCLUDE` back to the input). It must never trap or
/// hang, and:
///
/// - loading either throws or gives a zone whose apex is the origin, with one SOA at the apex
///   and every record at or below the apex;
/// - the zone's records make the same zone again, and an authority serving it answers its SOA.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let path = ZoneFileScratch.directory + "/fuzz.test.zone"
    guard ZoneFileScratch.write(input, to: path) else { fatalError("cannot write \(path)") }
    let origin = DNSName(stringLiteral: "fuzz.test.")
    guard let zone = try? Zone.load(file: path, origin: origin) else { return 0 }
    let records = zone.records
    let context = "\n input \(hex(input))"
    require(zone.apex == origin, "the apex is not the origin" + context)
    require(records.first?.type == .soa && records.first?.name == origin, "no SOA first, at the apex" + context)
    require(records.filter { $0.type == .soa }.count == 1, "more than one SOA" + context)
    require(records.allSatisfy { $0.name.isSubdomain(of: origin) }, "a record outside the zone" + context)

    // What was loaded passes the checks again as it is, and is served: its SOA is answered.
    do {
        let rebuilt = try Zone(apex: origin, records: records)
        require(rebuilt.records == records, "the zone's records, checked again, differ" + context)
        let authority = try Authority(zones: [rebuilt])
        let query = try DNSMessage(header: DNSHeader(id: 1), questions: [DNSQuestion(name: origin, type: .soa)])
        let response = try authority.answer(query, transport: .udp)
        require(response?.responseCode == .noError, "the loaded zone's SOA is not answered" + context)
    } catch {
        fatalError("the loaded zone's records do not make a zone again (\(error))" + context)
    }
    return 0
}

/// The scratch directory with the file the input may include.
enum ZoneFileScratch {
    static let directory: String = {
        var template = Array("/tmp/cairn-fuzz-zone-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            fatalError("mkdtemp failed")
        }
        let path = String(cString: made)
        let included = "www IN A 192.0.2.1\nwww IN TXT \"included\"\n$INCLUDE fuzz.test.zone\n"
        guard write(Array(included.utf8), to: path + "/included.zone") else { fatalError("cannot write included.zone") }
        return path
    }()

    static func write(_ bytes: some Collection<UInt8>, to path: String) -> Bool {
        guard let file = fopen(path, "wb") else { return false }
        defer { fclose(file) }
        let array = Array(bytes)
        return array.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) } == array.count
    }
}

#if !CAIRN_LIBFUZZER
    @main enum Replay {
        static func main() { replay(fuzz) }
    }
#endif
