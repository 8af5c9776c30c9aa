/// A zone master file that cannot be loaded, with where and why.
///
/// The description is `file:line: message`, the form compilers and editors understand.
/// The message uses libldns's own words where libldns found the problem (prefixed with
/// `syntax error: `) and Cairn's for what Cairn checks itself.
public struct ZoneFileError: Error, Sendable, CustomStringConvertible {
    /// The file the problem is in (for a missing `$INCLUDE` file, the file that includes it).
    public var file: String
    /// The 1-based line of the entry at fault (its first line when it spans several),
    /// or 0 when the file itself cannot be read.
    public var line: Int
    /// What was wrong, in an operator's words.
    public var message: String

    public var description: String { "\(file):\(line): \(message)" }
}
