import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// A likelihood that forwards the pointwise log density of `base` but keeps the quadrature defaults,
/// to test closed forms against Gauss–Hermite.
struct QuadratureOnly<Base: ScalarLikelihood>: ScalarLikelihood {
    var base: Base
    var kind: String { "quadrature-" + base.kind }
    var parameters: [Parameter] {
        get { base.parameters }
        set { base.parameters = newValue }
    }
    func logDensity(_ y: Double, _ f: Double) -> (value: Double, df: Double, dParameters: [Double]) { base.logDensity(y, f) }
    func logDensityCurvature(_ y: Double, _ f: Double) -> Double { base.logDensityCurvature(y, f) }
    var quadratureScale: Double { base.quadratureScale }
    func featurePoint(for y: Double) -> Double? { base.featurePoint(for: y) }
    func conditionalMoments(_ f: Double) -> (mean: Double, variance: Double) { base.conditionalMoments(f) }
}

/// Small regression data with a known exact GP.
struct SmallRegression {
    let x = TestData.uniform(30, 2, low: -2, high: 2, seed: 61)
    var y: [Double] { (0..<30).map { Math.sin(1.5 * x[$0, 0]) + 0.5 * x[$0, 1] + 0.1 * Math.cos(7 * Double($0)) } }
    let kernel = RBF(lengthscale: [0.9, 1.3], variance: 1.2)
    let noise = 0.15
    /// No latent-prior base jitter: the identities are exact only without it.
    let exactJitter = JitterPolicy(priorRelativeJitter: 0)
}

@Suite struct SVGPIdentityTests {
    let data = SmallRegression()

