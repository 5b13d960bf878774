import ArgumentParser
import Foundation
import SwiftGP

/// `swiftgp fit`: trains a model on a CSV file and writes a model file.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a model to a CSV file and save it as a model file.",
        discussion: """
            Learns hyperparameters by maximising the model's objective \
            (exact: the log marginal likelihood, sgpr: the collapsed bound, both with L-BFGS; svgp: the ELBO \
            with Adam on minibatches, optionally with natural gradients on q(u)). Inputs are standardised per column, and \
            regression targets too, unless --no-standardize is given; the model file stores the transform and \
            undoes it on output. Progress goes to standard error.

            Models: \(ModelKinds.all.map { "\($0.name) — \($0.summary)" }.joined(separator: "; ")).
            Kernels: \(KernelExpression.names.joined(separator: ", ")), combined with + and * \
            (usual precedence, parentheses allowed), e.g. "matern52+periodic" or "linear*rbf + matern12". \
            Lengthscales are per feature (ARD). \(kernelRestrictions)
            Likelihoods: \(LikelihoodCatalogue.entries.map { "\($0.name) — \($0.summary) [\($0.models.joined(separator: ", "))]" }
                .joined(separator: "; ")).

            Examples:
              swiftgp fit --data train.csv --target y --output model.json
              swiftgp fit --data datasets/diabetes/diabetes_train.csv \\
                  --target progression --model exact --kernel matern52 \\
                  --restarts 2 --seed 1 --output diabetes.json
              swiftgp fit --data datasets/breast_cancer/breast_cancer_train.csv \\
                  --target malignant --model svgp --likelihood bernoulli \\
                  --inducing 50 --batch-size 128 --epochs 100 --output bc.json
              swiftgp fit --data datasets/co2/co2_train.csv --target co2 \\
                  --kernel "rbf + periodic*rbf" --iterations 300 --quiet \\
                  --output co2.json

            \(ExitStatus.helpText)
            """)

    @Option(help: ArgumentHelp("Training data: CSV with a header row.", valueName: "TRAIN.csv"))
    var data: String

    @Option(help: ArgumentHelp("The column to predict.", valueName: "COL"))
    var target: String

    @Option(help: ArgumentHelp("Comma-separated feature columns (default: every column but the target).",
                               valueName: "a,b,c"))
    var features: String?

    @Option(help: ArgumentHelp("Model kind: \(ModelKinds.names.joined(separator: ", ")).", valueName: "KIND"))
    var model: String = "exact"

    @Option(help: ArgumentHelp("Kernel expression, e.g. matern52 or \"matern52+periodic\".", valueName: "EXPR"))
    var kernel: String = "rbf"

    @Option(help: ArgumentHelp("Likelihood: \(LikelihoodCatalogue.names.joined(separator: ", ")) (default: the model's first; "
                               + "exact supports \(LikelihoodCatalogue.names(acceptedBy: "exact").joined(separator: ", "))).",
                               valueName: "NAME"))
    var likelihood: String?

    @Option(help: "Maximum optimiser iterations per run.")
    var iterations: Int = 1000

    @Option(help: "Passes over the data for minibatch models (sets the iterations to epochs × ⌈n / batch size⌉).")
    var epochs: Int?

    @Option(help: ArgumentHelp("Inducing points of sparse models (sgpr, svgp); capped at the number of rows.", valueName: "M"))
    var inducing: Int = 100

    @Option(help: ArgumentHelp("Conditioning-set size of vecchia (nearest previous points in maximin order; ≥ n − 1 is the exact GP).",
                               valueName: "M"))
    var neighbors: Int = 30

    @Option(help: ArgumentHelp("Minibatch size of svgp (default: all rows every iteration).", valueName: "B"))
    var batchSize: Int?

    @Flag(inversion: .prefixedNo,
          help: "svgp: natural-gradient steps on q(u) alternating with Adam on the hyperparameters (default: on for --likelihood gaussian, off otherwise).")
    var naturalGradients: Bool?

    @Option(help: "Adam learning rate of svgp.")
    var learningRate: Double = 0.01

    @Option(help: ArgumentHelp("gpc: inference method, \(ClassificationInference.allCases.map(\.rawValue).joined(separator: ", ")) (default: ep-like).",
                               valueName: "METHOD"))
    var inference: String?

    @Option(help: "Extra runs from randomly perturbed starting points; the best is kept.")
    var restarts: Int = 0

    @Option(help: "Random seed (restart perturbations, minibatches).")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("A prior on parameters (MAP), repeatable: NAME=" + Prior.forms.joined(separator: "|")
                               + ", e.g. \"kernel.lengthscale=lognormal(0,1)\"; NAME is a qualified name, a pattern with *, "
                               + "or a name suffix (lengthscale). On the standardised scale; saved in the model file.",
                               valueName: "NAME=PRIOR"))
    var prior: [String] = []

    @Option(help: ArgumentHelp("Lower bound of the noise variance, on the standardised scale.", valueName: "VARIANCE"))
    var noiseFloor: Double = 1e-6

    @Flag(help: "Fit on the data as given, without standardising inputs and targets.")
    var noStandardize = false

    @Flag(help: "Print nothing on standard error unless there is an error.")
    var quiet = false

    @Option(help: ArgumentHelp("Where to write the model file (written atomically).", valueName: "MODEL.json"))
    var output: String

    /// Which models and inputs restrict which kernels, from the kernel catalogue.
    static var kernelRestrictions: String {
        let oneColumn = KernelCatalogue.entries.filter { $0.isBase && $0.inputColumns == 1 }.map(\.name)
        let restricted = ModelKinds.all.filter { $0.acceptedKernels != .dense }.map { kind in
            let operators = KernelExpression.operators(acceptedBy: kind.acceptedKernels)
            return "--model \(kind.name) accepts \(KernelCatalogue.baseNames(acceptedBy: kind.acceptedKernels).joined(separator: ", "))"
                + (operators.isEmpty ? "" : ", combined with \(operators.joined(separator: " and "))")
        }
        return (restricted + (oneColumn.isEmpty ? [] : ["\(oneColumn.joined(separator: ", ")) need exactly one feature column (time)"]))
            .map { $0 + "." }.joined(separator: " ")
    }

    /// The parsed `--features` list, nil for the default.
    var featureList: [String]? {
        features.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func validate() throws {
        do {
            _ = try ModelKinds.resolve(model: model, likelihood: likelihood, kernel: try KernelExpression(parsing: kernel))
        } catch {
            throw ValidationError("\(error)")
        }
        if let list = featureList {
            if list.contains("") { throw ValidationError("--features has an empty name in '\(features!)'") }
            if let dup = list.first(where: { name in list.filter { $0 == name }.count > 1 }) {
                throw ValidationError("--features lists '\(dup)' more than once")
            }
            if list.contains(target) { throw ValidationError("--features includes the target '\(target)'") }
        }
        for p in prior {
            do { _ = try ParameterPrior(parsing: p) } catch { throw ValidationError("--prior: \(error)") }
        }
        guard iterations >= 0 else { throw ValidationError("--iterations must be at least 0") }
        guard restarts >= 0 else { throw ValidationError("--restarts must be at least 0") }
        guard noiseFloor >= 0, noiseFloor.isFinite else { throw ValidationError("--noise-floor must be a finite number ≥ 0") }
        guard inducing >= 1 else { throw ValidationError("--inducing must be at least 1") }
        guard neighbors >= 1, neighbors <= 10_000 else { throw ValidationError("--neighbors must be between 1 and 10000") }
        if let b = batchSize, b < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let e = epochs, e < 1 { throw ValidationError("--epochs must be at least 1") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be positive") }
        if naturalGradients != nil && model != "svgp" {
            throw ValidationError("--natural-gradients / --no-natural-gradients apply to --model svgp only")
        }
        if let inference {
            guard model == "gpc" else { throw ValidationError("--inference applies to --model gpc only") }
            guard ClassificationInference(rawValue: inference) != nil else {
                throw ValidationError("--inference must be one of \(ClassificationInference.allCases.map(\.rawValue).joined(separator: ", ")), not '\(inference)'")
            }
        }
    }

    func run() throws {
        try AtomicFile.checkWritable(output)
        let dataset = try Dataset.training(try DataTable.read(csv: data), target: target, features: featureList)
        if let name = try KernelExpression(parsing: kernel).oneDimensionalName, dataset.features.count != 1 {
            throw ValidationError("kernel '\(name)' needs exactly one feature column (time); the data has \(dataset.features.count): "
                                  + "choose it with --features")
        }
        let printer = quiet ? nil : ProgressPrinter(restarts: restarts)
        let perEpoch = batchSize.map { (dataset.count + $0 - 1) / $0 } ?? 1
        var options = FitOptions(maxIterations: epochs.map { $0 * perEpoch } ?? iterations, seed: seed, restarts: restarts)
        if let printer { options.progress = { printer.report($0) } }
        options.priors = try prior.map { try ParameterPrior(parsing: $0) }
        var settings = FitSettings(model: model, kernel: try KernelExpression(parsing: kernel), likelihood: likelihood,
                                   standardize: !noStandardize, noiseFloor: noiseFloor, options: options)
        settings.inducing = inducing
        settings.neighbours = neighbors
        settings.batchSize = batchSize
        settings.naturalGradients = naturalGradients
        settings.learningRate = learningRate
        settings.inference = inference.flatMap(ClassificationInference.init(rawValue:))
        let fitted = try TrainedModel.fit(dataset, settings: settings)
        try fitted.save(to: output)
        printer?.finish(fitted.file, output: output)
        // Degenerate fits are reported even with --quiet: they change what the model means.
        for w in fitted.file.training.warnings ?? [] { Console.error("fit: warning: \(w)") }
    }
}
