import GPLinearAlgebra

/// Drawing particle indices in proportion to exp(log weight) (docs/methods/gpssm.md#prediction): multinomial
/// draws for conditional SMC, systematic resampling for the particle filter. Both walk the same cumulative
/// weights, shifted by the largest log weight.
/// - Complexity: O(n) to build; O(log n) per multinomial draw, O(n) for a systematic sweep.
struct ParticleWeights {
    /// Running sums of exp(logWeight − max).
    let cumulative: [Double]

    init(logWeights: [Double]) {
        let top = logWeights.max() ?? 0
        var sums = [Double](), total = 0.0
        sums.reserveCapacity(logWeights.count)
        for lw in logWeights {
            total += Math.exp(lw - top)
            sums.append(total)
        }
        cumulative = sums
    }

    var total: Double { cumulative.last ?? 0 }

    /// `count` independent draws (inverse CDF by binary search).
    func multinomial(count: Int, using g: inout SeededGenerator) -> [Int] {
        (0..<count).map { _ in
            let u = g.uniform() * total
            var lo = 0, hi = cumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// Systematic resampling: as many indices as weights, from one uniform offset.
    func systematic(using g: inout SeededGenerator) -> [Int] {
        let n = cumulative.count
        let u = g.uniform()
        var indices = [Int](), k = 0
        indices.reserveCapacity(n)
        for i in 0..<n {
            let point = (Double(i) + u) / Double(n) * total
            while k < n - 1 && cumulative[k] < point { k += 1 }
            indices.append(k)
        }
        return indices
    }
}
