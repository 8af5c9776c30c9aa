import Foundation

/// One mapping of this process's address space, as `/proc/self/smaps` lists it (proc(5)).
package struct MemoryMapping: Equatable, Sendable {
    package var start: UInt
    package var end: UInt
    package var permissions: String
    /// The file mapped, a pseudo-path such as `[heap]`, or empty for anonymous memory.
    package var path: String
    /// Resident KiB.
    package var resident: Int
    /// KiB of anonymous pages: copy-on-write pages in a file mapping, every page in an
    /// anonymous one.
    package var anonymous: Int
    /// KiB of anonymous memory in transparent huge pages.
    package var anonymousHuge: Int

    /// KiB mapped.
    package var size: Int { Int((end - start) / 1024) }

    /// Read-only, from a file, with no page written: unmapping loses nothing.
    package var isUnwrittenFilePages: Bool { !permissions.contains("w") && anonymous == 0 && !path.isEmpty }

    /// Private writable memory backed by no file: malloc's heaps among it.
    package var isPrivateAnonymous: Bool { permissions == "rw-p" && (path.isEmpty || path == "[heap]") }

    /// This process's mappings now; empty where `/proc` is not available.
    package static func current() -> [MemoryMapping] {
        // Read to the end: `String(contentsOfFile:)` trusts the size `stat` gives, which is 0
        // for a file in /proc, and stops after the first read (about one page of it).
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return [] }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return [] }
        return parse(String(decoding: data, as: UTF8.self))
    }

    /// The mappings in `smaps`, each with its resident and anonymous KiB.
    package static func parse(_ smaps: String) -> [MemoryMapping] {
        var mappings: [MemoryMapping] = []
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-"), fields.count >= 5 {
                let bounds = first.split(separator: "-")
                guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16)
                else { continue }
                let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
                mappings.append(
                    MemoryMapping(
                        start: start, end: end, permissions: String(fields[1]), path: path, resident: 0, anonymous: 0,
                        anonymousHuge: 0))
            } else if fields.count >= 2, let kib = Int(fields[1]), !mappings.isEmpty {
                switch first {
                case "Rss:": mappings[mappings.count - 1].resident = kib
                case "Anonymous:": mappings[mappings.count - 1].anonymous = kib
                case "AnonHugePages:": mappings[mappings.count - 1].anonymousHuge = kib
                default: break
                }
            }
        }
        return mappings
    }
}
