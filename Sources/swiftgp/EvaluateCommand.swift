import ArgumentParser
import GPCommandOptions
import SwiftGP

/// `swiftgp evaluate`: scores a model file's predictions against held-out targets.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a saved model on a labelled CSV file.",
        discussion: """
            Regression metrics, on the original scale of the target: n, rmse, mae, nlpd (mean negative log \
            predictive density −log N(y; mean, variance)) and coverage95 (fraction of targets inside the \
            central 95% predictive interval). Classification: n, accuracy, nlpd, brier.
            With --format json the metrics are one JSON object on one line, keys exactly these names.

            Examples:
              swiftgp evaluate --model model.json --data test.csv
              swiftgp evaluate --model diabetes.json \\
                  --data datasets/diabetes/diabetes_test.csv --format json
              swiftgp evaluate --model model.json --data test.csv --target y_observed

            \(ExitStatus.helpText)
            """)

    @OptionGroup var input: ModelAndData

    @Option(help: ArgumentHelp("The column holding the true targets (default: the model's target).", valueName: "COL"))
    var target: String?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let (model, data) = try input.load { self.target ?? $0.target }
        let metrics = try model.evaluate(data)
        try Console.output((format == .json ? metrics.json : metrics.text) + "\n")
    }
}
