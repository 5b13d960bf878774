import GPLinearAlgebra

/// What the engine needs to know about a regression data set to start a fit well
/// (docs/methods/training.md#starting-points): per input column a length scale of the data, and the
/// target variance. An objective offers it through `Objective.dataSummary`.
/// - Complexity: O(n d) to build (O(n log n) for one input column: its spacings).
public struct DataSummary: Sendable, Equatable {
    /// A length scale per input column: the standard deviation for several columns; for one column (a time
    /// series or a 1-D input) the geometric mean of the median spacing of the sorted values and their span,
    /// √(Δ_median · span), which sits between the finest and the coarsest scale the data can resolve.
    public var inputScales: [Double]
    /// The sample variance of the targets (1 when the targets are constant or absent).
    public var targetVariance: Double

    public init(inputScales: [Double], targetVariance: Double) {
        self.inputScales = inputScales
        self.targetVariance = targetVariance
    }

    /// The summary of inputs `x` (rows are points) and targets `y`.
    public init(x: Matrix, y: [Double]) {
        var scales: [Double] = []
        if x.cols == 1 {
            let t = x.storage.filter(\.isFinite).sorted()
            var gaps: [Double] = []
            gaps.reserveCapacity(max(0, t.count - 1))
            for i in 1..<max(1, t.count) where t[i] > t[i - 1] { gaps.append(t[i] - t[i - 1]) }
            gaps.sort()
            let span = (t.last ?? 1) - (t.first ?? 0)
            let spacing = gaps.isEmpty ? span : gaps[gaps.count / 2]
            let s = (spacing * span).squareRoot()
            scales = [s.isFinite && s > 0 ? s : 1]
        } else {
            for j in 0..<x.cols {
                let c = (0..<x.rows).map { x[$0, j] }
                let s = Self.variance(c).squareRoot()
                scales.append(s.isFinite && s > 0 ? s : 1)
            }
        }
        let v = Self.variance(y.filter(\.isFinite))
        self.init(inputScales: scales, targetVariance: v.isFinite && v > 0 ? v : 1)
    }

    /// The summary of inputs `x` for a likelihood whose latent function is not the target: the latent scale is
    /// the variance of the observed targets' `linearisationPoint`s (Poisson: log(y + ½)); a likelihood without
    /// them (labels say nothing about the latent scale) starts the kernel variance at 1. NaN targets are missing.
    public init(x: Matrix, y: [Double], latentOf likelihood: any ScalarLikelihood) {
        let observed = y.filter { !$0.isNaN }
        let points = observed.compactMap { likelihood.linearisationPoint(for: $0) }
        self.init(x: x, y: points.count == observed.count ? points : [])
    }

    static func variance(_ v: [Double]) -> Double {
        guard v.count > 1 else { return 0 }
        let m = v.reduce(0, +) / Double(v.count)
        return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)
    }
}

/// A cheap default multi-start (docs/methods/training.md#starting-points): the objective is evaluated
/// (value only) at the given start and at a small design around a data-driven start — every lengthscale
/// at `lengthscaleMultipliers` × the data's scale, the Gaussian noise at `noiseFractions` × the target
/// variance with the signal variances sharing the rest — and the `keep` best points are optimised; the best
/// optimum wins. It needs the objective's `dataSummary` (objectives without one are fitted from the given
/// start only).
/// - Complexity: (|multipliers| · |fractions| + 1) value evaluations, then `keep` optimisations.
public struct StartScreen: Sendable, Equatable {
    public var lengthscaleMultipliers: [Double]
    public var noiseFractions: [Double]
    /// How many of the best starting points are optimised.
    public var keep: Int

    public init(lengthscaleMultipliers: [Double] = [0.25, 1, 4], noiseFractions: [Double] = [0.01, 0.1, 0.5], keep: Int = 2) {
        self.lengthscaleMultipliers = lengthscaleMultipliers
        self.noiseFractions = noiseFractions
        self.keep = keep
    }

    /// The candidates: the given start first, then the design, each distinct point once (without a
    /// trainable Gaussian noise the noise fractions do not change a point).
    func candidates(from start: [Parameter], data: DataSummary) -> [[Parameter]] {
        var out = [start]
        for f in noiseFractions {
            for m in lengthscaleMultipliers {
                let c = Self.dataDriven(start, data: data, lengthscaleMultiplier: m, noiseFraction: f)
                if !out.contains(where: { $0.map(\.value) == c.map(\.value) }) { out.append(c) }
            }
        }
        return out
    }

