import ArgumentParser
import SwiftGP

/// `--format text|json` for commands that report.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `--model MODEL.json --data DATA.csv`, shared by `predict` and `evaluate`.
struct ModelAndData: ParsableArguments {
    @Option(help: ArgumentHelp("The model file written by 'swiftgp fit'.", valueName: "MODEL.json"))
    var model: String

    @Option(help: ArgumentHelp(
        "CSV with a header row holding (at least) the model's feature columns; extra columns are ignored; - reads standard input.",
        valueName: "DATA.csv"))
    var data: String

    func validate() throws {
        if model == "-" && data == "-" { throw ValidationError("--model and --data cannot both read standard input ('-')") }
    }

    /// The model, then the data's feature matrix (columns in the model's order) and, when `target`
    /// gives a column for the loaded model, that column.
    func load(target: (ModelFile) -> String? = { _ in nil }) throws -> (TrainedModel, Dataset) {
        let model = try TrainedModel.load(from: self.model)
        let table = try DataTable.read(csv: data)
        return (model, try Dataset.inputs(table, features: model.file.features, target: target(model.file),
                                          noiseColumn: model.file.noiseColumn))
    }
}
