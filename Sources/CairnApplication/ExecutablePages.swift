import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The pages of the running executable that start-up mapped and serving does not use.
///
/// Start-up maps far more of the binary than answering queries touches: the dynamic loader
/// walks the whole relocation and symbol tables, configuration, zone loading and the restore
/// run once, and each page fault also maps up to 15 neighbouring pages that readahead already
/// put in the page cache (the kernel's fault-around). On `make bench`'s zone 39 MiB of the
/// static binary were resident after start-up; once released, serving maps about 21 again.
///
/// ``release()`` unmaps this process's pages of the executable's read-only mappings that were
/// never written (no copy-on-write page, so the file holds exactly what was mapped). A page
/// used again is mapped again from the page cache on its next touch, a minor fault. The page
/// cache itself is left as it is: this changes what the process maps, not what the system
/// caches.
package enum ExecutablePages {
    /// Unmaps the executable's unwritten read-only pages from this process (see the type's
    /// documentation) and returns how many KiB were resident in them; 0 where `/proc` or
    /// `madvise` is not available.
    @discardableResult
    package static func release() -> Int {
        #if os(Linux)
            var released = 0
            for mapping in unwrittenExecutableMappings() {
                guard let address = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
                if madvise(address, Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 {
                    released += mapping.resident
                }
            }
            return released
        #else
            return 0
        #endif
    }

    /// KiB of the executable's unwritten read-only mappings resident now.
    package static func resident() -> Int {
        unwrittenExecutableMappings().reduce(0) { $0 + $1.resident }
    }

    /// This process's mappings of its executable that are read-only and hold no written page.
    private static func unwrittenExecutableMappings() -> [MemoryMapping] {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return []
        }
        return MemoryMapping.current().filter { $0.path == executable && $0.isUnwrittenFilePages }
    }
}
