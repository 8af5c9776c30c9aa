import Foundation

/// The `cairn` executable built beside the test bundle (`swift build --build-tests` builds both).
public enum CairnBinary {
    public struct Missing: Error, CustomStringConvertible {
        public var path: String
        public var description: String { "no cairn executable at \(path); run swift build first" }
    }

    public static func path() throws -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        // macOS runs tests from inside an .xctest bundle: climb out of it.
        while directory.path.contains(".xctest") { directory = directory.deletingLastPathComponent() }
        let candidate = directory.appendingPathComponent("cairn").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else { throw Missing(path: candidate) }
        return candidate
    }
}
