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

    @Option(help: ArgumentHelp("Write the CSV here (atomically; - for standard output, the default).", valueName: "PRED.csv"))
    var output: String?

    func run() throws {
        // Every output check before any work: a bad name, or the model or data file itself, is refused.
        let destination = try output.map { try OutputDestination($0, inputs: [input.model, input.data]) } ?? .standardOutput
        let out = try AtomicFile(destination)
        let (model, data) = try input.load()
        // Predicted and written block by block: memory stays bounded for any number of rows.
        try model.predict(data.x, noise: data.noise) { p, start in
            if start == 0 { out.write(p.csvHeader) }
            out.write(p.csvRows)
        }
        try out.commit()
    }
}
