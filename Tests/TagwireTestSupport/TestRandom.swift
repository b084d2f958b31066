import Foundation

/// The random source of randomised tests: seeded, so that a failure can be replayed. The seed is
/// `TAGWIRE_TEST_SEED` when set, else a fresh one; tests print it (``description``) in their failure messages.
public struct TestRandom: RandomNumberGenerator, CustomStringConvertible {
    public let seed: UInt64
    private var state: UInt64

    /// A generator from `seed`, else from `TAGWIRE_TEST_SEED`, else from the system's random source.
    public init(seed: UInt64? = nil) {
        let fromEnvironment = ProcessInfo.processInfo.environment["TAGWIRE_TEST_SEED"].flatMap { UInt64($0) }
        self.seed = seed ?? fromEnvironment ?? UInt64.random(in: 0...UInt64.max)
        state = self.seed
    }

    /// SplitMix64: small, fast, and every seed gives a full-period sequence.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<n`.
    public mutating func below(_ n: Int) -> Int { Int.random(in: 0..<n, using: &self) }

    /// How a failure names the run: `seed N (rerun with TAGWIRE_TEST_SEED=N)`.
    public var description: String { "seed \(seed) (rerun with TAGWIRE_TEST_SEED=\(seed))" }
}
