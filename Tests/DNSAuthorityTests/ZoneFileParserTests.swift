import DNSWire
import Foundation
import Testing

@testable import DNSAuthority

/// The fixtures directory, copied into the test bundle (`resources: [.copy("Fixtures")]`).
/// `Bundle.module` finds it on Linux and macOS alike, also when the test binary runs on its own.
private let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures").path

private func record(_ name: DNSName, _ ttl: UInt32, _ rdata: DNSRData) -> DNSRecord {
    DNSRecord(name: name, class: .internet, ttl: ttl, rdata: rdata)
}

/// Writes `files` (relative path → contents) into a fresh temporary directory, runs `body`
/// with the directory's path, and removes the directory.
private func withZoneFiles<Result>(
    _ files: [String: String], _ body: (String) throws -> Result
) throws -> Result {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("cairn-zonefile-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, contents) in files {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: url)
    }
    return try body(directory.path)
}

/// The error parsing `path` throws, or `nil` if it parses.
private func parseError(
    _ path: String, origin: DNSName? = nil, defaultTTL: UInt32 = 3600, maximumIncludeDepth: Int = 8
) -> ZoneFileError? {
    do {
        _ = try ZoneFileParser.parse(
            path: path, origin: origin, defaultTTL: defaultTTL, maximumIncludeDepth: maximumIncludeDepth)
        return nil
    } catch {
        return error
    }
}

/// The description of the error parsing one file with `contents`, with the directory
/// replaced by `DIR`.
private func errorText(
    _ contents: String, origin: DNSName? = "example.com.", defaultTTL: UInt32 = 3600
) throws -> String? {
    try withZoneFiles(["z.zone": contents]) { directory in
        parseError(directory + "/z.zone", origin: origin, defaultTTL: defaultTTL)
            .map { $0.description.replacingOccurrences(of: directory, with: "DIR") }
    }
}

@Suite struct ZoneFileParserTests {
    // MARK: A good zone

