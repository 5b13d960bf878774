import ArgumentParser
import Foundation
import GPLinearAlgebra
import GPCommandOptions
import SwiftGP

/// The `swiftgp` root command: dispatches to `fit`, `predict`, `evaluate` and `info`, and maps every
/// failure to one of the documented exit codes (`ExitStatus`).
@main
struct SwiftGPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftgp",
        abstract: "Fit, apply and inspect Gaussian-process models on CSV data.",
        discussion: """
            A typical session:

              swiftgp fit --data train.csv --target y --model exact --kernel matern52 \\
                  --output model.json
              swiftgp predict --model model.json --data test.csv --output pred.csv
              swiftgp evaluate --model model.json --data test.csv
              swiftgp info --model model.json

            Data files are comma-separated with a header row; every cell must be a finite number.

            \(ExitStatus.helpText)
            """,
        version: "swiftgp \(SwiftGPVersion.string) (model file format \(ModelFile.currentVersion))",
        subcommands: [FitCommand.self, PredictCommand.self, EvaluateCommand.self, InfoCommand.self, ConvertCommand.self])

    /// Parses (usage errors exit 2, help exits 0), then runs, mapping errors to exit codes.
    static func main() {
        HeapPolicy.retainFreedMemory()
        AtomicFile.removeTemporaryFilesOnSignals()
        runMappingErrors(name: "swiftgp")
    }
}
