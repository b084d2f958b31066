/// When to try a failed delivery again.
///
/// `exponentialJitter` uses "full jitter": attempt *n* (1-based) waits a uniformly random time in
/// `[0, min(cap, base · 2^(n-1))]`. With base 1 s and cap 300 s the upper bounds are:
///
/// | attempt | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10+ |
/// | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
/// | at most (s) | 1 | 2 | 4 | 8 | 16 | 32 | 64 | 128 | 256 | 300 |
///
/// A retry is only planned while the event can still be accepted: if the next attempt would fall after
/// `eventTime + window` (Meta's 7 days), the event goes to the dead letters instead.
public struct RetryStrategy: Sendable {
    public var base: Double
    public var cap: Double
    /// How long after its time an event is still accepted (seconds).
    public var window: Double

    public init(base: Double, cap: Double, window: Double) {
        self.base = base
        self.cap = cap
        self.window = window
    }

    /// Full jitter, 1 s base, 5 min cap, Meta's 7-day window.
    public static let exponentialJitter = RetryStrategy(base: 1, cap: 300, window: 7 * 86_400)

    /// The upper bound of the wait before attempt `attempt` (1-based).
    public func maximumBackoff(attempt: Int) -> Double {
        let exponent = min(max(attempt - 1, 0), 62)
        return min(cap, base * Double(UInt64(1) << UInt64(exponent)))
    }

    /// When to try again after `attempt` failed at `now`, or nil when the event's window would be over.
    /// `hint` (a server's requested wait) is a lower bound.
    public func nextAttempt<G: RandomNumberGenerator>(
        attempt: Int,
        now: Double,
        eventTime: Double,
        hint: Double? = nil,
        using generator: inout G
    ) -> Double? {
        var wait = Double.random(in: 0...maximumBackoff(attempt: attempt), using: &generator)
        if let hint { wait = max(wait, hint) }
        let at = now + wait
        return at < eventTime + window ? at : nil
    }
}