    @Test func goodZoneDecodesEveryRecordExactly() throws {
        let path = fixtures + "/good.zone"
        let parsed = try ZoneFileParser.parse(path: path, origin: nil)
        let expected: [(Int, DNSRecord)] = [
            (
                5,
                record(
                    "example.com.", 3600,
                    .soa(
                        .init(
                            primaryNameserver: "ns1.example.com.", responsibleMailbox: "hostmaster.example.com.",
                            serial: 2_024_010_101, refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)))
            ),
            (11, record("example.com.", 3600, .ns(.init(nameserver: "ns1.example.com.")))),
            (12, record("example.com.", 3600, .ns(.init(nameserver: "ns2.example.net.")))),
            (14, record("ns1.example.com.", 3600, .a(.init(address: IPv4Address(192, 0, 2, 1))))),
            (15, record("ns1.example.com.", 3600, .aaaa(.init(address: IPv6Address("2001:db8::1")!)))),
            (16, record("www.example.com.", 300, .a(.init(address: IPv4Address(192, 0, 2, 10))))),
            (17, record("alias.example.com.", 3600, .cname(.init(target: "www.example.com.")))),
            (18, record("example.com.", 3600, .mx(.init(preference: 10, exchange: "mail.example.com.")))),
            (
                19,
                record(
                    "_sip._tcp.example.com.", 3600,
                    .srv(.init(priority: 10, weight: 60, port: 5060, target: "sip.example.com.")))
            ),
            (
                20,
                record("example.com.", 3600, .caa(.init(flags: 0, tag: "issue", value: Array("letsencrypt.org".utf8))!))
            ),
            (
                21,
                record(
                    "secure.example.com.", 3600,
                    .ds(
                        .init(
                            keyTag: 12345, algorithm: 13, digestType: 2,
                            digest: [
                                0x2B, 0xB1, 0x83, 0xAF, 0x5F, 0x22, 0x58, 0x81, 0x79, 0xA5, 0x3B, 0x0A, 0x98, 0x63,
                                0x1F, 0xAD, 0x1A, 0x29, 0x21, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x0A,
                            ])))
            ),
            (
                24,
                record(
                    "txt.example.com.", 3600,
                    .txt(
                        .init(strings: [
                            Array("a \"quoted\" string".utf8), Array("second".utf8),
                            Array("byte ".utf8) + [255] + Array(" end".utf8),
                        ])!))
            ),
            (25, record(#"a\.b.example.com."#, 3600, .a(.init(address: IPv4Address(192, 0, 2, 20))))),
            (26, record("Abc.example.com.", 3600, .a(.init(address: IPv4Address(192, 0, 2, 21))))),
            (27, record("*.wild.example.com.", 3600, .a(.init(address: IPv4Address(192, 0, 2, 30))))),
            (
                28,
                record(
                    "unknown.example.com.", 3600,
                    .opaque(.init(type: DNSRecordType(rawValue: 65280), bytes: [0x01, 0x02, 0x03])))
            ),
            (30, record("1.2.0.192.in-addr.arpa.", 3600, .ptr(.init(target: "www.example.com.")))),
            (33, record("2.rev.2.0.192.in-addr.arpa.", 5400, .ptr(.init(target: "mail.example.com.")))),
            (34, record("absolute.example.org.", 120, .txt(.init("x")))),
        ]
        #expect(parsed.count == expected.count)
        for (got, (line, want)) in zip(parsed, expected) {
            #expect(got.record == want)
            // DNSName compares case-insensitively; the octets must match too (`\065` is `A`).
            #expect(got.record.name.wireBytes == want.name.wireBytes, "\(want.name)")
            #expect(got.line == line, "\(want.name) \(want.type)")
            #expect(got.file == path)
        }
        // The escapes reached the wire form: `\.` inside a label, `\065` as an upper-case A.
        #expect(parsed[12].record.name.labels.first == Array("a.b".utf8))
        #expect(parsed[13].record.name.labels.first == [0x41, 0x62, 0x63])
        #expect(parsed[14].record.name.isWildcard)
    }

    @Test func originParameterStandsInForOrigin() throws {
        let records = try withZoneFiles(["z.zone": "@ IN NS ns1\nwww IN A 192.0.2.1\n"]) { directory in
            try ZoneFileParser.parse(path: directory + "/z.zone", origin: "example.net.", defaultTTL: 42)
        }
        #expect(
            records.map(\.record) == [
                record("example.net.", 42, .ns(.init(nameserver: "ns1.example.net."))),
                record("www.example.net.", 42, .a(.init(address: IPv4Address(192, 0, 2, 1)))),
            ])
        #expect(records.map(\.line) == [1, 2])
    }

    @Test func absoluteNamesNeedNoOrigin() throws {
        let records = try withZoneFiles(["z.zone": "www.example.net. 60 IN A 192.0.2.1"]) { directory in
            try ZoneFileParser.parse(path: directory + "/z.zone", origin: nil)
        }
        // No newline at the end of the file.
        #expect(
            records.map(\.record) == [record("www.example.net.", 60, .a(.init(address: IPv4Address(192, 0, 2, 1))))])
    }

    @Test func ttlZeroIsKept() throws {
        // libldns on its own would substitute 3600 for a default TTL of 0.
        let records = try withZoneFiles(["z.zone": "$TTL 0\nwww IN A 192.0.2.1\nmail 7 IN A 192.0.2.2\n"]) {
            try ZoneFileParser.parse(path: $0 + "/z.zone", origin: "example.com.")
        }
        #expect(records.map(\.record.ttl) == [0, 7])
        let fromParameter = try withZoneFiles(["z.zone": "www IN A 192.0.2.1\n"]) {
            try ZoneFileParser.parse(path: $0 + "/z.zone", origin: "example.com.", defaultTTL: 0)
        }
        #expect(fromParameter.map(\.record.ttl) == [0])
    }

    @Test func crlfLineEndingsAndEmptyFile() throws {
        let files = ["z.zone": "www IN A 192.0.2.1\r\n\r\n  IN A 192.0.2.2\r\n", "empty.zone": ""]
        let records = try withZoneFiles(files) { directory throws in
            #expect(try ZoneFileParser.parse(path: directory + "/empty.zone", origin: nil).isEmpty)
            return try ZoneFileParser.parse(path: directory + "/z.zone", origin: "example.com.")
        }
        #expect(records.map(\.record.name) == ["www.example.com.", "www.example.com."])
        #expect(records.map(\.line) == [1, 3])
    }

    // MARK: $INCLUDE

