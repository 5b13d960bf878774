import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// A custom kernel for the registration test: k = σ² (1 + r²/(2·3ℓ²))^(−3)… built here as a rational
/// quadratic with α = 3 fixed, under its own kind, forwarding to `RationalQuadratic`.
struct FixedAlphaRQ: Kernel {
    var inner: RationalQuadratic
    init(lengthscale: [Double], variance: Double) { inner = RationalQuadratic(lengthscale: lengthscale, variance: variance, alpha: 3) }
    var kind: String { "test-rq3" }
    var parameters: [Parameter] {
        get { Array(inner.parameters.prefix(2)) }
        set { inner.parameters = newValue + [inner.parameters[2]] }
    }
    func gram(_ x: Matrix) -> Matrix { inner.gram(x) }
    func cross(_ x: Matrix, _ z: Matrix) -> Matrix { inner.cross(x, z) }
    func diagonal(_ x: Matrix) -> [Double] { inner.diagonal(x) }
    func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        Array(inner.crossGradient(x, z, adjoint: adjoint).dropLast())
    }
    func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] { Array(inner.diagonalGradient(x, adjoint: adjoint).dropLast()) }
    func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix { inner.crossInputGradient(x, z, adjoint: adjoint) }
}

/// A custom mean for the registration test: m(x) = a · sin(x₁).
struct SineMean: MeanFunction {
    var amplitude = Parameter("amplitude", 0.5, .identity)
    var kind: String { "test-sine" }
    var parameters: [Parameter] {
        get { [amplitude] }
        set { amplitude.assign(from: newValue[0]) }
    }
    func value(_ x: Matrix) -> [Double] { (0..<x.rows).map { amplitude.scalar * Math.sin(x[$0, 0]) } }
    func gradient(_ x: Matrix, adjoint: [Double]) -> [Double] { [(0..<x.rows).map { adjoint[$0] * Math.sin(x[$0, 0]) }.reduce(0, +)] }
}

/// Every model is Codable with one save/load API (issue 13): a reloaded model has the same parameters
/// (values, constraints, trainability, priors) and predicts bit-identically; bad files are `ModelFileError`s.
@Suite struct ModelCodingTests {
    let x = TestData.uniform(30, 2, seed: 1310)
    var y: [Double] { (0..<30).map { Math.sin(x[$0, 0]) + 0.3 * x[$0, 1] } }
    let xs = TestData.uniform(7, 2, seed: 1311)

    func roundTrip<M: SavableModel>(_ model: M) throws -> M {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        return try M.load(from: path)
    }

    @Test func exactGPRoundTrips() throws {
        var model = ExactGP(kernel: Matern52() + 0.5 * RBF(lengthscale: [2]), likelihood: GaussianLikelihood(variance: 0.1),
                            mean: ConstantMean())
        model.setPrior(.logNormal(mu: 0, sigma: 1), matching: "lengthscale")
        try model.fit(x, y, options: FitOptions(maxIterations: 15))
        model.setTrainable(false, matching: "likelihood.variance")
        let back = try roundTrip(model)
        #expect(back.parameters == model.parameters)
        let (p, q) = (try model.posterior(x, y).predict(at: xs), try back.posterior(x, y).predict(at: xs))
        #expect(p.mean == q.mean && p.variance == q.variance)
    }

