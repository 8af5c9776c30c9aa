#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a fuzz body once per file named on the command line (directories: every file in
/// them), for a build without libFuzzer. Exits 0 when every input passed; a failed check
/// traps as it would under libFuzzer.
public func replayFiles(arguments: [String], _ body: (UnsafeRawBufferPointer) -> Void) -> Int32 {
    var files: [String] = []
    for argument in arguments.dropFirst() {
        if let directory = opendir(argument) {
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != ".", name != ".." { files.append(argument + "/" + name) }
            }
        } else {
            files.append(argument)
        }
    }
    guard !files.isEmpty else {
        print(
            "usage: \(arguments.first ?? "fuzzer") FILE|DIRECTORY...  (replays inputs; build with -DCAIRN_LIBFUZZER to fuzz)"
        )
        return 2
    }
    for path in files.sorted() {
        guard let bytes = readFile(path) else {
            print("cannot read \(path)")
            return 1
        }
        bytes.withUnsafeBytes { body($0) }
    }
    print("replayed \(files.count) input(s): all checks passed")
    return 0
}

private func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return ferror(file) == 0 ? bytes : nil
}

/// The `main` of a build without libFuzzer: replays the files and directories named on the
/// command line through `fuzz` (an empty file as an empty input), then exits.
public func replay(_ fuzz: (UnsafeRawPointer, Int) -> CInt) -> Never {
    exit(
        replayFiles(arguments: CommandLine.arguments) { input in
            withUnsafeBytes(of: 0) { empty in _ = fuzz(input.baseAddress ?? empty.baseAddress!, input.count) }
        })
}

/// Traps with `message` unless `condition` holds: a property violation libFuzzer reports as
/// a crash (a `precondition` would be compiled out of `-Ounchecked` builds; this never is).
@inline(__always)
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() { fatalError("property violated: \(message())", file: file, line: line) }
}

/// The input as hex, for failure messages.
public func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0xF)])
    }
    return String(decoding: text, as: UTF8.self)
}
