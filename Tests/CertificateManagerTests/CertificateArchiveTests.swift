import ACMEClient
import CairnTestSupport
import Foundation
import SwiftASN1
import Synchronization
import SystemPackage
import Testing
import X509

@testable import CertificateManager

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Versioned certificate files under `archive/`, and `live/NAME` swapped atomically to the
/// newest complete set, whatever point an install is interrupted at.
@Suite struct CertificateArchiveTests {
    static let name = "example.test"

    @Test func installsEachVersionAndPointsLiveAtTheNewestCompleteSet() async throws {
        try await withTemporaryDirectory { directory in
            let archive = CertificateArchive(directory: directory.path)
            let first = try TestCertificates.issued()
            let second = try TestCertificates.issued()

            let installedFirst = try archive.install(first, name: Self.name, group: nil)
            #expect(installedFirst.version == 1)
            let installedSecond = try archive.install(second, name: Self.name, group: nil)
            #expect(installedSecond.version == 2)
            #expect(installedSecond.paths == (try archive.livePaths(name: Self.name)))
            #expect(installedSecond.paths.directory == directory.file("live/\(Self.name)"))
            #expect(installedSecond.versionPaths.directory == directory.file("archive/\(Self.name)/0002"))

            let link = try FileManager.default.destinationOfSymbolicLink(atPath: directory.file("live/\(Self.name)"))
            #expect(link == "../archive/\(Self.name)/0002")
            #expect(try archive.versions(name: Self.name) == [1, 2])

            // The stable paths name the second set, all four files of it.
            let live = installedSecond.paths
            try Self.expectFiles(at: live, hold: second)
            // The first set is still there, unchanged.
            try Self.expectFiles(
                at: CertificatePaths(directory: directory.file("archive/\(Self.name)/0001")), hold: first)

            let current = try #require(try archive.current(name: Self.name))
            #expect(current.version == 2)
            #expect(current.name == Self.name)
            #expect(current.leaf == second.chain.leaf)
            #expect(current.paths == live)
            let key = try #require(try archive.currentPrivateKeyPEM(name: Self.name))
            #expect(try TestCertificates.key(key, matches: current.leaf))
        }
    }

    @Test func nothingIsCurrentBeforeTheFirstInstall() async throws {
        try await withTemporaryDirectory { directory throws in
            let archive = CertificateArchive(directory: directory.path)
            #expect(try archive.current(name: Self.name) == nil)
            #expect(try archive.currentPrivateKeyPEM(name: Self.name) == nil)
            #expect(try archive.versions(name: Self.name) == [])
        }
    }

    @Test func certificatesAreWorldReadableAndTheKeyOwnerOnly() async throws {
        try await withTemporaryDirectory { directory in
            let archive = CertificateArchive(directory: directory.path)
            let installed = try archive.install(try TestCertificates.issued(), name: Self.name, group: nil)
            let files = installed.versionPaths
            #expect(try Self.mode(files.certificate) == 0o644)
            #expect(try Self.mode(files.chain) == 0o644)
            #expect(try Self.mode(files.fullChain) == 0o644)
            #expect(try Self.mode(files.privateKey) == 0o600)
            // Directories can be traversed by a server in the key's group.
            for path in ["archive", "archive/\(Self.name)", "archive/\(Self.name)/0001", "live"] {
                #expect(try Self.mode(directory.file(path)) == 0o755, "\(path)")
            }
            #expect(try Self.group(files.privateKey) == getegid())
        }
    }

    @Test func theKeyIsReadableByTheConfiguredGroup() async throws {
        try await withTemporaryDirectory { directory in
            let group = Self.groupOtherThanOurOwn()
            let archive = CertificateArchive(directory: directory.path)
            let installed = try archive.install(try TestCertificates.issued(), name: Self.name, group: group)
            #expect(try Self.mode(installed.versionPaths.privateKey) == 0o640)
            #expect(try Self.group(installed.versionPaths.privateKey) == group)
            #expect(try Self.mode(installed.versionPaths.certificate) == 0o644)
        }
    }

