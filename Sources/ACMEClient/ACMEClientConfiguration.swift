/// Retry budgets and time limits of an ``ACMEClient``.
public struct ACMEClientConfiguration: Sendable {
    /// How many times one request is re-sent after `badNonce` (RFC 8555 §6.5), each time with
    /// the nonce the error carried. 20 keeps the chance of failing under a CA that rejects
    /// half of all nonces below one in a million per request.
    public var badNonceRetries: Int = 20
    /// How many times one request is re-sent after 429 or 503 with a `Retry-After`.
    public var rateLimitRetries: Int = 3
    /// How many times one request is sent again after a server error (5xx without a
    /// `Retry-After`) or a failed exchange (reset, timeout, truncated answer), waiting
    /// ``serverErrorBackoffSeconds`` then twice as long each time. A request that may have
    /// taken effect without its answer arriving (key change, revocation) is sent again only
    /// after a 5xx answer, never after a failed exchange. A newOrder after a failed exchange is
    /// sent again only when the account's orders list shows no order it could have placed
    /// (``ACMEClient/newOrder(_:profile:replaces:)``): a second order must not come of it.
    public var serverErrorRetries: Int = 4
    public var serverErrorBackoffSeconds: Double = 0.5
    /// The longest `Retry-After` the client waits for before giving up, in seconds.
    public var maximumRetryAfterSeconds: Double = 120
    /// Per-request time limit, in seconds.
    public var requestTimeoutSeconds: Int64 = 30
    /// First polling interval when the CA gives no `Retry-After`; it grows by half each
    /// time up to ``maximumPollIntervalSeconds``.
    public var initialPollIntervalSeconds: Double = 0.25
    public var maximumPollIntervalSeconds: Double = 5
    /// How long authorizations and orders are polled before giving up, in seconds.
    public var pollTimeoutSeconds: Double = 300
    /// The `User-Agent` header (RFC 8555 §6.1 asks clients to send one).
    public var userAgent: String = "cairn-acme/0.1"

    public init() {}
}
