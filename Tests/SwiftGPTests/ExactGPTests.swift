import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// The scikit-learn reference (scripts/reference/sklearn_exact_reference.py) on the shipped diabetes data.
struct SklearnReference {
    let json: [String: Any]
    init() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/sklearn_exact_reference", withExtension: "json"))
        json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
    func value(_ key: String) -> [Double] { json[key] as! [Double] }
    func scalar(_ key: String) -> Double { json[key] as! Double }
    func `case`(_ name: String) -> [String: Any] {
        (json["cases"] as! [[String: Any]]).first { $0["name"] as? String == name }!
    }
}

/// The diabetes train/test split, standardised with training statistics (population std).
struct Diabetes {
    let xTrain: Matrix, yTrain: [Double], xTest: Matrix
    let xScale: Standardization, yScale: Standardization
    init() throws {
        let root = TestData.repositoryRoot.appendingPathComponent("datasets/diabetes")
        let train = try DataTable.read(csv: root.appendingPathComponent("diabetes_train.csv").path)
        let test = try DataTable.read(csv: root.appendingPathComponent("diabetes_test.csv").path)
        let features = train.columns.filter { $0 != "progression" }
        let xt = try train.matrix(columns: features)
        xScale = Standardization(fitting: xt)
        let y = try train.column("progression")
        yScale = Standardization(fitting: y)
        xTrain = xScale.apply(xt)
        yTrain = yScale.apply(y)
        xTest = xScale.apply(try test.matrix(columns: features))
    }
}

func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

@Suite struct ExactGPReferenceTests {
    let reference: SklearnReference
    let data: Diabetes
    init() throws {
        reference = try SklearnReference()
        data = try Diabetes()
    }

    @Test func standardisesLikeTheReference() {
        #expect(FiniteDifferences.maxRelativeError(data.xScale.mean, reference.value("x_mean")) < 1e-12)
        #expect(FiniteDifferences.maxRelativeError(data.xScale.scale, reference.value("x_std")) < 1e-12)
        #expect(relativeError(data.yScale.scale[0], reference.scalar("y_std")) < 1e-12)
    }

    @Test(arguments: ["matern52_fixed", "rbf_fixed"])
    func fixedHyperparametersMatchScikitLearn(name: String) throws {
        let c = reference.case(name)
        let ls = c["lengthscales"] as! [Double]
        let sv = c["signal_variance"] as! Double, nv = c["noise_variance"] as! Double
        let kernel: any Kernel = name.hasPrefix("rbf") ? RBF(lengthscale: ls, variance: sv) : Matern52(lengthscale: ls, variance: sv)
        let model = ExactGP(kernel: kernel, likelihood: GaussianLikelihood(variance: nv))
        let objective = model.marginalLikelihood(data.xTrain, data.yTrain)
        let e = try objective.evaluate(batch: nil)
        #expect(relativeError(e.value, c["lml"] as! Double) < 1e-8, "LML \(e.value) vs \(c["lml"]!)")
        // sklearn differentiates with respect to log θ: multiply by θ.
        let ours = e.gradient[0].enumerated().map { $0.element * ls[$0.offset] }
        let gradient = [e.gradient[1][0] * sv] + ours + [e.gradient[2][0] * nv]
        let ref = c["lml_gradient_log"] as! [Double]
        for i in ref.indices {
            #expect(relativeError(gradient[i], ref[i]) < 1e-8 || abs(gradient[i] - ref[i]) < 1e-10,
                    "gradient[\(i)] \(gradient[i]) vs \(ref[i])")
        }
        let post = try model.posterior(data.xTrain, data.yTrain)
        let p = try post.predict(at: data.xTest)
        let mean = c["latent_mean"] as! [Double], variance = c["latent_variance"] as! [Double]
        #expect(FiniteDifferences.maxRelativeError(p.mean, mean, floor: 1e-300) < 1e-8)
        #expect(FiniteDifferences.maxRelativeError(p.variance, variance, floor: 1e-300) < 1e-8)
        let observed = try post.predictObserved(at: data.xTest).variance
        #expect(FiniteDifferences.maxRelativeError(observed, c["observed_variance"] as! [Double], floor: 1e-300) < 1e-8)
    }

    @Test(arguments: ["matern52_optimised", "rbf_optimised"])
    func optimisedLMLIsAtLeastScikitLearns(name: String) throws {
        let c = reference.case(name)
        let d = data.xTrain.cols
        let kernel: any Kernel = name.hasPrefix("rbf")
            ? RBF(lengthscale: [Double](repeating: 1, count: d)) : Matern52(lengthscale: [Double](repeating: 1, count: d))
        var model = ExactGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 1))
        let report = try model.fit(data.xTrain, data.yTrain, options: FitOptions(seed: 0, restarts: 1))
        let sk = c["lml"] as! Double
        #expect(report.objective >= sk - 1e-3, "SwiftGP \(report.objective) vs scikit-learn \(sk)")
        #expect(abs(try model.logMarginalLikelihood(data.xTrain, data.yTrain) - report.objective) < 1e-9)
    }
}