    @Test func keepsTheNewestVersionsOnly() async throws {
        try await withTemporaryDirectory { directory in
            let archive = CertificateArchive(directory: directory.path, versionsKept: 3)
            var last: IssuedCertificate?
            for _ in 1...5 {
                let issued = try TestCertificates.issued()
                try archive.install(issued, name: Self.name, group: nil)
                last = issued
            }
            #expect(try archive.versions(name: Self.name) == [3, 4, 5])
            #expect(try archive.current(name: Self.name)?.version == 5)
            try Self.expectFiles(at: try archive.livePaths(name: Self.name), hold: try #require(last))
        }
    }

    @Test func keepingOneVersionKeepsTheLiveOne() async throws {
        try await withTemporaryDirectory { directory in
            let archive = CertificateArchive(directory: directory.path, versionsKept: 1)
            for version in 1...3 {
                let issued = try TestCertificates.issued()
                try archive.install(issued, name: Self.name, group: nil)
                #expect(try archive.versions(name: Self.name) == [version])
                try Self.expectFiles(at: try archive.livePaths(name: Self.name), hold: issued)
            }
        }
    }

    @Test func keepsTheDefaultNumberOfVersions() async throws {
        try await withTemporaryDirectory { directory in
            let archive = CertificateArchive(directory: directory.path)
            #expect(archive.versionsKept == 5)
            for _ in 1...7 { try archive.install(try TestCertificates.issued(), name: Self.name, group: nil) }
            #expect(try archive.versions(name: Self.name) == [3, 4, 5, 6, 7])
        }
    }

    /// An install stopped at `point` (as a crash would stop it: nothing cleaned up) leaves a
    /// complete set live — the previous one, or the new one once the link was renamed — and
    /// the next install cleans up and succeeds.
    @Test(arguments: ArchiveFailpoints.Point.all)
    func anInstallStoppedAtAnyPointLeavesACompleteSetLive(point: ArchiveFailpoints.Point) async throws {
        try await withTemporaryDirectory { directory in
            let archive = CertificateArchive(directory: directory.path)
            let previous = try TestCertificates.issued()
            try archive.install(previous, name: Self.name, group: nil)

            let crashing = CertificateArchive(
                directory: directory.path,
                failpoints: ArchiveFailpoints { reached throws(CertificateManagerError) in
                    if reached == point { throw CertificateManagerError(.fileWrite, "simulated crash at \(point)") }
                })
            let interrupted = try TestCertificates.issued()
            #expect(throws: CertificateManagerError(.fileWrite)) {
                try crashing.install(interrupted, name: Self.name, group: nil)
            }

            let swapped = point == .afterSwap
            let live = try archive.livePaths(name: Self.name)
            try Self.expectFiles(at: live, hold: swapped ? interrupted : previous)
            #expect(try archive.current(name: Self.name)?.version == (swapped ? 2 : 1))
            // The leftovers a crash at this point leaves.
            let partial = directory.file("archive/\(Self.name)/.partial-0002")
            let temporaryLink = directory.file("live/.\(Self.name).tmp")
            #expect(FileManager.default.fileExists(atPath: partial) == (point == .versionPartlyWritten))
            #expect(Self.linkExists(temporaryLink) == (point == .beforeSwap))
            if point == .afterSwap {
                #expect(try archive.versions(name: Self.name) == [1, 2])
            }

            let next = try TestCertificates.issued()
            let installed = try archive.install(next, name: Self.name, group: nil)
            // A half-written version is removed and its number reused; a complete one is kept.
            #expect(installed.version == (point == .versionPartlyWritten ? 2 : 3))
            try Self.expectFiles(at: live, hold: next)
            #expect(!FileManager.default.fileExists(atPath: partial))
            #expect(!Self.linkExists(temporaryLink))
            let hidden = try FileManager.default.contentsOfDirectory(atPath: directory.file("archive/\(Self.name)"))
                .filter { $0.hasPrefix(".") }
            #expect(hidden == [".lock"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("live")) == [Self.name])
        }
    }

    /// Every step of an install runs under the exclusive lock on `archive/NAME/.lock`, so two
    /// installs of one name (in two processes too) never interleave.
    @Test func anInstallHoldsTheLockOfItsName() async throws {
        try await withTemporaryDirectory { directory in
            let lockPath = directory.file("archive/\(Self.name)/.lock")
            let checked = Atomic<Int>(0)
            let archive = CertificateArchive(
                directory: directory.path,
                failpoints: ArchiveFailpoints { point throws(CertificateManagerError) in
                    // A second open file description, as another process would have.
                    let descriptor = open(lockPath, O_RDWR)
                    defer { close(descriptor) }
                    guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) != 0, errno == EWOULDBLOCK else {
                        throw CertificateManagerError(.fileWrite, "the lock is not held at \(point)")
                    }
                    checked.add(1, ordering: .relaxed)
                })
            try archive.install(try TestCertificates.issued(), name: Self.name, group: nil)
            #expect(checked.load(ordering: .relaxed) == ArchiveFailpoints.Point.all.count)
            // Released afterwards.
            let descriptor = open(lockPath, O_RDWR)
            defer { close(descriptor) }
            #expect(flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        }
    }