    func optimalSVGP(z: Matrix, parametrisation: InducingParametrisation) throws -> SVGP {
        var model = try SVGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z,
                             parametrisation: parametrisation, jitter: data.exactJitter)
        try model.naturalGradientStep(data.x, data.y, batch: nil, stepSize: 1)
        return model
    }

    @Test(arguments: [InducingParametrisation.whitened, .unwhitened])
    func inducingAtTheDataRecoversTheExactGP(parametrisation: InducingParametrisation) throws {
        let model = try optimalSVGP(z: data.x, parametrisation: parametrisation)
        let elbo = try model.elbo(data.x, data.y).value()
        let exact = ExactGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise))
        let lml = try exact.logMarginalLikelihood(data.x, data.y)
        let sgpr = try SGPR(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: data.x,
                            jitter: data.exactJitter).bound(data.x, data.y).value()
        #expect(abs(elbo - lml) < 1e-6 * abs(lml), "ELBO \(elbo) vs LML \(lml)")
        #expect(abs(sgpr - lml) < 1e-6 * abs(lml), "SGPR \(sgpr) vs LML \(lml)")
        let xs = TestData.uniform(12, 2, seed: 62)
        let p = try model.posterior().predict(at: xs)
        let q = try exact.posterior(data.x, data.y).predict(at: xs)
        #expect(FiniteDifferences.maxRelativeError(p.mean, q.mean) < 1e-6)
        #expect(zip(p.variance, q.variance).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func boundsSandwichTheExactLMLAndSVGPMatchesSGPRAtTheOptimum() throws {
        let z = TestData.uniform(7, 2, seed: 63)
        let sgpr = SGPR(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z)
        let lower = try sgpr.bound(data.x, data.y).value()
        let upper = try sgpr.upperBound(data.x, data.y)
        let lml = try ExactGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise)).logMarginalLikelihood(data.x, data.y)
        #expect(lower < lml && lml < upper, "\(lower) < \(lml) < \(upper)")
        for p in [InducingParametrisation.whitened, .unwhitened] {
            var model = try SVGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z, parametrisation: p)
            try model.naturalGradientStep(data.x, data.y, batch: nil, stepSize: 1)
            #expect(abs(try model.elbo(data.x, data.y).value() - lower) < 1e-8 * abs(lower))
            // SGPR's posterior is the same optimal q.
            let xs = TestData.uniform(5, 2, seed: 64)
            let a = try model.posterior().predict(at: xs), b = try sgpr.posterior(data.x, data.y).predict(at: xs)
            #expect(FiniteDifferences.maxRelativeError(a.mean, b.mean) < 1e-8)
            #expect(FiniteDifferences.maxRelativeError(a.variance, b.variance) < 1e-8)
        }
    }

    @Test func naturalGradientStepOfOneReachesTheOptimumAndStaysThere() throws {
        let z = TestData.uniform(6, 2, seed: 65)
        var model = try SVGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z)
        // A random starting q.
        var g = SeededGenerator(seed: 66)
        var ps = model.variational.parameters
        ps[0].value = g.normals(6)
        ps[1].value = ps[1].value.map { $0 + 0.3 * g.normal() }
        model.variational.parameters = ps
        try model.naturalGradientStep(data.x, data.y, batch: nil, stepSize: 1)
        let first = try model.elbo(data.x, data.y).value()
        let optimum = try SGPR(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z).bound(data.x, data.y).value()
        #expect(abs(first - optimum) < 1e-8 * abs(optimum))
        let q1 = model.variational.parameters
        try model.naturalGradientStep(data.x, data.y, batch: nil, stepSize: 1)
        let q2 = model.variational.parameters
        #expect(FiniteDifferences.maxRelativeError(q1[0].value, q2[0].value, floor: 1e-10) < 1e-10)
        #expect(abs(try model.elbo(data.x, data.y).value() - first) < 1e-10 * abs(first))
    }

    @Test func whitenedAndUnwhitenedAgreeUnderTheMapping() throws {
        let z = TestData.uniform(5, 2, seed: 67)
        var g = SeededGenerator(seed: 68)
        var white = try SVGP(kernel: data.kernel, likelihood: Bernoulli(), inducing: z, parametrisation: .whitened)
        var ps = white.variational.parameters
        ps[0].value = g.normals(5)
        ps[1].value = ps[1].value.map { $0 + 0.2 * g.normal() }
        white.variational.parameters = ps
        // m_u = L m_w, L_Su = L L_Sw.
        let l = try Cholesky(data.kernel.gram(z), isLatentPrior: true).lower
        var plain = try SVGP(kernel: data.kernel, likelihood: Bernoulli(), inducing: z, parametrisation: .unwhitened)
        plain.variational.set(latent: 0, mean: matvec(l, white.variational.mean(latent: 0)),
                              sqrt: matmul(l, white.variational.sqrtMatrix(latent: 0)))
        let labels = data.y.map { $0 > 0 ? 1.0 : 0.0 }
        let a = try white.elbo(data.x, labels).value(), b = try plain.elbo(data.x, labels).value()
        #expect(abs(a - b) < 1e-9 * abs(a), "\(a) vs \(b)")
    }

    @Test func klVanishesWhenQEqualsThePrior() throws {
        let z = TestData.uniform(5, 2, seed: 69)
        for p in [InducingParametrisation.whitened, .unwhitened] {
            let model = try SVGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z, parametrisation: p)
            let objective = model.elbo(data.x, data.y)
            let tape = Tape()
            let (_, kl) = try objective.terms(on: tape, parameters: ParameterLeaves(model.parameters, on: tape),
                                              xb: data.x, yb: data.y, sb: nil)
            #expect(abs(kl.scalar) < 1e-6, "\(p): KL = \(kl.scalar)")
        }
    }

    @Test func minibatchEstimatorIsUnbiasedOverAPartition() throws {
        let z = TestData.uniform(5, 2, seed: 70)
        var model = try SVGP(kernel: data.kernel, likelihood: Poisson(), inducing: z)
        var ps = model.variational.parameters
        var g = SeededGenerator(seed: 71)
        ps[0].value = g.normals(5)
        model.variational.parameters = ps
        let counts = data.y.map { Double(Int(abs($0) * 3)) }
        let objective = model.elbo(data.x, counts)
        let full = try objective.value()
        var order = Array(0..<30)
        order.shuffle(using: &g)
        let batches = (0..<5).map { Array(order[($0 * 6)..<(($0 + 1) * 6)]) }
        let mean = try batches.map { try objective.value(batch: $0) }.reduce(0, +) / 5
        #expect(abs(mean - full) < 1e-10 * abs(full))
        // The chunked full-data value agrees too.
        var chunked = objective
        chunked.chunkSize = 7
        #expect(abs(try chunked.fullValue() - full) < 1e-10 * abs(full))
    }
}

