import CLDNS

/// A libldns status other than success, described in libldns's words.
struct LDNSError: Error, CustomStringConvertible {
    var status: ldns_status

    /// libldns's text for the status (`ldns_get_errorstr_by_id`).
    var description: String {
        guard let text = ldns_get_errorstr_by_id(status) else { return "libldns status \(status.rawValue)" }
        return String(cString: text)
    }
}
