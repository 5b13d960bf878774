import Foundation
import GPLinearAlgebra
import SwiftGP

/// The libFuzzer entry point over the three parsers a user feeds (scripts/fuzz.sh builds and runs it). The
/// first byte picks the parser; the rest is its input: a CSV file (DataTable.parse, then training
/// preparation), a model file (ModelFile.decode, the kind checks, the predictor and a prediction) or a
/// kernel expression (parsing, model resolution and a model-file round trip of the kernel). Anything
/// thrown is fine: a crash, a trap or a sanitizer report is the finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] % 3 {
    case 0:
        if let table = try? DataTable.parse(csv: bytes, source: "fuzz.csv"), let target = table.columns.last {
            _ = try? Dataset.training(table, target: target)
        }
    case 1:
        if let model = try? TrainedModel.load(decoding: Data(bytes), source: "fuzz.json") {
            let x = Matrix(rows: 3, cols: model.file.features.count, repeating: 0.5)
            _ = try? model.predict(x)
        }
    default:
        let text = String(decoding: bytes, as: UTF8.self)
        if let e = try? KernelExpression(parsing: text) {
            for model in ModelKinds.names { _ = try? ModelKinds.resolve(model: model, likelihood: nil, kernel: e) }
            let d = e.oneDimensionalName == nil ? 2 : 1
            if let encoded = try? JSONEncoder().encode(KernelSpec(e.makeKernel(dimension: d))),
               let decoded = try? JSONDecoder().decode(KernelSpec.self, from: encoded) {
                _ = try? decoded.makeKernel(inputDimension: d)
            }
        }
    }
    return 0
}
