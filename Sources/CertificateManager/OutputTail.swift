/// The last `limit` bytes of a stream (a deploy hook's output): enough for the log, bounded
/// whatever the hook prints.
struct OutputTail: Sendable {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    /// Whether bytes were dropped from the front.
    private(set) var truncated = false

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    mutating func append(contentsOf chunk: some Collection<UInt8>) {
        bytes.append(contentsOf: chunk)
        if bytes.count > limit {
            bytes.removeFirst(bytes.count - limit)
            truncated = true
        }
    }

    /// The bytes as text; a character cut at the front, or invalid UTF-8, becomes U+FFFD.
    var text: String { String(decoding: bytes, as: UTF8.self) }

    /// At most the last `count` lines of ``text``, without a trailing newline.
    func lastLines(_ count: Int) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines.suffix(count).joined(separator: "\n")
    }
}
