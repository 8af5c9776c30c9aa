/// The body of `POST /renew` on the control socket: `{"name": "example.org", "force": false}`,
/// `name` absent (or null) for every declared certificate.
package struct ControlRenewRequest: Codable, Hashable, Sendable {
    package var name: String?
    package var force: Bool

    package init(name: String? = nil, force: Bool = false) {
        self.name = name
        self.force = force
    }
}
