public import Hummingbird
public import NIOCore

/// The request context of the hook API: Hummingbird's core storage plus the peer address,
/// which `allowfrom`, the register networks and the failure limit are checked against.
public struct HookRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (a proxy, when one is in front).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
