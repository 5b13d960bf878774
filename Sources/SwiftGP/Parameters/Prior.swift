import GPLinearAlgebra

/// A prior density on a parameter's constrained value θ (each entry of a vector parameter independently),
/// for maximum-a-posteriori training: `Trainer.fit` adds Σ log p(θ) to every objective that has priors
/// (docs/methods/training.md#priors-map).
///
/// | case | log p(θ) |
/// |---|---|
/// | `normal(mean: μ, sd: s)` | −½((θ−μ)/s)² − log s − ½ log 2π |
/// | `logNormal(mu: μ, sigma: s)` | −½((log θ−μ)/s)² − log θ − log s − ½ log 2π  (θ > 0) |
/// | `gamma(shape: α, rate: β)` | α log β − log Γ(α) + (α−1) log θ − βθ  (θ > 0) |
/// | `halfCauchy(scale: s)` | log 2 − log(π s) − log(1 + (θ/s)²)  (θ ≥ 0) |
/// | `uniform(lower: a, upper: b)` | −log(b − a)  (a ≤ θ ≤ b) |
///
/// Outside the support the log density is −∞, which the engine treats as an invalid point.
/// - Complexity: O(1) per value.
public enum Prior: Sendable, Equatable, Codable, CustomStringConvertible {
    case normal(mean: Double, sd: Double)
    case logNormal(mu: Double, sigma: Double)
    case gamma(shape: Double, rate: Double)
    case halfCauchy(scale: Double)
    case uniform(lower: Double, upper: Double)

    /// Why a prior's settings were rejected.
    public struct InvalidPrior: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Checks the settings: scales, shapes and rates positive and finite, lower < upper.
    public func validated() throws -> Prior {
        func positive(_ v: Double, _ what: String) throws {
            guard v.isFinite, v > 0 else { throw InvalidPrior(description: "\(self): \(what) must be positive and finite") }
        }
        switch self {
        case let .normal(m, s):
            guard m.isFinite else { throw InvalidPrior(description: "\(self): the mean must be finite") }
            try positive(s, "the standard deviation")
        case let .logNormal(m, s):
            guard m.isFinite else { throw InvalidPrior(description: "\(self): mu must be finite") }
            try positive(s, "sigma")
        case let .gamma(a, b):
            try positive(a, "the shape")
            try positive(b, "the rate")
        case let .halfCauchy(s): try positive(s, "the scale")
        case let .uniform(a, b):
            guard a.isFinite, b.isFinite, a < b else { throw InvalidPrior(description: "\(self): needs finite lower < upper") }
        }
        return self
    }

    /// log p(θ).
    public func logDensity(_ theta: Double) -> Double {
        switch self {
        case let .normal(m, s):
            let z = (theta - m) / s
            return -0.5 * z * z - Math.log(s) - 0.5 * Math.logTwoPi
        case let .logNormal(m, s):
            guard theta > 0 else { return -.infinity }
            let z = (Math.log(theta) - m) / s
            return -0.5 * z * z - Math.log(theta) - Math.log(s) - 0.5 * Math.logTwoPi
        case let .gamma(a, b):
            guard theta > 0 else { return -.infinity }
            return a * Math.log(b) - Math.lgamma(a) + (a - 1) * Math.log(theta) - b * theta
        case let .halfCauchy(s):
            guard theta >= 0 else { return -.infinity }
            let z = theta / s
            return Math.log(2 / (Double.pi * s)) - Math.log1p(z * z)
        case let .uniform(a, b):
            return theta >= a && theta <= b ? -Math.log(b - a) : -.infinity
        }
    }

    /// d log p(θ) / dθ (0 outside the support, where the density is −∞ anyway).
    public func derivative(_ theta: Double) -> Double {
        switch self {
        case let .normal(m, s): return -(theta - m) / (s * s)
        case let .logNormal(m, s):
            guard theta > 0 else { return 0 }
            return -((Math.log(theta) - m) / (s * s) + 1) / theta
        case let .gamma(a, b):
            guard theta > 0 else { return 0 }
            return (a - 1) / theta - b
        case let .halfCauchy(s):
            guard theta >= 0 else { return 0 }
            return -2 * theta / (s * s + theta * theta)
        case .uniform: return 0
        }
    }

    /// The form `--prior` takes: `normal(0,1)`, `lognormal(0,1)`, `gamma(2,1)`, `halfcauchy(1)`, `uniform(0,5)`.
    public var description: String {
        func f(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
        switch self {
        case let .normal(m, s): return "normal(\(f(m)),\(f(s)))"
        case let .logNormal(m, s): return "lognormal(\(f(m)),\(f(s)))"
        case let .gamma(a, b): return "gamma(\(f(a)),\(f(b)))"
        case let .halfCauchy(s): return "halfcauchy(\(f(s)))"
        case let .uniform(a, b): return "uniform(\(f(a)),\(f(b)))"
        }
    }

    /// The names `Prior(parsing:)` accepts, with their arguments.
    public static let forms = ["normal(mean,sd)", "lognormal(mu,sigma)", "gamma(shape,rate)", "halfcauchy(scale)",
                               "uniform(lower,upper)"]

    /// Parses `name(a,b)` (case-insensitive, spaces allowed) and validates the settings.
    /// - Throws: `InvalidPrior` naming the problem.
    public init(parsing text: String) throws {
        let s = text.filter { !$0.isWhitespace }.lowercased()
        guard let open = s.firstIndex(of: "("), s.hasSuffix(")") else {
            throw InvalidPrior(description: "prior '\(text)' is not of the form name(arguments); known: \(Self.forms.joined(separator: ", "))")
        }
        let name = String(s[..<open])
        let inner = s[s.index(after: open)..<s.index(before: s.endIndex)]
        let parts = inner.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var args: [Double] = []
        for p in parts {
            guard let v = Double(p), v.isFinite else { throw InvalidPrior(description: "prior '\(text)': '\(p)' is not a finite number") }
            args.append(v)
        }
        func need(_ n: Int) throws {
            guard args.count == n else {
                throw InvalidPrior(description: "prior '\(text)': \(name) takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)")
            }
        }
        let prior: Prior
        switch name {
        case "normal": try need(2); prior = .normal(mean: args[0], sd: args[1])
        case "lognormal": try need(2); prior = .logNormal(mu: args[0], sigma: args[1])
        case "gamma": try need(2); prior = .gamma(shape: args[0], rate: args[1])
        case "halfcauchy": try need(1); prior = .halfCauchy(scale: args[0])
        case "uniform": try need(2); prior = .uniform(lower: args[0], upper: args[1])
        default:
            throw InvalidPrior(description: "unknown prior '\(name)' (known: \(Self.forms.joined(separator: ", ")))")
        }
        self = try prior.validated()
    }
}
