import CairnApplication
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// This process's mappings, read from `/proc/self/smaps`.
@Suite struct MemoryMappingTests {
    @Test func smapsGiveEachMappingItsResidentAndAnonymousKiB() {
        let smaps = """
            55d0c0000000-55d0c3548000 r-xp 00000000 fe:00 5318895                    /usr/local/bin/cairn
            Size:              54560 kB
            Rss:               39012 kB
            Anonymous:             0 kB
            55d0c3548000-55d0c36aa000 r--p 03548000 fe:00 5318895                    /usr/local/bin/cairn
            Rss:                1416 kB
            Anonymous:          1416 kB
            55d0c36aa000-55d0c5c6f000 rw-p 036aa000 fe:00 5318895                    /usr/local/bin/cairn
            Rss:                1700 kB
            Anonymous:           600 kB
            7f0000000000-7f0000021000 rw-p 00000000 00:00 0
            Rss:                 132 kB
            Anonymous:           132 kB
            AnonHugePages:         0 kB
            7f0000100000-7f0000200000 r--p 00000000 fe:00 77                         /opt/my zones/a b.zone
            Rss:                   8 kB
            Anonymous:             0 kB
            7f0004000000-7f0008000000 rw-p 00000000 00:00 0
            Rss:               65536 kB
            Anonymous:         65536 kB
            AnonHugePages:     63488 kB
            VmFlags: rd wr mr mw me nr hg
            """
        let mappings = MemoryMapping.parse(smaps)
        #expect(mappings.map(\.resident) == [39012, 1416, 1700, 132, 8, 65536])
        #expect(mappings.map(\.anonymous) == [0, 1416, 600, 132, 0, 65536])
        #expect(mappings.map(\.anonymousHuge) == [0, 0, 0, 0, 0, 63488])
        #expect(mappings.map(\.isUnwrittenFilePages) == [true, false, false, false, true, false])
        #expect(mappings.map(\.isPrivateAnonymous) == [false, false, false, true, false, true])
        #expect(mappings[0].start == 0x55d0_c000_0000 && mappings[0].end == 0x55d0_c354_8000)
        #expect(mappings[5].size == 65536)
        #expect(mappings[4].path == "/opt/my zones/a b.zone")
        #expect(mappings[3].path.isEmpty)
    }

    /// `/proc/self/smaps` reports a size of 0: a reader that trusts it gets the first page of a
    /// file that lists every mapping (hundreds of KiB in a large process).
    @Test func theCurrentMappingsAreReadToTheEnd() throws {
        #if os(Linux)
            let length = 8 << 20
            let region = try #require(
                mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), "mmap")
            defer { munmap(region, length) }
            try #require(region != MAP_FAILED, "mmap")
            region.initializeMemory(as: UInt8.self, repeating: 1, count: length)
            let address = UInt(bitPattern: region)
            let mappings = MemoryMapping.current()
            let holding = mappings.first { $0.start <= address && address < $0.end }
            #expect(holding != nil, "no mapping of \(mappings.count) holds the region at \(address)")
            #expect((holding?.resident ?? 0) >= length / 1024)
            #expect(mappings.contains { $0.path == "[stack]" }, "the main thread's stack, mapped near the top")
        #else
            print("MemoryMappingTests: /proc/self/smaps is Linux's; not run here")
        #endif
    }
}