@Suite struct LikelihoodTests {
    @Test func closedFormsMatchQuadrature() {
        let cases: [(any ScalarLikelihood, any ScalarLikelihood, Double)] = [
            (GaussianLikelihood(variance: 0.3), QuadratureOnly(base: GaussianLikelihood(variance: 0.3)), 0.7),
            (Poisson(exposure: 0.5), QuadratureOnly(base: Poisson(exposure: 0.5)), 3),
        ]
        for (closed, quad, y) in cases {
            for (m, v) in [(0.2, 0.1), (-1.0, 0.8), (1.5, 0.02)] {
                let a = closed.expectation(y, mean: m, variance: v), b = quad.expectation(y, mean: m, variance: v)
                #expect(abs(a.value - b.value) < 1e-10 * max(1, abs(a.value)), "\(closed.kind) value")
                #expect(abs(a.dMean - b.dMean) < 1e-9 * max(1, abs(a.dMean)), "\(closed.kind) dMean")
                #expect(abs(a.dVariance - b.dVariance) < 1e-9 * max(1, abs(a.dVariance)), "\(closed.kind) dVariance")
                #expect(zip(a.dParameters, b.dParameters).allSatisfy { abs($0 - $1) < 1e-9 * max(1, abs($0)) })
            }
        }
    }

    @Test func probitExpectationIsBelowTheLogPredictiveDensity() {
        let b = Bernoulli(link: .probit)
        for (m, v) in [(0.3, 0.5), (-2.0, 1.5), (4.0, 0.1)] {
            for y in [0.0, 1.0] {
                #expect(b.expectation(y, mean: m, variance: v).value <= b.logPredictive(y, mean: m, variance: v) + 1e-12)
            }
        }
        // Predictive probabilities: closed form vs quadrature of Φ.
        let quad = QuadratureOnly(base: b)
        #expect(abs(b.predictive(mean: 0.7, variance: 0.9).mean - quad.predictive(mean: 0.7, variance: 0.9).mean) < 1e-9)
    }

    @Test func expectationGradientsMatchFiniteDifferences() {
        let likelihoods: [(any ScalarLikelihood, Double)] = [
            (Bernoulli(link: .probit), 1), (Bernoulli(link: .logit), 0), (StudentT(scale: 0.7), 0.4), (Poisson(), 2),
        ]
        for (lik, y) in likelihoods {
            let (m, v) = (0.3, 0.6)
            let e = lik.expectation(y, mean: m, variance: v)
            let fd = FiniteDifferences.gradient({ lik.expectation(y, mean: $0[0], variance: $0[1]).value }, at: [m, v])
            #expect(FiniteDifferences.maxRelativeError([e.dMean, e.dVariance], fd) < 1e-6, "\(lik.kind)")
        }
    }

    @Test func labelValidation() {
        #expect(Bernoulli().firstInvalidTarget([0, 1, 1, 0]) == nil)
        #expect(Bernoulli().firstInvalidTarget([0, 1, -1]) == 2)
        #expect(Poisson().firstInvalidTarget([0, 3, 2.5]) == 2)
    }
}

@Suite struct SVGPGradientTests {
    static let configurations: [(String, any Likelihood, InducingParametrisation, VariationalCovariance)] = [
        ("gaussian whitened", GaussianLikelihood(variance: 0.2), .whitened, .full),
        ("gaussian unwhitened", GaussianLikelihood(variance: 0.2), .unwhitened, .full),
        ("probit whitened", Bernoulli(link: .probit), .whitened, .full),
        ("logit mean-field", Bernoulli(link: .logit), .whitened, .meanField),
        ("poisson unwhitened", Poisson(), .unwhitened, .full),
        ("student-t mean-field", StudentT(scale: 0.5), .unwhitened, .meanField),
    ]

