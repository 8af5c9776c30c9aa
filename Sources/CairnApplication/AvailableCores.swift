import Foundation
import NIOCore

/// The number of cores this process may run on.
///
/// NIO's `System.coreCount` counts the machine's cores; a server started under `taskset`, in a
/// cpuset or by systemd with `CPUAffinity=` may use fewer. One UDP socket per usable core keeps
/// two event loops from taking turns on one core (measured with ../shared/bench pinned to one
/// core: 107k → 136k queries per second, 15.9 → 14.9 µs of CPU per query).
package enum AvailableCores {
    package static var count: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }),
            let allowed = cpuCount(list: line.dropFirst("Cpus_allowed_list:".count)),
            allowed > 0
        else { return System.coreCount }
        return min(allowed, System.coreCount)
    }

    /// Counts the CPUs in a Linux CPU list such as `0-3,8,10-11` (cpuset(7) "List format").
    package static func cpuCount(list: Substring) -> Int? {
        var total = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard bounds[0] != nil else { return nil }
                total += 1
            case 2:
                guard let low = bounds[0], let high = bounds[1], low <= high else { return nil }
                total += high - low + 1
            default:
                return nil
            }
        }
        return total
    }
}
