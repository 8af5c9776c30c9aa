import CairnApplication
import Testing

/// Releasing the pages of the executable that start-up mapped: run on this test process's own
/// executable, read back from `/proc/self/smaps`.
@Suite struct ExecutablePagesTests {
    @Test func releaseUnmapsTheExecutablesUnwrittenPagesAndTheyComeBackOnUse() throws {
        let before = ExecutablePages.resident()
        try #require(before > 1024, "the test executable has \(before) KiB of read-only pages resident")
        let released = ExecutablePages.release()
        let after = ExecutablePages.resident()
        #expect(released >= before / 2, "released \(released) KiB of \(before)")
        #expect(after < before / 2, "\(after) KiB still resident of \(before)")
    }

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
            7f0000100000-7f0000200000 r--p 00000000 fe:00 77                         /opt/my zones/a b.zone
            Rss:                   8 kB
            Anonymous:             0 kB
            """
        let mappings = ExecutablePages.parse(smaps)
        #expect(mappings.map(\.resident) == [39012, 1416, 1700, 132, 8])
        #expect(mappings.map(\.anonymous) == [0, 1416, 600, 132, 0])
        #expect(mappings.map(\.isUnwrittenFilePages) == [true, false, false, false, true])
        #expect(mappings[0].start == 0x55d0_c000_0000 && mappings[0].end == 0x55d0_c354_8000)
        #expect(mappings[4].path == "/opt/my zones/a b.zone")
        #expect(mappings[3].path.isEmpty)
    }
}