    @Test(arguments: configurations.indices)
    func elboGradientsMatchFiniteDifferences(index: Int) throws {
        let (name, likelihood, parametrisation, covariance) = Self.configurations[index]
        let x = TestData.uniform(25, 2, seed: 72)
        let f = (0..<25).map { Math.sin(x[$0, 0]) + 0.3 * x[$0, 1] }
        let y: [Double]
        switch likelihood.kind {
        case "bernoulli": y = f.map { $0 > 0 ? 1 : 0 }
        case "poisson": y = f.map { Double(Int(2 * abs($0))) }
        default: y = f
        }
        var model = try SVGP(kernel: Matern52(lengthscale: [0.8, 1.2], variance: 1.1), likelihood: likelihood,
                             inducing: TestData.uniform(6, 2, seed: 73), parametrisation: parametrisation, covariance: covariance)
        var g = SeededGenerator(seed: 74)
        var ps = model.variational.parameters
        ps[0].value = ps[0].value.map { _ in 0.5 * g.normal() }
        ps[1].value = ps[1].value.map { $0 * (0.8 + 0.1 * g.normal()) + (covariance == .full ? 0.1 * g.normal() : 0) }
        model.variational.parameters = ps
        let check = try FiniteDifferences.check(model.elbo(x, y), batch: [0, 3, 5, 8, 11, 19, 24])
        #expect(check.error < 1e-5, "\(name): \(check.error)")
    }

    @Test func sgprGradientMatchesFiniteDifferences() throws {
        let data = SmallRegression()
        let model = SGPR(kernel: Matern32(lengthscale: [0.9, 1.1]) + Linear(variance: [0.3, 0.2]),
                         likelihood: GaussianLikelihood(variance: 0.2), inducing: TestData.uniform(6, 2, seed: 75))
        let check = try FiniteDifferences.check(model.bound(data.x, data.y))
        #expect(check.error < 1e-6, "\(check.error)")
    }
}

@Suite struct SVGPClassificationTests {
    func table(_ name: String) throws -> DataTable {
        try DataTable.read(whitespaceSeparated: TestData.repositoryRoot.appendingPathComponent("datasets/banana/" + name).path)
    }

    @Test func bananaTestErrorIsAtMostElevenPercent() throws {
        let x = try table("banana_train_x.txt").values
        let y = try table("banana_train_y.txt").values.column(0).map { $0 > 0 ? 1.0 : 0.0 }
        let xt = try table("banana_test_x.txt").values
        let yt = try table("banana_test_y.txt").values.column(0).map { $0 > 0 ? 1.0 : 0.0 }
        var model = try SVGP(kernel: RBF(lengthscale: [1, 1]), likelihood: Bernoulli(),
                             inducing: InducingPoints.kMeans(of: x, count: 20, seed: 1))
        try model.fit(x, y, options: FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: 600,
                                                relativeTolerance: 0, seed: 1))
        let p = try model.posterior().predictObserved(at: xt).mean
        let error = Double(zip(p, yt).filter { ($0 > 0.5 ? 1.0 : 0.0) != $1 }.count) / Double(yt.count)
        #expect(error <= 0.11, "banana test error \(error)")
    }

    @Test func breastCancerAccuracyIsAtLeastNinetyFivePercent() throws {
        let root = TestData.repositoryRoot.appendingPathComponent("datasets/breast_cancer")
        let train = try DataTable.read(csv: root.appendingPathComponent("breast_cancer_train.csv").path)
        let test = try DataTable.read(csv: root.appendingPathComponent("breast_cancer_test.csv").path)
        let features = train.columns.filter { $0 != "malignant" }
        let scale = Standardization(fitting: try train.matrix(columns: features))
        let x = scale.apply(try train.matrix(columns: features)), xt = scale.apply(try test.matrix(columns: features))
        let y = try train.column("malignant"), yt = try test.column("malignant")
        var model = try SVGP(kernel: Matern52(lengthscale: [Double](repeating: 3, count: features.count)), likelihood: Bernoulli(),
                             inducing: InducingPoints.kMeans(of: x, count: 30, seed: 2))
        try model.fit(x, y, options: FitOptions(optimizer: .adam(learningRate: 0.02), maxIterations: 500,
                                                relativeTolerance: 0, batchSize: 128, seed: 2))
        let p = try model.posterior().predictObserved(at: xt).mean
        let accuracy = Double(zip(p, yt).filter { ($0 > 0.5 ? 1.0 : 0.0) == $1 }.count) / Double(yt.count)
        #expect(accuracy >= 0.95, "breast-cancer accuracy \(accuracy)")
    }

    @Test func naturalGradientsTrainARegressionModel() throws {
        let data = SmallRegression()
        var model = try SVGP(kernel: RBF(lengthscale: [1, 1]), likelihood: GaussianLikelihood(variance: 0.5),
                             inducing: TestData.uniform(8, 2, seed: 76))
        let before = try model.elbo(data.x, data.y).value()
        let report = try model.fit(data.x, data.y, options: FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: 200,
                                                                       relativeTolerance: 0, seed: 3),
                                   naturalGradients: NaturalGradientSchedule(stepSize: 1))
        #expect(report.objective > before)
        // After the last natural step q(u) is optimal for the final hyperparameters: one more step changes little.
        let optimum = try SGPR(kernel: model.kernel, likelihood: model.likelihood as! GaussianLikelihood, inducing: model.z)
            .bound(data.x, data.y).value()
        #expect(abs(report.objective - optimum) < 1e-2 * abs(optimum), "\(report.objective) vs \(optimum)")
    }
}

