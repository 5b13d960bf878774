import ArgumentParser
import GPCommandOptions
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
            magmaclust models: the data is one new task. Rows whose target cell holds a value are observed and \
            conditioned on; every row (observed or with an empty target cell) is predicted: mixture mean and \
            variance, the mixture's 2.5 %/97.5 % quantiles, and the task's cluster memberships tau_1 … tau_K. \
            Without a target column the prediction is the prior mixture over the clusters.
            gpssm models: by default the rows continue the training series (their feature columns are the next \
            controls) and each row is predicted by free simulation. With --sequence new the rows are a new series \
            started from the initial state: mean,variance,lower95,upper95 of the free run over its controls, and, \
            when the data has the target column, one_step_mean,one_step_variance from a particle filter over the \
            observed outputs (empty target cells are predicted, not used).

            Examples:
              swiftgp predict --model model.json --data test.csv
              swiftgp predict --model model.json --data test.csv --output predictions.csv

            \(ExitStatus.helpText)
            """)

    @OptionGroup var input: ModelAndData

    @Option(help: ArgumentHelp("Write the CSV here (atomically; - for standard output, the default).", valueName: "PRED.csv"))
    var output: String?

    @Option(help: ArgumentHelp("gpssm: continue (the rows follow the training series; the default) or new (a new series from the initial state).",
                               valueName: "continue|new"))
    var sequence: String?

    func validate() throws {
        if let sequence, !["continue", "new"].contains(sequence) {
            throw ValidationError("--sequence must be continue or new, not '\(sequence)'")
        }
    }

    func run() throws {
        // Every output check before any work: a bad name, or the model or data file itself, is refused.
        let destination = try output.map { try OutputDestination($0, inputs: [input.model, input.data]) } ?? .standardOutput
        let out = try AtomicFile(destination)
        let model = try TrainedModel.load(from: input.model)
        if sequence != nil && model.file.model != "gpssm" {
            throw ValidationError("--sequence applies to gpssm models only; this one is \(model.file.model)")
        }
        if sequence == "new" || model.file.model == "magmaclust" {
            // The rows with the model's target where the data has that column; empty cells are predicted.
            let table = try DataTable.read(csv: input.data, blankAllowedIn: [model.file.target])
            let hasTarget = table.columns.contains(model.file.target)
            let data = try Dataset.inputs(table, features: model.file.features, target: hasTarget ? model.file.target : nil)
            if sequence == "new" {
                out.write(try model.predictNewSeries(controls: data.x, outputs: hasTarget ? data.y : nil).csv)
            } else {
                let observed = data.y.indices.filter { data.y[$0].isFinite }
                out.write(try model.predictTask(observed: data.x.selectingRows(observed), observed.map { data.y[$0] }, at: data.x).csv)
            }
            try out.commit()
            return
        }
        let data = try Dataset.inputs(try DataTable.read(csv: input.data), features: model.file.features,
                                      noiseColumn: model.file.noiseColumn)
        // Predicted and written block by block: memory stays bounded for any number of rows.
        try model.predict(data.x, noise: data.noise) { p, start in
            if start == 0 { out.write(p.csvHeader) }
            out.write(p.csvRows)
        }
        try out.commit()
    }
}
