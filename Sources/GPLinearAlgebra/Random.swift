/// A seeded, reproducible random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Every stochastic step in SwiftGP (minibatches, restarts, Monte Carlo, samples) draws from one of
/// these, created from a user-visible seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// A uniform draw in the open interval (0, 1).
    public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A standard normal draw (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = uniform(), u2 = uniform()
        return (-2 * Math.log(u1)).squareRoot() * Math.cos(2 * Double.pi * u2)
    }

    /// `count` standard normal draws.
    public mutating func normals(_ count: Int) -> [Double] { (0..<count).map { _ in normal() } }

    /// `k` distinct integers drawn uniformly from 0..<n (all of them when k ≥ n), sorted: Floyd's algorithm,
    /// which touches only the k draws, not the n candidates.
    /// - Complexity: O(k log k) time, O(k) memory.
    public mutating func sample(_ k: Int, from n: Int) -> [Int] {
        guard k < n else { return Array(0..<max(0, n)) }
        var chosen = Set<Int>(minimumCapacity: k)
        for j in (n - k)..<n {
            let t = Int(next() % UInt64(j + 1))
            chosen.insert(chosen.contains(t) ? j : t)
        }
        return chosen.sorted()
    }
}
