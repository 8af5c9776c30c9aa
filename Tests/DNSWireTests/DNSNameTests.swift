import NIOCore
import Testing

@testable import DNSWire

/// A label of `count` copies of `character`, in presentation form.
private func label(_ count: Int, _ character: Character = "a") -> String {
    String(repeating: character, count: count)
}

/// Parses through the throwing initialiser; `DNSName("literal")` would be literal coercion and trap.
private func parse(_ text: String) throws -> DNSName {
    try DNSName(text)
}

@Suite struct DNSNamePresentationParsingTests {
    @Test func parsingManyGivesWhatParsingEachGives() throws {
        // Enough names to fill several shared chunks, with escapes, errors and edge lengths mixed in.
        var texts: [String] = (0..<5_000).map { "n\($0).auth.example.test" }
        texts += [
            "Example.COM.", "a\\.b.example", "x\\065y.example", "", "..", "a..b", ".", "-",
            String(repeating: "a", count: 63) + ".test",
            String(repeating: "a", count: 64) + ".test",
            (0..<4).map { _ in String(repeating: "b", count: 63) }.joined(separator: ".") + ".",
            (0..<4).map { _ in String(repeating: "b", count: 63) }.joined(separator: ".") + ".c",
        ]
        texts.shuffle()
        let many = DNSName.parsingMany(texts)
        #expect(many.count == texts.count)
        for (text, name) in zip(texts, many) {
            let one = try? DNSName(text)
            #expect(name == one, "\(text)")
            #expect(
                name.map { Array($0.wire.readableBytesView) } == one.map { Array($0.wire.readableBytesView) }, "\(text)"
            )
        }
    }

    /// A name keeps its chunk alive: a batch of one name (an API update) must not take a 64 KiB
    /// chunk, which the table and its expiry index would keep for as long as they hold the name
    /// (found in a heap profile of `make soak`).
    @Test func aSmallBatchTakesASmallChunk() {
        let one = DNSName.parsingMany(["2f1c-update.auth.example.test"])
        #expect((one.first??.wire.storageCapacity ?? .max) <= 64)
        let many = DNSName.parsingMany((0..<10_000).map { "name-\($0).auth.example.test" })
        #expect(many.allSatisfy { $0 != nil })
        #expect(Set(many.map { $0!.wire.storageCapacity }).max() ?? 0 <= 64 << 10)
    }

    @Test func parsesLabelsIntoWireForm() throws {
        let name = try parse("www.example.com")
        #expect(name.wireBytes == [3] + Array("www".utf8) + [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0])
        #expect(name.labelCount == 3)
        #expect(name.labels == [Array("www".utf8), Array("example".utf8), Array("com".utf8)])
        #expect(name.wireLength == 17)
    }

    @Test func trailingDotIsOptional() throws {
        let relativeLooking = try parse("example.com")
        let absolute = try parse("example.com.")
        #expect(relativeLooking.wireBytes == absolute.wireBytes)
    }

    @Test func singleDotIsRoot() throws {
        let root = try parse(".")
        #expect(root.isRoot)
        #expect(root.wireBytes == [0])
        #expect(root.labelCount == 0)
        #expect(root == DNSName.root)
        #expect(root.description == ".")
    }

    @Test func escapedDotStaysInsideLabel() throws {
        let name = try parse(#"a\.b.example.com"#)
        #expect(name.labelCount == 3)
        #expect(name.labels.first == Array("a.b".utf8))
    }

    @Test func escapedBackslashStaysInsideLabel() throws {
        let name = try parse(#"a\\b.example"#)
        #expect(name.labels.first == [UInt8(ascii: "a"), UInt8(ascii: "\\"), UInt8(ascii: "b")])
    }

    @Test func decimalEscapeGivesThatOctet() throws {
        let name = try parse(#"\065b\000\255.example"#)
        #expect(name.labels.first == [65, UInt8(ascii: "b"), 0, 255])
    }

    @Test(arguments: [
        #"\256.example"#,  // above 255
        #"ab\12"#,  // too few digits at the end
        #"a\1x2.example"#,  // non-digit inside \DDD
        #"example\"#,  // dangling backslash
    ])
    func badEscapeIsInvalidSyntax(_ text: String) {
        #expect(throws: DNSWireError(.invalidNameSyntax, at: 0)) { try DNSName(text) }
    }

    @Test(arguments: ["", "..", ".com", "a..com", "example.com.."])
    func emptyLabelIsInvalidSyntax(_ text: String) {
        #expect(throws: DNSWireError(.invalidNameSyntax, at: 0)) { try DNSName(text) }
    }

    @Test func labelOf63OctetsIsAccepted() throws {
        let name = try DNSName(label(63) + ".example")
        #expect(name.labels.first?.count == 63)
    }

    @Test func labelOf64OctetsIsLabelTooLong() {
        #expect(throws: DNSWireError(.labelTooLong, at: 0)) { try DNSName(label(64) + ".example") }
        #expect(throws: DNSWireError(.labelTooLong, at: 0)) { try parse("example." + label(64)) }
    }

    @Test func escapedOctetsCountTowardsLabelLength() throws {
        // 63 octets written as \DDD escapes (4 characters each) are still 63 octets.
        let name = try DNSName(String(repeating: #"\097"#, count: 63))
        #expect(name.labels.first == [UInt8](repeating: 97, count: 63))
        #expect(throws: DNSWireError(.labelTooLong, at: 0)) {
            try DNSName(String(repeating: #"\097"#, count: 64))
        }
    }

    @Test func nameOf255OctetsIsAccepted() throws {
        // 3 × (1 + 63) + (1 + 61) + 1 = 255
        let name = try DNSName([label(63), label(63), label(63), label(61)].joined(separator: "."))
        #expect(name.wireLength == 255)
        #expect(name.wireLength == DNSName.maximumWireLength)
    }

    @Test func nameOf256OctetsIsNameTooLong() {
        // 3 × (1 + 63) + (1 + 62) + 1 = 256
        #expect(throws: DNSWireError(.nameTooLong, at: 0)) {
            try DNSName([label(63), label(63), label(63), label(62)].joined(separator: "."))
        }
    }
}

@Suite struct DNSNameWireFormTests {
    @Test func acceptsValidWireBytes() throws {
        let name = try DNSName(wireBytes: [1, UInt8(ascii: "a"), 0])
        #expect(name == (try parse("a")))
    }

    @Test func rejectsMalformedWireBytes() {
        #expect(throws: DNSWireError(.truncated, at: 0)) { try DNSName(wireBytes: []) }
        #expect(throws: DNSWireError(.truncated, at: 0)) { try DNSName(wireBytes: [3, 0x61]) }
        #expect(throws: DNSWireError(.labelTooLong, at: 0)) { try DNSName(wireBytes: [0xC0, 0x0C]) }
        #expect(throws: DNSWireError(.trailingBytes, at: 0)) { try DNSName(wireBytes: [1, 0x61, 0, 0]) }
        let longWire = [UInt8](repeating: 1, count: 256)
        #expect(throws: DNSWireError(.nameTooLong, at: 0)) { try DNSName(wireBytes: longWire) }
    }
}

@Suite struct DNSNameDescriptionTests {
    @Test func hasTrailingDot() throws {
        #expect(try parse("www.example.com").description == "www.example.com.")
    }

    @Test func keepsOriginalCase() throws {
        #expect(try parse("WwW.ExAmple.COM").description == "WwW.ExAmple.COM.")
    }

    @Test func escapesSpecialAndNonPrintableOctets() throws {
        let name = try DNSName(wireBytes: [7, 0x2E, 0x5C, 0x20, 0x00, 0x7F, 0xFF, 0x40, 3] + Array("com".utf8) + [0])
        #expect(name.description == #"\.\\\032\000\127\255\@.com."#)
        #expect(try parse(#"a\(b\)\;\"\$"#).description == #"a\(b\)\;\"\$."#)
    }

    @Test(arguments: [
        "example.com", #"a\.b.example.com"#, #"back\\slash.test"#, #"sp\032ace.test"#, #"\000\001\255.test"#,
        #"\@.\$.\;.\(.\).\""#, "*.wild.test", "MiXeD.CaSe.TeSt", ".",
    ])
    func descriptionRoundTripsToSameWire(_ text: String) throws {
        let name = try DNSName(text)
        let reparsed = try DNSName(name.description)
        #expect(reparsed.wireBytes == name.wireBytes)
    }

    @Test func debugDescriptionNamesTheType() throws {
        #expect(try parse("example.com").debugDescription == "DNSName(example.com.)")
    }
}

@Suite struct DNSNameEqualityTests {
    @Test func mixedCaseNamesAreEqualAndHashAlike() throws {
        // Long enough to exercise both the 8-octet words and the tail of the hash and comparison.
        let lower = try parse("www.some-long-zone-name.example.com")
        let mixed = try parse("WwW.Some-LONG-zone-Name.ExAmPlE.cOm")
        #expect(lower == mixed)
        #expect(lower.hashValue == mixed.hashValue)
        #expect(Set([lower, mixed]).count == 1)
        #expect(mixed.wireBytes != lower.wireBytes, "case is preserved in storage")
    }

    @Test func shortMixedCaseNamesAreEqualAndHashAlike() throws {
        let a = try parse("A.b")
        let b = try parse("a.B")
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
    }

    @Test func differentNamesAreNotEqual() throws {
        #expect(try parse("example.com") != parse("example.org"))
        #expect(try parse("a.example.com") != parse("example.com"))
        #expect(try parse("ab.c") != parse("a.bc"))
    }

    /// Octets that differ from a letter only in bit 0x20, but are not letters, must not fold.
    @Test(arguments: [
        (#"\@\@\@\@\@\@\@\@\@.x"#, "`````````.x"),
        ("[[[[[[[[[.x", "{{{{{{{{{.x"),
        (#"\193\193\193\193\193\193\193\193\193.x"#, #"\225\225\225\225\225\225\225\225\225.x"#),
        ("^^^^^^^^^.x", "~~~~~~~~~.x"),
        (#"\@.x"#, "`.x"),
        ("]", "}"),
    ])
    func nonLettersDoNotFoldCase(_ pair: (String, String)) throws {
        let left = try DNSName(pair.0)
        let right = try DNSName(pair.1)
        #expect(left.wireLength == right.wireLength)
        #expect(left != right)
    }

    /// Names are compared and hashed a word at a time, the last partial word loaded in pieces:
    /// a case difference at any octet of any length is equal, any other difference is not.
    @Test func everyOctetOfEveryLengthIsCompared() throws {
        for length in 1...20 {
            let plain = [UInt8(length)] + [UInt8](repeating: UInt8(ascii: "a"), count: length) + [0]
            let name = try DNSName(wireBytes: plain)
            for position in 1...length {
                var upper = plain
                upper[position] = UInt8(ascii: "A")
                var other = plain
                other[position] = UInt8(ascii: "b")
                let upperName = try DNSName(wireBytes: upper)
                #expect(name == upperName, "length \(length), octet \(position)")
                #expect(name.hashValue == upperName.hashValue, "length \(length), octet \(position)")
                #expect(name != (try DNSName(wireBytes: other)), "length \(length), octet \(position)")
            }
        }
    }

    @Test func everyLetterFoldsAndNothingElseDoes() throws {
        for byte in UInt8(0x01)...UInt8(0xFF) {
            let name = try DNSName(wireBytes: [9] + [UInt8](repeating: byte, count: 9) + [0])
            let isUpper = byte >= 0x41 && byte <= 0x5A
            let isLower = byte >= 0x61 && byte <= 0x7A
            let flipped = try DNSName(wireBytes: [9] + [UInt8](repeating: byte ^ 0x20, count: 9) + [0])
            #expect((name == flipped) == (isUpper || isLower), "octet \(byte)")
            if isUpper || isLower { #expect(name.hashValue == flipped.hashValue, "octet \(byte)") }
        }
    }
}

@Suite struct DNSNameHierarchyTests {
    @Test(arguments: [
        ("www.example.com", "example.com", true),
        ("example.com", "example.com", true),
        ("a.b.c.example.com", "example.com", true),
        ("WWW.EXAMPLE.com", "example.COM", true),
        ("example.com", ".", true),
        (".", ".", true),
        ("xexample.com", "example.com", false),
        ("example.com", "www.example.com", false),
        ("com", "example.com", false),
        ("example.org", "example.com", false),
        (#"x\007example.com"#, "example.com", false),  // the wire suffix matches, but not at a label boundary
        ("example.com.x", "example.com", false),
        (".", "com", false),
    ])
    func isSubdomain(_ testCase: (String, String, Bool)) throws {
        let name = try DNSName(testCase.0)
        let other = try DNSName(testCase.1)
        #expect(name.isSubdomain(of: other) == testCase.2)
    }

    @Test func parentDropsLeftmostLabel() throws {
        let name = try parse("www.example.com")
        #expect(name.parent == (try parse("example.com")))
        #expect(name.parent?.parent == (try parse("com")))
        #expect(name.parent?.parent?.parent == DNSName.root)
        #expect(DNSName.root.parent == nil)
    }

    @Test func suffixKeepsRightmostLabels() throws {
        let name = try parse("a.b.example.com")
        #expect(name.suffix(labelCount: 2) == (try parse("example.com")))
        #expect(name.suffix(labelCount: 0) == DNSName.root)
        #expect(name.suffix(labelCount: 4) == name)
        #expect(name.suffix(labelCount: 9) == name)
        #expect(name.suffix(labelCount: 2).wireBytes == (try parse("example.com")).wireBytes)
    }

    @Test func prependingLabel() throws {
        let zone = try parse("example.com")
        let name = try zone.prepending(label: Array("www".utf8))
        #expect(name.wireBytes == (try parse("www.example.com")).wireBytes)
        #expect(try DNSName.root.prepending(label: Array("com".utf8)) == parse("com"))
        #expect(try zone.prepending(label: [UInt8](repeating: 0x61, count: 63)).labelCount == 3)
    }

    @Test func prependingLabelChecksLimits() throws {
        let zone = try parse("example.com")
        #expect(throws: DNSWireError(.invalidNameSyntax, at: 0)) { try zone.prepending(label: [UInt8]()) }
        #expect(throws: DNSWireError(.labelTooLong, at: 0)) {
            try zone.prepending(label: [UInt8](repeating: 0x61, count: 64))
        }
        // 191 + 64 = 255 fits; one more octet does not.
        let base = try DNSName([label(63), label(63), label(61)].joined(separator: "."))
        #expect(base.wireLength == 191)
        #expect(try base.prepending(label: [UInt8](repeating: 0x62, count: 63)).wireLength == 255)
        let longer = try DNSName([label(63), label(63), label(62)].joined(separator: "."))
        #expect(throws: DNSWireError(.nameTooLong, at: 0)) {
            try longer.prepending(label: [UInt8](repeating: 0x62, count: 63))
        }
    }

    @Test func prependingRelativeName() throws {
        let zone = try parse("example.com")
        let relative = try parse("a.b")
        let name = try zone.prepending(relative)
        #expect(name.wireBytes == (try parse("a.b.example.com")).wireBytes)
        #expect(try zone.prepending(DNSName.root) == zone)
        #expect(try DNSName.root.prepending(relative) == relative)
    }

    @Test func prependingRelativeNameChecksLength() throws {
        let left = try DNSName([label(63), label(63)].joined(separator: "."))  // 129 octets
        let fits = try DNSName([label(63), label(61)].joined(separator: "."))  // 127: 128 + 127 = 255
        #expect(try fits.prepending(left).wireLength == 255)
        let tooLong = try DNSName([label(63), label(62)].joined(separator: "."))
        #expect(throws: DNSWireError(.nameTooLong, at: 0)) { try tooLong.prepending(left) }
    }

    @Test func lowercasedFoldsOnlyLetters() throws {
        let name = try parse(#"WwW-1.Ex\@\[\193.COM"#)
        let lowered = name.lowercased
        #expect(lowered.wireBytes == (try parse(#"www-1.ex\@\[\193.com"#)).wireBytes)
        #expect(lowered == name)
    }

    @Test(arguments: [
        ("*.example.com", true),
        ("*", true),
        ("*x.example.com", false),
        ("a.*.example.com", false),
        ("x.example.com", false),
        (".", false),
    ])
    func isWildcard(_ testCase: (String, Bool)) throws {
        #expect(try DNSName(testCase.0).isWildcard == testCase.1)
    }
}