    @Test func includeResolvesPathsOriginsAndNesting() throws {
        let directory = fixtures + "/include"
        let parsed = try ZoneFileParser.parse(path: directory + "/main.zone", origin: nil)
        let main = directory + "/main.zone"
        let hosts = directory + "/hosts.zone"
        let mail = directory + "/sub/mail.zone"
        let deeper = directory + "/sub/deeper.zone"
        let expected: [(String, Int, DNSRecord)] = [
            (
                main, 3,
                record(
                    "example.com.", 300,
                    .soa(
                        .init(
                            primaryNameserver: "ns1.example.com.", responsibleMailbox: "hostmaster.example.com.",
                            serial: 1, refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)))
            ),
            (main, 4, record("ns1.example.com.", 300, .a(.init(address: IPv4Address(192, 0, 2, 1))))),
            (hosts, 2, record("www.example.com.", 300, .a(.init(address: IPv4Address(192, 0, 2, 10))))),
            (hosts, 5, record("other.elsewhere.example.", 60, .a(.init(address: IPv4Address(192, 0, 2, 11))))),
            // Back in main.zone: origin, $TTL and the previous owner are main.zone's again.
            (main, 6, record("ns1.example.com.", 300, .aaaa(.init(address: IPv6Address("2001:db8::1")!)))),
            (mail, 1, record("mail.example.com.", 300, .mx(.init(preference: 10, exchange: "mx1.mail.example.com.")))),
            (mail, 2, record("mx1.mail.example.com.", 300, .a(.init(address: IPv4Address(192, 0, 2, 25))))),
            (deeper, 2, record("deep.mail.example.com.", 300, .txt(.init("two levels down")))),
            (main, 8, record("after.example.com.", 300, .a(.init(address: IPv4Address(192, 0, 2, 99))))),
        ]
        #expect(parsed.count == expected.count)
        for (got, (file, line, want)) in zip(parsed, expected) {
            #expect(got.record == want)
            #expect(got.file == file, "\(want.name)")
            #expect(got.line == line, "\(want.name)")
        }
    }

    @Test func includeWithAbsoluteOriginAndQuotedName() throws {
        let records = try withZoneFiles([
            "main.zone": "$ORIGIN example.com.\n$INCLUDE \"my hosts.zone\" example.org.\nwww IN A 192.0.2.2\n",
            "my hosts.zone": "www IN A 192.0.2.1\n",
        ]) { try ZoneFileParser.parse(path: $0 + "/main.zone", origin: nil) }
        #expect(records.map(\.record.name) == ["www.example.org.", "www.example.com."])
    }

    @Test func includeOfMissingFileNamesTheIncludingLine() throws {
        let text = try withZoneFiles([
            "main.zone": "$ORIGIN example.com.\nwww IN A 192.0.2.1\n\n$INCLUDE missing.zone\n"
        ]) { directory in
            parseError(directory + "/main.zone")?.description.replacingOccurrences(of: directory, with: "DIR")
        }
        #expect(text == #"DIR/main.zone:4: cannot read included file "DIR/missing.zone": No such file or directory"#)
    }

    @Test func includeCycleIsAnError() throws {
        let error = try withZoneFiles([
            "a.zone": "$ORIGIN example.com.\nwww IN A 192.0.2.1\n$INCLUDE b.zone\n",
            "b.zone": "; b includes a again\nmail IN A 192.0.2.2\n$INCLUDE a.zone\n",
        ]) { directory in
            parseError(directory + "/a.zone").map {
                ($0.file.replacingOccurrences(of: directory, with: "DIR"), $0.line, $0.message)
            }
        }
        #expect(error?.0 == "DIR/b.zone")
        #expect(error?.1 == 3)
        #expect(error?.2.hasPrefix("$INCLUDE cycle: ") == true)
        // The chain lists canonical paths: a.zone, b.zone, a.zone.
        let chain = error?.2.dropFirst("$INCLUDE cycle: ".count).components(separatedBy: " -> ")
        #expect(chain?.map { ($0 as NSString).lastPathComponent } == ["a.zone", "b.zone", "a.zone"])

        let selfInclude = try withZoneFiles(["self.zone": "$INCLUDE ./self.zone\n"]) {
            parseError($0 + "/self.zone").map { ($0.line, $0.message.hasPrefix("$INCLUDE cycle: ")) }
        }
        #expect(selfInclude?.0 == 1)
        #expect(selfInclude?.1 == true)
    }

