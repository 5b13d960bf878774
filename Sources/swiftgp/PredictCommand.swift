import ArgumentParser
import SwiftGP

/// `swiftgp predict`: applies a model file to a CSV file and writes predictions as CSV.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict at the rows of a CSV file with a saved model.",
        discussion: """
            Writes one CSV row per input row, on the original scale of the target. Regression: \
            mean,variance,lower95,upper95 — the predictive distribution of y (noise included) and its central \
            95% interval. Classification: p1,label for two classes, p_<class> per class and label otherwise.
            The data needs the model's feature columns (any order); other columns are ignored.

            Examples:
              swiftgp predict --model model.json --data test.csv
              swiftgp predict --model model.json --data test.csv --output predictions.csv

            \(ExitStatus.helpText)
            """)

    @OptionGroup var input: ModelAndData

    @Option(help: ArgumentHelp("Write the CSV here (atomically) instead of to standard output.", valueName: "PRED.csv"))
    var output: String?

    func run() throws {
        if let output { try AtomicFile.checkWritable(output) }
        let (model, data) = try input.load()
        let csv = model.predict(data.x).csv
        if let output { try AtomicFile.write(csv, to: output) } else { Console.output(csv) }
    }
}
