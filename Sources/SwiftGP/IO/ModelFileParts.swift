import Foundation
import GPLinearAlgebra

/// What kind of target a model predicts.
public enum ModelTask: String, Codable, Sendable {
    case regression
    /// Non-negative integer targets (Poisson): never standardised.
    case countRegression = "count-regression"
    case binaryClassification = "binary-classification"
    case multiclassClassification = "multiclass-classification"
}

/// The standardisation applied to inputs (`x`) and regression targets (`y`); nil where none was applied.
public struct StoredStandardization: Codable, Sendable, Equatable {
    public var x: Standardization?
    public var y: Standardization?

    public init(x: Standardization?, y: Standardization?) {
        self.x = x
        self.y = y
    }

    func validate(dimension d: Int) throws {
        for (name, s, width) in [("x", x, d), ("y", y, 1)] {
            guard let s else { continue }
            guard s.mean.count == width, s.scale.count == width else {
                throw ModelFileError.invalid(detail: "'standardization.\(name)' has \(s.mean.count) means and "
                                             + "\(s.scale.count) scales for \(width) column(s)")
            }
            guard s.scale.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw ModelFileError.invalid(detail: "'standardization.\(name)' has a scale that is not positive")
            }
        }
    }
}

/// The training data embedded in a model file (after standardisation): `x` row by row, `y` targets.
public struct TrainingData: Codable, Sendable, Equatable {
    public var x: [[Double]]
    public var y: [Double]
    /// Known per-point noise variances of the rows (standardised scale), when the fit had them.
    public var noise: [Double]?

    public init(x: [[Double]], y: [Double], noise: [Double]? = nil) {
        self.x = x
        self.y = y
        self.noise = noise
    }
}

/// What the training run did. `objective` is on the scale of the data as given (for standardised
/// regression targets with scale s, objective = objective_standardized − n log s).
public struct TrainingRecord: Codable, Sendable, Equatable {
    public var objective: Double
    public var objectiveStandardized: Double
    /// What the objective is: "log marginal likelihood", "ELBO", ….
    public var objectiveName: String
    public var points: Int
    public var iterations: Int
    public var evaluations: Int
    public var seconds: Double
    /// The largest jitter any factorisation added.
    public var jitter: Double
    public var stopReason: String
    public var converged: Bool
    public var restarts: Int
    public var restartObjectives: [Double]
    public var seed: UInt64
    public var maxIterations: Int
    /// Starting points the default screen evaluated, and what it cost (absent without a screen).
    public var screenStarts: Int?
    public var screenSeconds: Double?
    /// Why the fit may be degenerate (`FitWarning` descriptions), absent when there is none.
    public var warnings: [String]?

    enum CodingKeys: String, CodingKey {
        case objective, points, iterations, evaluations, seconds, jitter, converged, restarts, seed, warnings
        case objectiveStandardized = "objective_standardized", objectiveName = "objective_name"
        case stopReason = "stop_reason", restartObjectives = "restart_objectives", maxIterations = "max_iterations"
        case screenStarts = "screen_starts", screenSeconds = "screen_seconds"
    }
}

/// A `JitterPolicy` as stored in a model file, so a loaded model factorises exactly as the fitted one.
public struct JitterRecord: Codable, Sendable, Equatable {
    public var firstRelative: Double
    public var growth: Double
    public var retries: Int
    public var priorRelative: Double

    enum CodingKeys: String, CodingKey {
        case growth, retries
        case firstRelative = "first_relative", priorRelative = "prior_relative"
    }

    public init(_ p: JitterPolicy) {
        firstRelative = p.firstRelativeJitter
        growth = p.growth
        retries = p.retries
        priorRelative = p.priorRelativeJitter
    }

    /// The most retries a model file may ask for (the ladder then spans 20 orders of magnitude at growth 10).
    public static let maxRetries = 20

    /// Checks every field's range. - Throws: `ModelFileError.invalid` naming the field.
    func validate() throws {
        func fail(_ field: String, _ rule: String, _ value: Any) -> ModelFileError {
            .invalid(detail: "'jitter_policy.\(field)' must be \(rule) (found \(value))")
        }
        guard (0...Self.maxRetries).contains(retries) else { throw fail("retries", "between 0 and \(Self.maxRetries)", retries) }
        guard firstRelative > 0, firstRelative < 1 else { throw fail("first_relative", "in (0, 1)", firstRelative) }
        guard growth > 1, growth <= 1e3 else { throw fail("growth", "in (1, 1000]", growth) }
        guard priorRelative >= 0, priorRelative < 1 else { throw fail("prior_relative", "in [0, 1)", priorRelative) }
    }

    public var policy: JitterPolicy {
        JitterPolicy(firstRelativeJitter: firstRelative, growth: growth, retries: retries, priorRelativeJitter: priorRelative)
    }
}
