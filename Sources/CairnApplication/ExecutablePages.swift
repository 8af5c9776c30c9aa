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
    /// One mapping of `/proc/self/smaps`.
    package struct Mapping: Equatable, Sendable {
        package var start: UInt
        package var end: UInt
        package var permissions: String
        package var path: String
        /// Resident KiB.
        package var resident: Int
        /// KiB of anonymous (copy-on-write) pages in a file mapping.
        package var anonymous: Int

        /// Read-only, from a file, with no page written: unmapping loses nothing.
        package var isUnwrittenFilePages: Bool { !permissions.contains("w") && anonymous == 0 && !path.isEmpty }
    }

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
    private static func unwrittenExecutableMappings() -> [Mapping] {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
            let smaps = try? String(contentsOfFile: "/proc/self/smaps", encoding: .utf8)
        else { return [] }
        return parse(smaps).filter { $0.path == executable && $0.isUnwrittenFilePages }
    }

    /// The mappings in `smaps`, each with its resident and anonymous KiB.
    package static func parse(_ smaps: String) -> [Mapping] {
        var mappings: [Mapping] = []
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), fields.count >= 5 {
                let bounds = first.split(separator: "-")
                guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16)
                else { continue }
                let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
                mappings.append(
                    Mapping(
                        start: start, end: end, permissions: String(fields[1]), path: path, resident: 0, anonymous: 0
                    ))
            } else if fields.count >= 2, let kib = Int(fields[1]), !mappings.isEmpty {
                switch first {
                case "Rss:": mappings[mappings.count - 1].resident = kib
                case "Anonymous:": mappings[mappings.count - 1].anonymous = kib
                default: break
                }
            }
        }
        return mappings
    }
}
