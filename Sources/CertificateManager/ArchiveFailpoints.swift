/// Points inside ``CertificateArchive/install(_:name:group:)`` where a test can stop an install
/// as a crash would: a failpoint that throws leaves the files exactly as they are at that point
/// (nothing is cleaned up on the way out), and the manager's crash tests can make the process
/// exit there instead (e.g. wired to `CAIRN_FAILPOINT=beforeSwap`).
package struct ArchiveFailpoints: Sendable {
    /// A named point of an install, in the order they are reached.
    package struct Point: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        package var rawValue: String
        package init(rawValue: String) { self.rawValue = rawValue }

        /// Some of the new version's files are written, in its temporary directory.
        package static let versionPartlyWritten = Self(rawValue: "versionPartlyWritten")
        /// The new version directory is complete, synced and has its final name; `live` still
        /// points at the previous version.
        package static let afterVersionWritten = Self(rawValue: "afterVersionWritten")
        /// The temporary link to the new version exists; it has not been renamed over `live/NAME`.
        package static let beforeSwap = Self(rawValue: "beforeSwap")
        /// `live/NAME` points at the new version; old versions are not pruned yet.
        package static let afterSwap = Self(rawValue: "afterSwap")

        /// Every point, in the order an install reaches them.
        package static let all: [Self] = [.versionPartlyWritten, .afterVersionWritten, .beforeSwap, .afterSwap]

        package var description: String { rawValue }
    }

    private let body: @Sendable (Point) throws(CertificateManagerError) -> Void

    /// Calls `body` at every point; an error it throws ends the install there.
    package init(_ body: @escaping @Sendable (Point) throws(CertificateManagerError) -> Void) {
        self.body = body
    }

    /// No failpoints: what production uses.
    package static let none = Self { _ in }

    func reach(_ point: Point) throws(CertificateManagerError) {
        try body(point)
    }
}
