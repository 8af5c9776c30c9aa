import Foundation
import Testing

@testable import CairnApplication

#if canImport(Glibc)
    import Glibc
#endif

/// Transparent huge pages for the heap of a large challenge table.
@Suite struct HeapHugePagesTests {
    static func mapping(
        _ start: UInt, kib: Int, resident: Int, huge: Int = 0, permissions: String = "rw-p", path: String = ""
    ) -> MemoryMapping {
        MemoryMapping(
            start: start, end: start + UInt(kib) * 1024, permissions: permissions, path: path, resident: resident,
            anonymous: path.isEmpty ? resident : 0, anonymousHuge: huge)
    }

    @Test func onlyLargeAlmostWhollyResidentAnonymousMappingsAreCollapsed() {
        let mib: UInt = 1 << 20
        let candidates = HeapHugePages.candidates(in: [
            // A thread heap of malloc's, full: collapsed from its first to its last 2 MiB boundary.
            Self.mapping(0x7f00_0000_0000 + mib, kib: 65536, resident: 65536),
            // Half resident: a huge page would double what it holds.
            Self.mapping(0x7f01_0000_0000, kib: 65536, resident: 32768),
            // Too small (a thread's stack, a small heap).
            Self.mapping(0x7f02_0000_0000, kib: 8192, resident: 8192),
            // A file, even if written to.
            Self.mapping(0x7f03_0000_0000, kib: 65536, resident: 65536, path: "/var/lib/cairn/cairn.sqlite-shm"),
            // Read-only, or shared.
            Self.mapping(0x7f04_0000_0000, kib: 65536, resident: 65536, permissions: "r--p"),
            Self.mapping(0x7f05_0000_0000, kib: 65536, resident: 65536, permissions: "rw-s"),
            // Already in huge pages.
            Self.mapping(0x7f06_0000_0000, kib: 65536, resident: 65536, huge: 61440),
            // The main heap, full.
            Self.mapping(0x5600_0000_0000, kib: 40960, resident: 40000, path: "[heap]"),
        ])
        #expect(
            candidates == [
                (0x7f00_0000_0000 + 2 * mib)..<(0x7f00_0000_0000 + 64 * mib),
                0x5600_0000_0000..<(0x5600_0000_0000 + 40 * mib),
            ])
    }

    /// A full 64 MiB region of this process, collapsed for real where the kernel allows it.
    @Test func aFullRegionIsBackedWithHugePages() throws {
        #if os(Linux)
            let setting = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8))
            guard let setting, !setting.contains("[never]") else {
                print("HeapHugePagesTests: transparent huge pages are off here (\(setting ?? "no setting")); not run")
                return
            }
            let length = 66 << 20
            let region = try #require(mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
            defer { munmap(region, length) }
            try #require(region != MAP_FAILED, "mmap")
            region.initializeMemory(as: UInt8.self, repeating: 1, count: length)
            let address = UInt(bitPattern: region)
            let inRegion = { (mappings: [MemoryMapping]) in
                mappings.filter { $0.start <= address && address < $0.end }
            }
            let before = inRegion(MemoryMapping.current())
            try #require(before.count == 1 && before[0].anonymousHuge == 0, "\(before)")
            let collapsed = HeapHugePages.collapse(before)
            let failure = errno
            let after = inRegion(MemoryMapping.current())
            #expect(collapsed >= 64 * 1024, "collapsed \(collapsed) KiB (errno \(failure))")
            #expect(after.reduce(0) { $0 + $1.anonymousHuge } >= 64 * 1024, "\(after)")
            #expect(region.load(fromByteOffset: length - 1, as: UInt8.self) == 1, "the data is kept")
        #else
            print("HeapHugePagesTests: transparent huge pages are Linux's; not run here")
        #endif
    }
}