@Suite struct SoftmaxTests {
    /// Three Gaussian blobs in 2-D.
    func blobs(_ n: Int, seed: UInt64) -> (Matrix, [Double]) {
        var g = SeededGenerator(seed: seed)
        let centres = [(-1.5, 0.0), (1.5, 0.0), (0.0, 2.0)]
        var x = Matrix(rows: n, cols: 2)
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let c = i % 3
            x[i, 0] = centres[c].0 + 0.6 * g.normal()
            x[i, 1] = centres[c].1 + 0.6 * g.normal()
            y[i] = Double(c)
        }
        return (x, y)
    }

    @Test func softmaxGradientsMatchFiniteDifferences() throws {
        let (x, y) = blobs(18, seed: 80)
        var model = try SVGP(kernel: RBF(lengthscale: [1, 1]), likelihood: Softmax(classes: 3, samples: 20),
                             inducing: TestData.uniform(5, 2, seed: 81))
        var g = SeededGenerator(seed: 82)
        var ps = model.variational.parameters
        ps[0].value = ps[0].value.map { _ in 0.5 * g.normal() }
        ps[1].value = ps[1].value.map { $0 * 0.7 + 0.05 * g.normal() }
        model.variational.parameters = ps
        let check = try FiniteDifferences.check(model.elbo(x, y))
        #expect(check.error < 1e-5, "\(check.error)")
    }

    @Test func softmaxClassifiesSeparatedBlobs() throws {
        let (x, y) = blobs(150, seed: 83)
        let (xt, yt) = blobs(90, seed: 84)
        var model = try SVGP(kernel: RBF(lengthscale: [1, 1]), likelihood: Softmax(classes: 3, samples: 30),
                             inducing: InducingPoints.kMeans(of: x, count: 12, seed: 4))
        try model.fit(x, y, options: FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: 250, relativeTolerance: 0, seed: 4))
        let p = try #require(try model.posterior().predictProbabilities(at: xt))
        var correct = 0
        for i in 0..<xt.rows {
            let row = (0..<3).map { p[i, $0] }
            #expect(abs(row.reduce(0, +) - 1) < 1e-12)
            if Double(row.firstIndex(of: row.max()!)!) == yt[i] { correct += 1 }
        }
        #expect(Double(correct) / Double(xt.rows) >= 0.9, "accuracy \(Double(correct) / Double(xt.rows))")
    }
}
