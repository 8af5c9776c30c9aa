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
}