@Suite struct ExactGPIdentityTests {
    @Test func singlePointIsAGaussianDensity() throws {
        let model = ExactGP(kernel: Matern32(lengthscale: [0.7], variance: 1.3), likelihood: GaussianLikelihood(variance: 0.2),
                            mean: ConstantMean(0.4))
        let lml = try model.logMarginalLikelihood(Matrix(column: [0.3]), [1.1])
        let v = 1.5
        let expected = -0.5 * Math.log(2 * Double.pi * v) - 0.5 * (1.1 - 0.4) * (1.1 - 0.4) / v
        #expect(abs(lml - expected) < 1e-14)
    }

    @Test func permutingTheDataChangesNothing() throws {
        let x = TestData.uniform(25, 2, seed: 41)
        let y = (0..<25).map { Math.sin(x[$0, 0]) + 0.3 * x[$0, 1] }
        let perm = Array((0..<25).reversed())
        let model = ExactGP(kernel: RBF(lengthscale: [1, 2]), likelihood: GaussianLikelihood(variance: 0.1), mean: LinearMean(weights: [0.1, 0.2], bias: 0.3))
        let a = try model.marginalLikelihood(x, y).evaluate(batch: nil)
        let b = try model.marginalLikelihood(x.selectingRows(perm), perm.map { y[$0] }).evaluate(batch: nil)
        #expect(abs(a.value - b.value) < 1e-10)
        #expect(FiniteDifferences.maxRelativeError(a.gradient.flatMap { $0 }, b.gradient.flatMap { $0 }) < 1e-10)
    }

    @Test(arguments: conformanceKernels.indices.filter { $0 != 7 })
    func gradientMatchesFiniteDifferences(index: Int) throws {
        let x = TestData.uniform(20, 3, seed: 42)
        let y = (0..<20).map { Math.cos(x[$0, 0]) + x[$0, 1] * x[$0, 2] }
        let model = ExactGP(kernel: conformanceKernels[index], likelihood: GaussianLikelihood(variance: 0.3),
                            mean: LinearMean(weights: [0.2, -0.1, 0.4], bias: 0.1))
        let check = try FiniteDifferences.check(model.marginalLikelihood(x, y))
        #expect(check.error < 1e-6, "\(conformanceKernels[index].summary): \(check.error)\n\(check.analytic)\n\(check.numeric)")
    }