    /// The data-driven start: lengthscales from the data's scales (× `m`), the Gaussian noise variance at
    /// `f` × the target variance, every scalar kernel variance at (1 − f) × the target variance shared
    /// equally. Fixed parameters and values outside a parameter's constraint are left as they were.
    static func dataDriven(_ parameters: [Parameter], data: DataSummary, lengthscaleMultiplier m: Double,
                           noiseFraction f: Double) -> [Parameter] {
        var ps = parameters
        let hasNoise = ps.contains { $0.name == "likelihood.variance" && $0.isTrainable }
        let signal = hasNoise ? (1 - f) * data.targetVariance : data.targetVariance
        let variances = ps.indices.filter {
            ps[$0].isTrainable && ps[$0].count == 1 && ps[$0].name.hasPrefix("kernel") && ps[$0].name.hasSuffix("variance")
        }
        func set(_ i: Int, _ values: [Double]) {
            if values.allSatisfy({ $0.isFinite && ps[i].constraint.contains($0) }) { ps[i].value = values }
        }
        let meanScale = Math.exp(data.inputScales.map { Math.log($0) }.reduce(0, +) / Double(max(1, data.inputScales.count)))
        for i in ps.indices where ps[i].isTrainable {
            let name = ps[i].name
            if name.hasSuffix("lengthscale") {
                let scales = ps[i].count == data.inputScales.count ? data.inputScales
                    : [Double](repeating: meanScale, count: ps[i].count)
                set(i, scales.map { m * $0 })
            } else if name == "likelihood.variance" {
                set(i, [f * data.targetVariance])
            } else if variances.contains(i) {
                set(i, [signal / Double(variances.count)])
            }
        }
        return ps
    }
}

/// What the start screen did: its cost and what it found.
public struct ScreenReport: Sendable, Codable, Equatable {
    /// Starting points evaluated (the given start and the design).
    public var evaluated: Int
    /// Objective at each, in the order evaluated (−∞ where the evaluation failed).
    public var objectives: [Double]
    /// Indices (into `objectives`) of the points that were optimised.
    public var optimised: [Int]
    public var seconds: Double
}

/// A fit that ended where a careful user would not trust it (docs/methods/training.md#degenerate-fits).
public enum FitWarning: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The kernel's signal variance is a vanishing fraction of the target variance: the fit calls the data noise.
    case signalVanished(parameter: String, value: Double)
    /// A parameter sits at its constraint's lower bound (e.g. the noise at its floor).
    case atLowerBound(parameter: String, value: Double)
    /// A lengthscale is far below the data's resolution or far beyond its extent.
    case lengthscaleAtBound(parameter: String, value: Double, scale: Double)

    public var description: String {
        switch self {
        case let .signalVanished(p, v):
            return "\(p) = \(v) is ≈ 0 relative to the target variance: the model explains the data as noise"
        case let .atLowerBound(p, v): return "\(p) = \(v) is at its lower bound"
        case let .lengthscaleAtBound(p, v, s):
            return "\(p) = \(v) is \(v < s ? "far below" : "far beyond") the data's scale \(s)"
        }
    }

    /// The warnings for trained `parameters` on data summarised by `data`.
    static func check(_ parameters: [Parameter], data: DataSummary?) -> [FitWarning] {
        var out: [FitWarning] = []
        for p in parameters where p.isTrainable {
            if case let .positive(b) = p.constraint, b > 0, p.value.contains(where: { $0 <= b * (1 + 1e-3) }) {
                out.append(.atLowerBound(parameter: p.name, value: p.value.min() ?? b))
            }
            guard let data else { continue }
            if p.count == 1, p.name.hasPrefix("kernel"), p.name.hasSuffix("variance"), p.scalar < 1e-6 * data.targetVariance {
                out.append(.signalVanished(parameter: p.name, value: p.scalar))
            }
            if p.name.hasSuffix("lengthscale") {
                for (j, v) in p.value.enumerated() {
                    let s = p.count == data.inputScales.count ? data.inputScales[j] : data.inputScales.min() ?? 1
                    // Above 1e4 × the scale an input is simply irrelevant (ARD), not degenerate; below 1e-4 × it
                    // the kernel is white noise at the data's resolution.
                    if v < 1e-4 * s { out.append(.lengthscaleAtBound(parameter: p.count == 1 ? p.name : "\(p.name)[\(j)]", value: v, scale: s)) }
                }
            }
        }
        return out
    }
}
