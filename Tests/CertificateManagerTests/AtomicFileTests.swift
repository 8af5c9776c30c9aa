import CairnTestSupport
import Foundation
import SystemPackage
import Testing

@testable import CertificateManager

/// Files written so a reader sees the old contents or the new, with exactly the mode asked for.
@Suite struct AtomicFileTests {
    @Test func writesReplaceWholeFilesWithTheModeAskedForWhateverTheUmask() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("a/b/key.pem")
            let previous = umask(0o022)
            defer { umask(previous) }
            try AtomicFile.write("one", to: path, mode: [.ownerReadWrite])
            try AtomicFile.write("two", to: path, mode: [.ownerReadWrite, .groupRead])
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o640)
            // No temporary file is left beside it.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("a/b")) == ["key.pem"])
        }
    }
}
