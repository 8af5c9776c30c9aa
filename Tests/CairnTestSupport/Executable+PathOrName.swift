import Subprocess
import SystemPackage

extension Executable {
    /// A path when `name` contains a slash (run as is), otherwise a name looked up on PATH.
    static func pathOrName(_ name: String) -> Executable {
        name.contains("/") ? .path(FilePath(name)) : .name(name)
    }
}
