#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Backs the heap that holds a large challenge table with transparent huge pages.
///
/// With millions of names the table is hundreds of MiB of small allocations, and a lookup
/// touches several of them at random: with 4 KiB pages most of those touches also miss the
/// TLB and walk page tables that are themselves out of cache. glibc's `glibc.malloc.hugetlb=1`
/// advises huge pages only for its main heap, while the table is built on other threads' heaps
/// (64 MiB each), so Cairn collapses those itself once the table is built: at 2.4 million names
/// the CPU per query at 20 k qps dropped by about 1 µs (`contrib/bench-scale.sh`).
///
/// Only mappings of private anonymous memory of at least ``minimumKiB`` that are almost all
/// resident are collapsed, so what a huge page adds to the RSS (the pages that were not
/// resident) is small: a thread's stack or a half-used heap is left as it is. At `make bench`'s
/// 10,000 names no mapping qualifies.
package enum HeapHugePages {
    /// The smallest mapping collapsed: 32 MiB, half of one of malloc's thread heaps.
    package static let minimumKiB = 32 * 1024
    /// The least fraction of a mapping resident for it to be collapsed.
    package static let minimumResident = 0.95
    static let hugePageBytes: UInt = 2 * 1024 * 1024

    /// The 2 MiB-aligned ranges of `mappings` to back with huge pages (see the type's
    /// documentation).
    package static func candidates(in mappings: [MemoryMapping]) -> [Range<UInt>] {
        mappings.compactMap { mapping in
            guard mapping.isPrivateAnonymous, mapping.size >= minimumKiB,
                Double(mapping.resident) >= Double(mapping.size) * minimumResident,
                mapping.anonymousHuge < mapping.resident / 2
            else { return nil }
            let start = (mapping.start + hugePageBytes - 1) & ~(hugePageBytes - 1)
            let end = mapping.end & ~(hugePageBytes - 1)
            return start < end ? start..<end : nil
        }
    }

    /// Advises huge pages for the candidate ranges and collapses them now (`MADV_COLLAPSE`,
    /// Linux 6.1); returns the KiB collapsed. Where the kernel cannot collapse, the advice
    /// lets its background thread (khugepaged) do it later, and 0 is returned.
    @discardableResult
    package static func collapse(_ mappings: [MemoryMapping] = MemoryMapping.current()) -> Int {
        #if os(Linux)
            var collapsed = 0
            for range in candidates(in: mappings) {
                guard let address = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { continue }
                let length = Int(range.upperBound - range.lowerBound)
                _ = madvise(address, length, MADV_HUGEPAGE)
                // MADV_COLLAPSE (25): not in glibc 2.36's headers. EAGAIN is a transient failure
                // (a page briefly locked or not yet on an LRU list), which madvise(2) says to retry;
                // the parts already collapsed are skipped the next time.
                for _ in 0..<3 {
                    if madvise(address, length, 25) == 0 {
                        collapsed += length / 1024
                        break
                    }
                    guard errno == EAGAIN else { break }
                }
            }
            return collapsed
        #else
            return 0
        #endif
    }
}
