#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Looks up the groups of this system (`/etc/group`, NSS), for the group a certificate's key
/// files are given to (mode 0640).
enum SystemGroup {
    /// The group ID `text` names: a number is taken as it is (a gid need not be listed to be
    /// used), a name is looked up with `getgrnam_r`; `nil` when no group has that name.
    static func groupID(for text: String) -> UInt32? {
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            guard let number = UInt32(text), number != UInt32.max else { return nil }  // (gid_t)-1 means "none"
            return number
        }
        var entry = group()
        var result: UnsafeMutablePointer<group>? = nil
        var size = 1024
        while true {
            var buffer = [CChar](repeating: 0, count: size)
            let status = getgrnam_r(text, &entry, &buffer, size, &result)
            if status == ERANGE, size < 1 << 20 {
                size *= 2
                continue
            }
            // `result` points at `entry` when the group exists: read the copy, not the pointer.
            guard status == 0, result != nil else { return nil }
            return UInt32(entry.gr_gid)
        }
    }
}
