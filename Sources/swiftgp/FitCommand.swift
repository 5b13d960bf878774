import ArgumentParser
import Foundation
import GPCommandOptions
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

    @Option(help: ArgumentHelp("Training data: CSV with a header row (- reads standard input).", valueName: "TRAIN.csv"))
    var data: String

    @Option(help: ArgumentHelp("The column to predict.", valueName: "COL"))
    var target: String

    @Option(name: [.customLong("features"), .customLong("input")],
            help: ArgumentHelp("Comma-separated feature columns (default: every column but the target); for gpssm, the control series.",
                               valueName: "a,b,c"))
    var features: String?

    @Option(help: ArgumentHelp(
        "A column of known noise variances of the target, one per row (≥ 0, in the target's units squared), added to "
            + "the learned noise variance; not a feature. exact, sgpr and svgp with a Gaussian likelihood. predict and "
            + "evaluate add the column to the variance of y when their data has it.",
        valueName: "COL"))
    var noiseColumn: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("gpssm: the number of latent states (at least 1, the output).", valueName: "D"))
    var latentDims: Int?

    @Option(help: ArgumentHelp("Model kind: \(ModelKinds.names.joined(separator: ", ")).", valueName: "KIND"))
    var model: String = "exact"

    @Option(help: ArgumentHelp("Kernel expression, e.g. matern52 or \"matern52+periodic\".", valueName: "EXPR"))
    var kernel: String = "rbf"

    @Option(help: ArgumentHelp("Likelihood: \(LikelihoodCatalogue.names.joined(separator: ", ")) (default: the model's first; "
                               + "exact supports \(LikelihoodCatalogue.names(acceptedBy: "exact").joined(separator: ", "))).",
                               valueName: "NAME"))
    var likelihood: String?

    @Option(parsing: .unconditional, help: "Maximum optimiser iterations per run.")
    var iterations: Int = 1000

    @Option(parsing: .unconditional, help: "Passes over the data for minibatch models (sets the iterations to epochs × ⌈n / batch size⌉).")
    var epochs: Int?

    /// `--inducing`, `--batch-size`, `--[no-]natural-gradients`, `--learning-rate` (shared with `swiftgp-mpi fit`).
    @OptionGroup var sparse: SparseFitOptions

    @Option(help: ArgumentHelp("Conditioning-set size of vecchia and dklgp (nearest previous points in maximin order; ≥ n − 1 is the exact GP).",
                               valueName: "M"))
    var neighbors: Int = 30

    @Option(help: ArgumentHelp("gpc: inference method, \(ClassificationInference.allCases.map(\.rawValue).joined(separator: ", ")) (default: ep-like); "
                               + "svgp: vi or ep-like trains by rounds of CVI site updates and L-BFGS steps (default: minibatch Adam on the ELBO); "
                               + "statespace with a non-Gaussian likelihood: vi (variational EM, the default) or ep-like (CVI rounds, kernel on the EP-like estimate); "
                               + "gpssm: \(GPSSMMethod.allCases.map(\.rawValue).joined(separator: ", ")) (default: collapsed).",
                               valueName: "METHOD"))
    var inference: String?

    @Option(help: ArgumentHelp("magmaclust: the task (individual) column of long-format data, one row per observation; numeric ids.",
                               valueName: "COL"))
    var task: String?

    @Option(help: ArgumentHelp("magmaclust: the number of clusters K, or auto (K = 1 … \(MagmaClustModelKind.maxAutoClusters) by VBIC).",
                               valueName: "K|auto"))
    var clusters: String = "auto"

    @Option(help: ArgumentHelp("magmaclust: which hyperparameters are shared — H00 (both), Hk0 (cluster-specific mean kernels), "
                               + "H0i (task-specific kernels), Hki (both specific).", valueName: "H"))
    var hypothesis: String = "H00"

    @Option(parsing: .unconditional, help: "Extra runs from randomly perturbed starting points; the best is kept.")
    var restarts: Int = 0

    @Option(parsing: .unconditional, help: "Random seed (restart perturbations, minibatches).")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("A prior on parameters (MAP), repeatable: NAME=" + Prior.forms.joined(separator: "|")
                               + ", e.g. \"kernel.lengthscale=lognormal(0,1)\"; NAME is a qualified name, a pattern with *, "
                               + "or a name suffix (lengthscale). On the standardised scale; saved in the model file.",
                               valueName: "NAME=PRIOR"))
    var prior: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("Lower bound of the noise variance, on the standardised scale.", valueName: "VARIANCE"))
    var noiseFloor: Double = 1e-6

    @Flag(help: "Fit on the data as given, without standardising inputs and targets.")
    var noStandardize = false

    @Flag(help: "Fit even when the estimated memory exceeds what is available.")
    var force = false

    @Flag(help: "Print nothing on standard error unless there is an error.")
    var quiet = false

    @Option(help: ArgumentHelp("Where to write the model file (written atomically; - for standard output).", valueName: "MODEL.json"))
    var output: String

    /// The accepted ranges of the counting options (beyond them a run could not finish, or its arithmetic
    /// would overflow).
    static let limits = (iterations: 0...1_000_000_000, restarts: 0...10_000, inducing: SparseFitOptions.inducingRange)

    static func check(_ option: String, _ value: Int, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)"
                : "between \(range.lowerBound) and \(range.upperBound)"
            throw ValidationError("\(option) must be \(bound) (got \(value))")
        }
    }

    /// The optimiser iterations: `--epochs` × ⌈n / batch size⌉ (checked), else `--iterations`.
    /// - Throws: `ValidationError` when the product exceeds the iteration limit.
    func iterationCount(rows n: Int, batchSize: Int?) throws -> Int {
        guard let epochs else { return iterations }
        let b = min(batchSize ?? n, n)
        let perEpoch = n / b + (n % b == 0 ? 0 : 1)
        let (total, overflow) = epochs.multipliedReportingOverflow(by: perEpoch)
        guard !overflow, Self.limits.iterations.contains(total) else {
            throw ValidationError("--epochs \(epochs) × \(perEpoch) minibatches per epoch exceeds \(Self.limits.iterations.upperBound) iterations")
        }
        return total
    }

    /// Prints the fit's estimated memory and time per evaluation, and refuses (unless `--force`) a fit
    /// whose memory exceeds what is available. - Throws: `ValidationError` with the cheaper models to use.
    func checkResources(_ kind: any ModelKind, rows n: Int, columns d: Int, settings: FitSettings) throws {
        guard let e = kind.estimate(rows: n, columns: d, settings: settings) else { return }
        let available = SystemMemory.available()
        if !quiet {
            Console.error("fit: \(kind.name) on \(n) × \(d): about \(SystemMemory.format(e.bytes)) of memory"
                          + (available.isFinite ? " (\(SystemMemory.format(available)) available)" : "")
                          + ", \(Self.duration(e.secondsPerEvaluation)) per objective evaluation")
        }
        guard e.bytes > available, !force else { return }
        throw ValidationError(
            "--model \(kind.name) on \(n) rows needs about \(SystemMemory.format(e.bytes)) of memory, but only "
            + "\(SystemMemory.format(max(0, available))) is available. Use a sparse model, whose memory grows as n M: "
            + "--model sgpr --inducing 500, or --model svgp --inducing 500 --batch-size 1024; or --force to try anyway")
    }

    func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

    static func duration(_ s: Double) -> String {
        s < 1e-3 ? "<1 ms" : s < 1 ? String(format: "~%.0f ms", s * 1e3) : s < 120 ? String(format: "~%.1f s", s)
            : s < 7200 ? String(format: "~%.0f min", s / 60) : String(format: "~%.1f h", s / 3600)
    }

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
            let (kind, resolved) = try ModelKinds.resolve(model: model, likelihood: likelihood, kernel: try KernelExpression(parsing: kernel))
            if noiseColumn != nil { try ModelKinds.checkNoiseSupport(kind, likelihood: resolved) }
        } catch {
            throw ValidationError("\(error)")
        }
        if let noiseColumn {
            if noiseColumn == target { throw ValidationError("--noise-column is the target '\(target)'") }
            if featureList?.contains(noiseColumn) ?? false { throw ValidationError("--features includes the noise column '\(noiseColumn)'") }
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
        try Self.check("--iterations", iterations, in: Self.limits.iterations)
        try Self.check("--restarts", restarts, in: Self.limits.restarts)
        try Self.check("--neighbors", neighbors, in: 1...10_000)
        if let e = epochs { try Self.check("--epochs", e, in: Self.limits.iterations.clamped(to: 1...Int.max)) }
        guard noiseFloor >= 0, noiseFloor.isFinite else {
            throw ValidationError("--noise-floor must be a finite number ≥ 0 (got \(noiseFloor))")
        }
        if sparse.naturalGradients != nil && model != "svgp" {
            throw ValidationError("--natural-gradients / --no-natural-gradients apply to --model svgp only")
        }
        if model == "magmaclust" {
            guard let task else { throw ValidationError("--model magmaclust needs --task COL (the task id column of long-format data)") }
            if task == target { throw ValidationError("--task and --target are the same column '\(task)'") }
            if featureList?.contains(task) == true { throw ValidationError("--features includes the task column '\(task)'") }
            _ = try clusterCount()
            _ = try hypotheses()
        } else if task != nil {
            throw ValidationError("--task applies to --model magmaclust only")
        }
        if let latentDims {
            guard model == "gpssm" else { throw ValidationError("--latent-dims applies to --model gpssm only") }
            try Self.check("--latent-dims", latentDims, in: 1...64)
        }
        if let inference, model == "gpssm" {
            guard GPSSMMethod(rawValue: inference) != nil else {
                throw ValidationError("--inference for gpssm must be one of \(GPSSMMethod.allCases.map(\.rawValue).joined(separator: ", ")), not '\(inference)'")
            }
        } else if let inference, model == "svgp" {
            guard let method = ClassificationInference(rawValue: inference), method.energy != nil else {
                throw ValidationError("--inference for svgp must be vi or ep-like (CVI sites, all rows every round), not '\(inference)'")
            }
            guard sparse.batchSize == nil else {
                throw ValidationError("svgp --inference \(inference) updates every row's site each round: drop --batch-size")
            }
            guard sparse.naturalGradients == nil else {
                throw ValidationError("svgp --inference \(inference) moves q(u) by CVI site updates: drop --natural-gradients")
            }
        } else if let inference, model == "statespace" {
            guard let method = ClassificationInference(rawValue: inference), method.energy != nil else {
                throw ValidationError("--inference for statespace must be vi or ep-like (CVI sites), not '\(inference)'")
            }
            guard let name = likelihood, name != "gaussian" else {
                throw ValidationError("statespace --inference \(inference) needs a non-Gaussian likelihood (e.g. --likelihood poisson): "
                                      + "a Gaussian one is fitted exactly by the Kalman filter")
            }
        } else if let inference {
            guard model == "gpc" else { throw ValidationError("--inference applies to --model gpc, svgp, statespace and gpssm only") }
            guard ClassificationInference(rawValue: inference) != nil else {
                throw ValidationError("--inference must be one of \(ClassificationInference.allCases.map(\.rawValue).joined(separator: ", ")), not '\(inference)'")
            }
        }
    }

    /// `--clusters`: nil for auto. - Throws: `ValidationError`.
    func clusterCount() throws -> Int? {
        if clusters == "auto" { return nil }
        guard let k = Int(clusters), (1...1000).contains(k) else {
            throw ValidationError("--clusters must be auto or a whole number from 1 to 1000 (got '\(clusters)')")
        }
        return k
    }

    /// `--hypothesis`. - Throws: `ValidationError`.
    func hypotheses() throws -> MagmaHypotheses {
        let all = ["H00": (true, true), "Hk0": (false, true), "H0i": (true, false), "Hki": (false, false)]
        guard let (m, t) = all[hypothesis] else {
            throw ValidationError("--hypothesis must be one of H00, Hk0, H0i, Hki (got '\(hypothesis)')")
        }
        return MagmaHypotheses(sharedMeanKernel: m, sharedTaskKernel: t)
    }

    func run() throws {
        // Every output check before any work: a bad name, or the training data itself, is refused now.
        // The temporary file exists from now on (removed on an error or a signal): the output is proven writable.
        let out = try AtomicFile(try OutputDestination(output, inputs: [data]))
        if !quiet { Console.error("fit: reading \(data == "-" ? "standard input" : data)") }
        let clock = ContinuousClock(), started = clock.now
        let dataset = try Dataset.training(try DataTable.read(csv: data), target: target, features: featureList,
                                           noiseColumn: noiseColumn, task: task)
        let (n, d) = (dataset.count, dataset.features.count)
        if !quiet { Console.error("fit: read \(n) rows × \(d) feature\(d == 1 ? "" : "s") in \(Self.duration(seconds(clock.now - started)))") }
        if let name = try KernelExpression(parsing: kernel).oneDimensionalName, d != 1 {
            throw ValidationError("kernel '\(name)' needs exactly one feature column (time); the data has \(d): "
                                  + "choose it with --features")
        }
        var batch = sparse.batchSize
        if model == "svgp" && inference == nil || model == "dklgp", batch == nil, let b = SVGPModelKind.defaultBatchSize(rows: n) {
            batch = b
            if !quiet {
                Console.error("fit: \(model) on \(n) rows: minibatches of \(b) rows (full-batch steps would cost O(n M²) each); "
                              + "set --batch-size to change")
            }
        }
        let printer = quiet ? nil : ProgressPrinter(restarts: restarts)
        var options = FitOptions(maxIterations: try iterationCount(rows: n, batchSize: batch), seed: seed, restarts: restarts)
        if let printer { options.progress = { printer.report($0); return .continue } }
        options.priors = try prior.map { try ParameterPrior(parsing: $0) }
        var settings = FitSettings(model: model, kernel: try KernelExpression(parsing: kernel), likelihood: likelihood,
                                   standardize: !noStandardize, noiseFloor: noiseFloor, options: options)
        settings.inducing = sparse.inducing
        settings.neighbours = neighbors
        settings.naturalGradients = sparse.naturalGradients
        settings.learningRate = sparse.learningRate
        settings.inference = inference.flatMap(ClassificationInference.init(rawValue:))
        settings.clusters = try clusterCount()
        settings.hypotheses = try hypotheses()
        if model == "gpssm" {
            settings.latentDimension = latentDims ?? 4
            settings.gpssmMethod = inference.flatMap(GPSSMMethod.init(rawValue:)) ?? .collapsed
        }
        if !quiet { settings.status = { Console.error("fit: \($0)") } }
        try checkResources(ModelKinds.named(model), rows: n, columns: d, settings: settings)
        let fitted = try TrainedModel.fit(dataset, settings: settings)
        try fitted.save(to: out)
        printer?.finish(fitted.file, output: out.destination.display)
        // Degenerate fits are reported even with --quiet: they change what the model means.
        for w in fitted.file.training.warnings ?? [] { Console.error("fit: warning: \(w)") }
    }
}
