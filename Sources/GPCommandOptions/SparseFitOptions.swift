import ArgumentParser

/// The options of sparse variational training, declared once and shared by `swiftgp fit` and `swiftgp-mpi fit`
/// (`@OptionGroup`): `--inducing M`, `--batch-size B`, `--[no-]natural-gradients`, `--learning-rate R`, with
/// their range checks. Counting options parse unconditionally, so a negative value gets the range message.
/// - Complexity: O(1).
public struct SparseFitOptions: ParsableArguments {
    public init() {}

    @Option(parsing: .unconditional, help: ArgumentHelp("Inducing points of sparse models (sgpr, svgp); capped at the number of rows.", valueName: "M"))
    public var inducing: Int = 100

    @Option(parsing: .unconditional, help: ArgumentHelp("Minibatch size of svgp (rows) and dklgp (columns) (default: all rows every iteration).", valueName: "B"))
    public var batchSize: Int?

    @Flag(inversion: .prefixedNo,
          help: "svgp: natural-gradient steps on q(u) alternating with Adam on the hyperparameters (default: on for --likelihood gaussian, off otherwise).")
    public var naturalGradients: Bool?

    @Option(parsing: .unconditional, help: "Adam learning rate of svgp and dklgp.")
    public var learningRate: Double = 0.01

    /// The accepted number of inducing points.
    public static let inducingRange = 1...100_000

    public func validate() throws {
        guard Self.inducingRange.contains(inducing) else {
            throw ValidationError("--inducing must be between \(Self.inducingRange.lowerBound) and \(Self.inducingRange.upperBound) (got \(inducing))")
        }
        if let b = batchSize, b < 1 { throw ValidationError("--batch-size must be at least 1 (got \(b))") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ValidationError("--learning-rate must be a finite number > 0 (got \(learningRate))")
        }
    }
}