    @Test(arguments: ["", ".", "..", ".hidden", "a/b", "/etc", "a\nb", "tab\there", String(repeating: "a", count: 201)])
    func refusesANameThatIsNotOneDirectoryEntry(name: String) async throws {
        try await withTemporaryDirectory { directory in
            let archive = CertificateArchive(directory: directory.file("certificates"))
            let issued = try TestCertificates.issued()
            #expect(throws: CertificateManagerError(.configuration)) {
                try archive.install(issued, name: name, group: nil)
            }
            #expect(throws: CertificateManagerError(.configuration)) { try archive.current(name: name) }
            #expect(throws: CertificateManagerError(.configuration)) { try archive.livePaths(name: name) }
            #expect(throws: CertificateManagerError(.configuration)) { try archive.currentPrivateKeyPEM(name: name) }
            #expect(!FileManager.default.fileExists(atPath: directory.file("certificates")))
        }
    }

    @Test func acceptsAWildcardName() async throws {
        try await withTemporaryDirectory { directory in
            let archive = CertificateArchive(directory: directory.path)
            let issued = try TestCertificates.issued()
            let installed = try archive.install(issued, name: "*.example.test", group: nil)
            try Self.expectFiles(at: installed.paths, hold: issued)
        }
    }

    @Test func refusesALiveLinkThatLeadsOutOfTheArchive() async throws {
        try await withTemporaryDirectory { directory in
            let archive = CertificateArchive(directory: directory.path)
            let installed = try archive.install(try TestCertificates.issued(), name: Self.name, group: nil)
            let link = installed.paths.directory
            try FileManager.default.removeItem(atPath: link)
            try FileManager.default.createSymbolicLink(
                atPath: link, withDestinationPath: installed.versionPaths.directory)
            #expect(throws: CertificateManagerError(.fileRead)) { try archive.current(name: Self.name) }

            try FileManager.default.removeItem(atPath: link)
            try FileManager.default.createDirectory(atPath: link, withIntermediateDirectories: false)
            #expect(throws: CertificateManagerError(.fileRead)) { try archive.current(name: Self.name) }
        }
    }

    // MARK: - Helpers

    /// The four files at `paths` are `issued`'s, and the key is the certificate's.
    static func expectFiles(
        at paths: CertificatePaths, hold issued: IssuedCertificate, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(
            try String(contentsOfFile: paths.certificate, encoding: .utf8) == issued.chain.leafPEM,
            sourceLocation: sourceLocation)
        #expect(
            try String(contentsOfFile: paths.chain, encoding: .utf8) == issued.chain.intermediatesPEM,
            sourceLocation: sourceLocation)
        #expect(
            try String(contentsOfFile: paths.fullChain, encoding: .utf8) == issued.chain.fullChainPEM,
            sourceLocation: sourceLocation)
        let certificate = try Certificate(pemEncoded: try String(contentsOfFile: paths.certificate, encoding: .utf8))
        let key = try String(contentsOfFile: paths.privateKey, encoding: .utf8)
        #expect(try TestCertificates.key(key, matches: certificate), sourceLocation: sourceLocation)
        #expect(!issued.chain.intermediatesPEM.isEmpty, sourceLocation: sourceLocation)
    }

    static func attributes(_ path: String) throws -> [FileAttributeKey: Any] {
        try FileManager.default.attributesOfItem(atPath: path)
    }

    static func mode(_ path: String) throws -> Int { try #require(try attributes(path)[.posixPermissions] as? Int) }

    static func group(_ path: String) throws -> gid_t {
        gid_t(try #require(try attributes(path)[.groupOwnerAccountID] as? NSNumber).uint32Value)
    }

    /// Whether `path` exists, as a link or anything else (a dangling link too).
    static func linkExists(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)) != nil
    }

    /// A group the key file can be given to that differs from the one it gets anyway, so the
    /// test sees the chown: any group for root, else one of our supplementary groups; our own
    /// primary group when there is no other.
    static func groupOtherThanOurOwn() -> gid_t {
        if geteuid() == 0 { return getegid() == 4242 ? 4243 : 4242 }
        var groups = [gid_t](repeating: 0, count: Int(getgroups(0, nil)))
        let count = getgroups(Int32(groups.count), &groups)
        return groups.prefix(Int(max(count, 0))).first { $0 != getegid() } ?? getegid()
    }
}