    @Test func sparseModelsRoundTrip() throws {
        var sgpr = SGPR(kernel: Matern32(lengthscale: [1, 1]), inducing: x.selectingRows(Array(0..<6)))
        try sgpr.fit(x, y, options: FitOptions(maxIterations: 10))
        let sgprBack = try roundTrip(sgpr)
        #expect(sgprBack.parameters == sgpr.parameters)
        #expect(try sgprBack.posterior(x, y).predict(at: xs).mean == sgpr.posterior(x, y).predict(at: xs).mean)

        let labels = y.map { $0 > 0 ? 1.0 : 0.0 }
        var svgp = try SVGP(kernel: RBF(lengthscale: [1, 1]), likelihood: Bernoulli(link: .logit), inducing: x.selectingRows(Array(0..<5)),
                            parametrisation: .unwhitened, covariance: .meanField)
        try svgp.fit(x, labels, options: FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: 10))
        let svgpBack = try roundTrip(svgp)
        #expect(svgpBack.parameters == svgp.parameters)
        #expect(svgpBack.parametrisation == .unwhitened && svgpBack.variational.covariance == .meanField)
        let (p, q) = (try svgp.posterior().predictObserved(at: xs), try svgpBack.posterior().predictObserved(at: xs))
        #expect(p.mean == q.mean && p.variance == q.variance)
    }

    @Test func stateSpaceGPRoundTrips() throws {
        let t = (0..<40).map { 0.3 * Double($0) }
        let yt = t.map { Math.sin($0) }
        var model = try StateSpaceGP(kernel: Matern32(lengthscale: [1]) + HidaMatern(order: 1, frequency: 1))
        try model.fit(t, yt, options: FitOptions(maxIterations: 10))
        let back = try roundTrip(model)
        #expect(back.parameters == model.parameters)
        #expect(try back.posterior(t, yt).predict(at: [1.05, 7.3]).mean == model.posterior(t, yt).predict(at: [1.05, 7.3]).mean)
    }

    @Test func badFilesAreModelFileErrors() throws {
        let dir = FileManager.default.temporaryDirectory
        let missing = dir.appendingPathComponent("no-such-model.json").path
        #expect(throws: ModelFileError.fileNotFound(path: missing)) { try ExactGP.load(from: missing) }
        let path = dir.appendingPathComponent("model-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SGPR(kernel: RBF(lengthscale: [1, 1]), inducing: x.selectingRows([0, 1])).save(to: path)
        #expect(throws: ModelFileError.invalidFile(path: path, detail: "a 'sgpr' model where 'exact' was expected")) {
            try ExactGP.load(from: path)
        }
        try "{\"model\": \"exact\"".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ModelFileError.self) { try ExactGP.load(from: path) }
    }

    /// A custom kernel joins the codec by registering its catalogue entry: before, loading names the unknown
    /// kind; after, the model round-trips; a second registration of the name is refused.
    @Test func customKernelsJoinTheCodecByRegistering() throws {
        var model = ExactGP(kernel: FixedAlphaRQ(lengthscale: [1, 2], variance: 1.5), likelihood: GaussianLikelihood(variance: 0.1))
        try model.fit(x, y, options: FitOptions(maxIterations: 10))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        #expect(throws: ModelFileError.self) { try ExactGP.load(from: path) }
        let entry = KernelCatalogue.Entry("test-rq3", "rational quadratic, α = 3",
                                          parameters: [.init("lengthscale", .perDimension), .init("variance", .scalar)]) {
            FixedAlphaRQ(lengthscale: $0.values[0], variance: $0.values[1][0])
        }
        try KernelCatalogue.register(entry)
        #expect(throws: CatalogueError.duplicateName("test-rq3")) { try KernelCatalogue.register(entry) }
        #expect(throws: CatalogueError.duplicateName("rbf")) {
            try KernelCatalogue.register(KernelCatalogue.Entry("rbf", "again", parameters: []) { _ in RBF() })
        }
        let back = try ExactGP.load(from: path)
        #expect(back.kernel is FixedAlphaRQ && back.parameters == model.parameters)
        #expect(try back.posterior(x, y).predict(at: xs).mean == model.posterior(x, y).predict(at: xs).mean)
    }

    /// A custom mean joins the codec the same way; stored means are checked against the rebuilt mean's own
    /// names and shapes.
    @Test func customMeansJoinTheCodecByRegistering() throws {
        var model = ExactGP(kernel: RBF(lengthscale: [1, 1]), likelihood: GaussianLikelihood(variance: 0.1), mean: SineMean())
        try model.fit(x, y, options: FitOptions(maxIterations: 10))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        #expect { try ExactGP.load(from: path) } throws: { "\($0)".contains("unknown mean function 'test-sine' (known: zero, constant, linear") }
        try MeanCatalogue.register(.init("test-sine", "a sin(x₁)") { v in
            v.count == 1 && v[0].count == 1 ? SineMean(amplitude: Parameter("amplitude", v[0][0], .identity)) : nil
        })
        #expect(throws: CatalogueError.duplicateName("linear")) { try MeanCatalogue.register(.init("linear", "again") { _ in ZeroMean() }) }
        let back = try ExactGP.load(from: path)
        #expect(back.mean is SineMean && back.parameters == model.parameters)
        #expect(try back.posterior(x, y).predict(at: xs).mean == model.posterior(x, y).predict(at: xs).mean)
        // Stored parameters that do not fit the kind, or a linear mean sized for other columns, are refused.
        let constant = ComponentSpec(kind: "constant", parameters: [Parameter("constant", [1, 2], .identity)])
        #expect { try constant.meanFunction(inputDimension: 2) } throws: { "\($0)".contains("which do not fit a constant mean") }
        let linear = ComponentSpec(kind: "linear", parameters: LinearMean(weights: [1, 2, 3]).parameters)
        #expect { try linear.meanFunction(inputDimension: 2) } throws: { "\($0)".contains("sized for 3 input columns, the model has 2") }
        #expect(try linear.meanFunction(inputDimension: 3).value(Matrix([[1, 1, 1]])) == [6])
    }
}
