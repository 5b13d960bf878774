import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Issue 11: every scalar likelihood's E_{N(m,v)}[log p(y | f)] and its derivatives match an independent
/// high-precision integral (SciPy's adaptive quadrature, scripts/reference/quadrature_reference.py) to 1e-6
/// (relative above 1) over a grid of means and variances from 0 to 100, including v → 0 where the variance
/// derivative must stay finite (Bonnet–Price: ∂E/∂v = ½E[∂² log p]).
@Suite struct QuadratureAccuracyTests {
    static func likelihood(_ name: String) -> (any ScalarLikelihood)? {
        switch name {
        case "gaussian": return GaussianLikelihood(variance: 0.3)
        case "probit": return Bernoulli(link: .probit)
        case "logit": return Bernoulli(link: .logit)
        case "poisson": return Poisson()
        case "studentt_0.1": return StudentT(scale: 0.1, degreesOfFreedom: 3)
        case "studentt_1": return StudentT(scale: 1, degreesOfFreedom: 3)
        default: return nil
        }
    }

    @Test func expectationsMatchAHighPrecisionIntegral() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/quadrature_reference", withExtension: "json"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count > 400)
        var worst: [String: Double] = [:]
        for row in rows {
            let name = row["likelihood"] as! String
            let lik = try #require(Self.likelihood(name))
            let y = row["y"] as! Double, m = row["mean"] as! Double, v = row["variance"] as! Double
            let e = lik.expectation(y, mean: m, variance: v)
            for (got, key) in [(e.value, "value"), (e.dMean, "d_mean"), (e.dVariance, "d_variance")] {
                let ref = row[key] as! Double
                let err = abs(got - ref) / (1 + abs(ref))
                worst[name] = max(worst[name] ?? 0, err)
                #expect(got.isFinite && err < 1e-6, "\(name) y=\(y) m=\(m) v=\(v) \(key): \(got) vs \(ref)")
            }
        }
        print("quadrature: worst relative error per likelihood \(worst)")
    }

    /// ∂E/∂v by Bonnet–Price agrees with a central difference of the expectation itself where v > 0.
    @Test func varianceDerivativeIsTheDerivative() {
        for lik in [Bernoulli(link: .probit), Bernoulli(link: .logit)] as [any ScalarLikelihood] + [StudentT(scale: 0.5)] {
            for (m, v) in [(0.3, 0.5), (-1.0, 3.0), (2.0, 10.0)] {
                let h = 1e-5 * v
                let fd = (lik.expectation(1, mean: m, variance: v + h).value - lik.expectation(1, mean: m, variance: v - h).value) / (2 * h)
                let d = lik.expectation(1, mean: m, variance: v).dVariance
                #expect(abs(d - fd) < 1e-5 * (1 + abs(fd)), "\(lik.kind) m=\(m) v=\(v): \(d) vs \(fd)")
            }
        }
    }
}
