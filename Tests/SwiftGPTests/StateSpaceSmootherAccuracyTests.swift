import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Issue 11: state-space predictions equal the exact GP's with the same hyperparameters over a grid of noise
/// variances 1e-12…1, lengthscale/spacing ratios 1e-3…1e3 and kernels Matérn-1/2, 3/2, 5/2, Hida–Matérn and a sum,
/// wherever the dense reference is itself accurate (κ(K + σ²I)·ε ≤ 1e-8; the remaining cases, long lengthscales with
/// tiny noise, are beyond any double-precision dense solve and are counted, not compared). Means agree to 1e-6 of
/// max(|μ|, 1e-3), variances to 1e-6 of v + 1e-12 (the 1e-12 floor is the rounding of an O(1) prior variance).
@Suite struct StateSpaceSmootherAccuracyTests {
    @Test func predictionsMatchTheExactGPAcrossTheGrid() throws {
        var g = SeededGenerator(seed: 1105)
        let n = 60
        var t = [Double](repeating: 0, count: n)
        var now = 0.0
        for i in 0..<n {
            now += 0.5 + g.uniform()
            t[i] = now
        }
        let y = t.map { Math.sin($0 / 4) + 0.1 * g.normal() }
        let tt = (0..<40).map { _ in t[0] + (t[n - 1] - t[0]) * g.uniform() }
        var compared = 0, skipped: [String] = []
        for noise in [1e-12, 1e-8, 1e-4, 1.0] {
            for ratio in [1e-3, 1.0, 1e3] {
                let kernels: [(String, any Kernel)] = [
                    ("matern12", Matern12(lengthscale: [ratio])), ("matern32", Matern32(lengthscale: [ratio])),
                    ("matern52", Matern52(lengthscale: [ratio])), ("hidamatern32", HidaMatern(order: 1, lengthscale: ratio, frequency: 0.3)),
                    ("matern12+matern32", Matern12(lengthscale: [ratio]) + Matern32(lengthscale: [3 * ratio])),
                ]
                for (name, k) in kernels {
                    let s = try #require(stateSpaceForm(of: k))
                    let likelihood = GaussianLikelihood(variance: noise, floor: 0.5 * noise)
                    var ky = k.gram(Matrix(column: t))
                    ky.addToDiagonal(noise)
                    let eig = try SymmetricEigen(ky)
                    let condition = (eig.values.max() ?? 1) / max(eig.values.min() ?? 0, .leastNonzeroMagnitude)
                    guard condition * Double.ulpOfOne <= 1e-8 else {
                        skipped.append("\(name) noise \(noise) ratio \(ratio)")
                        continue
                    }
                    compared += 1
                    let a = try StateSpaceGP(kernel: s, likelihood: likelihood).posterior(t, y).predict(at: tt)
                    let b = try ExactGP(kernel: k, likelihood: likelihood, jitter: JitterPolicy(priorRelativeJitter: 0))
                        .posterior(Matrix(column: t), y).predict(at: Matrix(column: tt))
                    for i in tt.indices {
                        #expect(abs(a.mean[i] - b.mean[i]) <= 1e-6 * max(abs(b.mean[i]), 1e-3),
                                "\(name) noise \(noise) ratio \(ratio): mean \(a.mean[i]) vs \(b.mean[i])")
                        #expect(abs(a.variance[i] - b.variance[i]) <= 1e-6 * (b.variance[i] + 1e-12),
                                "\(name) noise \(noise) ratio \(ratio): variance \(a.variance[i]) vs \(b.variance[i])")
                    }
                }
            }
        }
        print("smoother grid: \(compared) cases compared; beyond a dense reference: \(skipped)")
        // Every short and unit lengthscale case, at every noise level, has an accurate reference.
        #expect(compared >= 40, "\(compared) cases compared")
        #expect(!skipped.contains { $0.hasSuffix("ratio 0.001") || $0.hasSuffix("ratio 1.0") })
    }
}