    @Test func includeDepthIsLimited() throws {
        // level0 includes level1 includes level2 includes level3: three levels of nesting.
        let files = [
            "level0.zone": "$ORIGIN example.com.\n$INCLUDE level1.zone\n",
            "level1.zone": "one IN A 192.0.2.1\n$INCLUDE level2.zone\n",
            "level2.zone": "two IN A 192.0.2.2\n\n$INCLUDE level3.zone\n",
            "level3.zone": "three IN A 192.0.2.3\n",
        ]
        try withZoneFiles(files) { directory throws in
            let path = directory + "/level0.zone"
            #expect(try ZoneFileParser.parse(path: path, origin: nil, maximumIncludeDepth: 3).count == 3)
            let error = parseError(path, maximumIncludeDepth: 2)
            #expect(
                error?.description == directory + "/level2.zone:3: $INCLUDE nested too deep: more than 2 levels")
            let none = parseError(path, maximumIncludeDepth: 0)
            #expect(none?.description == directory + "/level0.zone:2: $INCLUDE nested too deep: more than 0 levels")
        }
    }

    @Test func errorInIncludedFileNamesThatFile() throws {
        let text = try withZoneFiles([
            "main.zone": "$ORIGIN example.com.\n$INCLUDE sub/broken.zone\n",
            "sub/broken.zone": "ok IN A 192.0.2.1\nbad IN A 192.0.2.256\n",
        ]) { directory in
            parseError(directory + "/main.zone")?.description.replacingOccurrences(of: directory, with: "DIR")
        }
        #expect(text == "DIR/sub/broken.zone:2: syntax error: Syntax error, could not parse the RR's rdata")
    }

    // MARK: Broken files

    @Test func unknownTypeMnemonicReportsItsLine() throws {
        // libldns reads an unknown mnemonic as TYPE0 and then fails on its RDATA.
        #expect(
            try errorText("www IN A 192.0.2.1\n; comment\n\nmail IN FOO 192.0.2.2\n")
                == "DIR/z.zone:4: syntax error: Syntax error, could not parse the RR's rdata")
        // Without RDATA, libldns would accept it as a TYPE0 record.
        #expect(
            try errorText("www IN A 192.0.2.1\nmail IN FOO\n")
                == "DIR/z.zone:2: syntax error: Syntax error, could not parse the RR's type")
        #expect(
            try errorText("www IN A 192.0.2.1\n\nmail 300 IN\n")
                == "DIR/z.zone:3: syntax error: Syntax error, could not parse the RR's type")
        #expect(
            try errorText("www IN TYPE99999 \\# 1 00\n")
                == "DIR/z.zone:1: type TYPE99999 is out of range: types are 0 to 65535")
        #expect(try errorText("www IN ANY \\# 0\n") == "DIR/z.zone:1: type ANY is a query type, not data for a zone")
    }

    @Test func badAddressReportsItsLine() throws {
        #expect(
            try errorText("$TTL 60\nwww IN A 192.0.2.1\nmail IN A 192.0.2.300\n")
                == "DIR/z.zone:3: syntax error: Syntax error, could not parse the RR's rdata")
        // libldns's own line counter would say 5 here: it has consumed the blank lines after the record.
        #expect(
            try errorText("$ORIGIN example.com.\nwww IN A 192.0.2.300\n\n\n\nmail IN A 192.0.2.1\n")
                == "DIR/z.zone:2: syntax error: Syntax error, could not parse the RR's rdata")
        #expect(
            try errorText("www IN AAAA 2001:db8::g\n")
                == "DIR/z.zone:1: syntax error: Syntax error, could not parse the RR's rdata")
    }

    @Test func recordInParenthesesReportsTheLineItStartsOn() throws {
        let zone = """
            @ IN SOA ns1 hostmaster (
                1 7200 3600
                1209600 300 )

            ; a comment, then a record spread over three lines with a bad value on its second
            www IN MX (
                ten
                mail )
            """
        #expect(try errorText(zone) == "DIR/z.zone:6: syntax error: Syntax error, could not parse the RR's rdata")
    }

    @Test func unclosedParenthesisOrQuoteIsAnError() throws {
        // libldns accepts this as the last entry of a file.
        #expect(
            try errorText("www IN A 192.0.2.1\nmail IN A ( 192.0.2.2\n")
                == "DIR/z.zone:2: unbalanced parentheses: a ( opened in this entry is never closed")
        // Earlier in the file, libldns would read every later line as more TXT strings.
        #expect(
            try errorText("txt IN TXT ( \"a\" \"(\" ; ) in a comment\n\nwww IN A 192.0.2.1\nmail IN A 192.0.2.2\n")
                == "DIR/z.zone:1: unbalanced parentheses: a ( opened in this entry is never closed")
        // libldns ends an unterminated quoted string at the end of the line and accepts it.
        #expect(
            try errorText("www IN A 192.0.2.1\n\ntxt IN TXT \"abc\nmail IN A 192.0.2.2\n")
                == "DIR/z.zone:3: unterminated quoted string: a \" opened in this entry is never closed")
        // Parentheses inside quotes or escaped do not count.
        let records = try withZoneFiles(["z.zone": "txt IN TXT \"(\" \\( ( \"x\" )\n"]) {
            try ZoneFileParser.parse(path: $0 + "/z.zone", origin: "example.com.")
        }
        #expect(
            records.map(\.record.rdata) == [.txt(.init(strings: [Array("(".utf8), Array("(".utf8), Array("x".utf8)])!)])
    }

    @Test func missingFileIsAnError() throws {
        try withZoneFiles([:]) { directory in
            #expect(
                parseError(directory + "/absent.zone")?.description
                    == directory + "/absent.zone:0: cannot read zone file: No such file or directory")
            #expect(parseError(directory)?.description == directory + ":0: cannot read zone file: Is a directory")
        }
    }

    @Test func classOtherThanINIsAnError() throws {
        #expect(
            try errorText("www IN A 192.0.2.1\nmail 300 CH A 192.0.2.2\n")
                == "DIR/z.zone:2: class CH is not supported; only IN")
        #expect(try errorText("www CLASS42 A 192.0.2.1\n") == "DIR/z.zone:1: class CLASS42 is not supported; only IN")
    }

    @Test func relativeNameWithoutOriginIsAnError() throws {
        #expect(
            try errorText("www.example.com. IN A 192.0.2.1\nmail IN A 192.0.2.2\n", origin: nil)
                == "DIR/z.zone:2: no origin for the relative name mail: set $ORIGIN first or pass an origin")
        #expect(
            try errorText("www.example.com. IN CNAME host\n", origin: nil)
                == "DIR/z.zone:1: no origin for the relative name host: set $ORIGIN first or pass an origin")
        #expect(
            try errorText("@ IN NS ns1.example.com.\n", origin: nil)
                == "DIR/z.zone:1: no origin for the relative name @: set $ORIGIN first or pass an origin")
        #expect(
            try errorText("$ORIGIN sub\n", origin: nil)
                == "DIR/z.zone:1: no origin for the relative name sub: set $ORIGIN first or pass an origin")
    }

    @Test func blankOwnerNeedsAPreviousRecord() throws {
        #expect(
            try errorText("; first record has no owner\n  IN A 192.0.2.1\n")
                == "DIR/z.zone:2: owner name missing: a blank owner repeats the previous record's, and there is none")
    }

    @Test func badDirectivesAreErrors() throws {
        #expect(try errorText("$GENERATE 1-4 host$ A 192.0.2.$\n") == "DIR/z.zone:1: unknown directive $GENERATE")
        #expect(
            try errorText("www IN A 192.0.2.1\n$origin example.net.\n") == "DIR/z.zone:2: unknown directive $origin")
        #expect(
            try errorText("$TTL 1x\n")
                == "DIR/z.zone:1: $TTL 1x is not a TTL: 0 to 2147483647 seconds, or numbers with units such as 1h30m")
        #expect(try errorText("$TTL\n") == "DIR/z.zone:1: $TTL takes one TTL")
        #expect(try errorText("$ORIGIN a. b.\n") == "DIR/z.zone:1: $ORIGIN takes one domain name")
        #expect(try errorText("$ORIGIN a..b.\n") == "DIR/z.zone:1: invalid domain name a..b.")
        #expect(try errorText("$INCLUDE\n") == "DIR/z.zone:1: $INCLUDE takes a file name and optionally an origin")
    }

    @Test func ttlAboveRFC2181LimitIsAnError() throws {
        #expect(
            try errorText("www 2147483648 IN A 192.0.2.1\n")
                == "DIR/z.zone:1: TTL 2147483648 is above 2147483647 (RFC 2181 §8)")
    }

    @Test func rdataDNSWireRejectsIsAnError() throws {
        // libldns accepts an empty CAA tag in RFC 3597 form; DNSWire does not.
        #expect(
            try errorText("www IN CAA \\# 3 000000\n")
                == "DIR/z.zone:1: CAA RDATA not accepted: RDATA field out of range at offset 1")
    }
}
