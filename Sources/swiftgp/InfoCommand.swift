import ArgumentParser
import Foundation
import GPCommandOptions
import SwiftGP

/// `swiftgp info`: describes a model file.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a saved model: kind, kernel tree with learned hyperparameters, training summary.",
        discussion: """
            Hyperparameters are constrained values on the scale the model was trained on (standardised \
            unless it was fitted with --no-standardize). The objective (log marginal likelihood for exact \
            models) is on the scale of the data as given. With --format json the description is one JSON \
            object on one line, with keys including model, kernel, objective, iterations, training_seconds \
            and jitter.

            Examples:
              swiftgp info --model model.json
              swiftgp info --model model.json --format json

            \(ExitStatus.helpText)
            """)

    @Option(help: ArgumentHelp("The model file written by 'swiftgp fit'.", valueName: "MODEL.json"))
    var model: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let loaded = try TrainedModel.load(from: model)
        let report = InfoReport(loaded.file)
        try Console.output((format == .json ? try report.json() : report.text) + "\n")
    }
}
