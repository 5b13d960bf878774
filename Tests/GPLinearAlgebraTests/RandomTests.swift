import Testing
import GPLinearAlgebra

@Suite struct RandomTests {
    /// `sample(k, from: n)`: k distinct sorted indices in 0..<n, reproducible from the seed, each index drawn with
    /// probability k/n (20,000 draws of 5 from 10: every frequency within 0.02 of ½).
    @Test func samplingWithoutReplacementIsUniform() {
        var g = SeededGenerator(seed: 7)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<20_000 {
            let s = g.sample(5, from: 10)
            #expect(s.count == 5 && s == s.sorted() && Set(s).count == 5 && s.allSatisfy { (0..<10).contains($0) })
            for i in s { counts[i] += 1 }
        }
        for c in counts { #expect(abs(Double(c) / 20_000 - 0.5) < 0.02, "\(counts)") }
        var a = SeededGenerator(seed: 3), b = SeededGenerator(seed: 3)
        #expect(a.sample(100, from: 1_000_000) == b.sample(100, from: 1_000_000))
        #expect(g.sample(12, from: 10) == Array(0..<10))
    }
}
