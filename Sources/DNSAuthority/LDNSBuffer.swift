import CLDNS
import NIOCore

/// A growable libldns output buffer, owned until this object goes away.
final class LDNSBuffer {
    private let pointer: UnsafeMutablePointer<ldns_buffer>

    /// `nil` if libldns cannot allocate.
    init?(capacity: Int = 512) {
        guard let pointer = ldns_buffer_new(capacity) else { return nil }
        self.pointer = pointer
    }

    deinit {
        ldns_buffer_free(pointer)
    }

    /// Empties the buffer, lets `body` write into it, and copies out what it wrote.
    ///
    /// - Throws: ``LDNSError`` with the status `body` or the buffer reported.
    func write(_ body: (UnsafeMutablePointer<ldns_buffer>) -> ldns_status) throws(LDNSError) -> ByteBuffer {
        ldns_buffer_clear(pointer)
        let status = body(pointer)
        guard status == LDNS_STATUS_OK, ldns_buffer_status_ok(pointer) else {
            throw LDNSError(status: status == LDNS_STATUS_OK ? ldns_buffer_status(pointer) : status)
        }
        return ByteBuffer(
            bytes: UnsafeRawBufferPointer(start: ldns_buffer_begin(pointer), count: ldns_buffer_position(pointer)))
    }
}