    /// The fused one-buffer node equals the generic composition (Gram node, + σ²I, `gaussianLogDensity`) in
    /// value, gradient and jitter — also when duplicated inputs make K + σ²I singular, so the ladder retries
    /// (the fused node then recomputes K, its upper triangle being the kernel's workspace).
    @Test(arguments: [0.3, 0.0])
    func fusedNodeEqualsTheGenericComposition(noise: Double) throws {
        var x = TestData.uniform(90, 3, seed: 43)
        for c in 0..<3 { x[70, c] = x[3, c]; x[71, c] = x[3, c] }   // rank-deficient K without noise
        let y = (0..<90).map { Math.cos(x[$0, 0]) + x[$0, 1] * x[$0, 2] }
        let kernel = Matern52(lengthscale: [0.6, 0.9, 1.4], variance: 2.0)
        func run(fused: Bool) throws -> (value: Double, gradient: [Double], jitter: Double) {
            let tape = Tape()
            let leaves = kernel.parameters.map { tape.leaf($0.value) }
            let sigma = tape.leaf([noise])
            let r = tape.leaf(y)
            let out: Var
            if fused {
                out = try exactLogMarginal(kernel: kernel, x: x, kernelParameters: leaves, noise: sigma, residual: r)
            } else {
                out = try gaussianLogDensity(residual: r, covariance: addingDiagonal(kernel.gram(x, on: leaves), sigma))
            }
            let g = tape.gradients(of: out, withRespectTo: leaves + [sigma, r]).flatMap(\.storage)
            return (out.scalar, g, tape.maxJitter)
        }
        let fused = try run(fused: true), generic = try run(fused: false)
        #expect((fused.jitter > 0) == (noise == 0))
        #expect(fused.jitter == generic.jitter)
        #expect(abs(fused.value - generic.value) <= 1e-9 * abs(generic.value))
        let scale = generic.gradient.map(abs).max() ?? 1
        #expect(zip(fused.gradient, generic.gradient).allSatisfy { abs($0 - $1) <= 1e-7 * scale })
    }

    @Test func interpolatesWithTinyNoise() throws {
        let x = Matrix(column: [-1, -0.2, 0.5, 1.3])
        let y = [0.3, -0.7, 1.2, 0.1]
        let model = ExactGP(kernel: Matern52(lengthscale: [0.8]), likelihood: GaussianLikelihood(variance: 1e-10, floor: 1e-12))
        let p = try model.posterior(x, y).predict(at: x)
        #expect(FiniteDifferences.maxRelativeError(p.mean, y) < 1e-6)
        #expect(p.variance.allSatisfy { $0 >= 0 && $0 < 1e-8 })
    }

    @Test func covarianceAndSamplesAgreeWithPredictions() throws {
        let x = TestData.uniform(15, 1, seed: 43)
        let y = x.storage.map { Math.sin(3 * $0) }
        let post = try ExactGP(kernel: RBF(lengthscale: [0.5]), likelihood: GaussianLikelihood(variance: 0.05)).posterior(x, y)
        let xs = Matrix(column: [-1.5, 0, 0.7, 2.5])
        let p = try post.predict(at: xs)
        let c = try post.covariance(at: xs)
        #expect(FiniteDifferences.maxRelativeError(c.diagonal, p.variance) < 1e-8)
        let s1 = try post.samples(at: xs, count: 4000, seed: 9), s2 = try post.samples(at: xs, count: 4000, seed: 9)
        #expect(s1 == s2)
        for i in 0..<4 {
            let row = s1.row(i)
            let m = row.reduce(0, +) / 4000
            #expect(abs(m - p.mean[i]) < 5 * (p.variance[i] / 4000).squareRoot() + 1e-6)
        }
    }

    @Test func recoversHyperparametersOnSyntheticData() throws {
        // Draw y from a known GP and check the fitted noise and lengthscale land near the truth.
        let x = TestData.uniform(400, 1, low: 0, high: 10, seed: 44)
        let truth = ExactGP(kernel: RBF(lengthscale: [0.8], variance: 1.5), likelihood: GaussianLikelihood(variance: 0.04))
        var k = truth.kernel.gram(x)
        k.addToDiagonal(0.04)
        var g = SeededGenerator(seed: 45)
        let y = matvec(try Cholesky(k).lower, g.normals(400))
        for constraint in [Constraint.positive, .exponential] {
            var model = ExactGP(kernel: RBF(lengthscale: [2], variance: 1), likelihood: GaussianLikelihood(variance: 0.5))
            var ps = model.parameters
            for i in 0..<2 { ps[i].constraint = constraint }
            model.parameters = ps
            try model.fit(x, y)
            #expect(abs(model.kernel.parameters[0].scalar - 0.8) < 0.15)
            #expect(abs(model.likelihood.variance.scalar - 0.04) < 0.01)
        }
    }
}
