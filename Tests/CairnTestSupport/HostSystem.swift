import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the test harnesses need to know about the machine to start real daemons.
public enum HostSystem {
    public struct MissingExecutable: Error, CustomStringConvertible {
        public var name: String
        public var description: String { "\(name) not found on PATH, /usr/sbin or /usr/local/sbin" }
    }

    /// The full path of `name`: on PATH, or in the sbin directories daemons live in.
    public static func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/sbin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw MissingExecutable(name: name)
    }

    /// `user:group` of this process, so a daemon such as Knot does not try to switch to another
    /// user (root:root is Knot's default).
    public static func currentUser() -> String {
        let user = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"
        let group = getgrgid(getgid()).map { String(cString: $0.pointee.gr_name) } ?? "root"
        return "\(user):\(group)"
    }
}
