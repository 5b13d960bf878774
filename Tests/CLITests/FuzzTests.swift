import Foundation
import Testing
import GPLinearAlgebra
@testable import swiftgp
import GPCommandOptions
import SwiftGP

/// A seeded, time-bounded fuzz run over the three parsers a user feeds: thousands of mutated CSV files,
/// model files and kernel expressions. Each input must be accepted or rejected with an error of a
/// documented exit code (never 1), and nothing may trap; a model file that loads must predict finite
/// values or say why (issue 12). The seed and counts are printed so a failure can be replayed.
@Suite struct FuzzTests {
    static let seed: UInt64 = 0x5eed_0012
    /// Each loop stops at its count or its time budget, whichever comes first.
    static let budget: TimeInterval = 40

    /// Byte-level mutations: flips, insertions from an alphabet that matters to the parsers, deletions,
    /// duplications, truncations.
    struct Mutator {
        var g: SeededGenerator
        static let alphabet: [[UInt8]] = [",", "\"", "\n", "\r", "\r\n", " ", "\t", "0", "1", "9", "-", "+", ".", "e", "E",
                                          "nan", "inf", "1e999", "1e308", "-0", "0x1p3", "{", "}", "[", "]", ":", "null",
                                          "\u{1b}[31m", "é", "\u{FEFF}"].map { Array($0.utf8) } + [[0x00], [0xFF], [0xC3]]

        mutating func int(_ n: Int) -> Int { Int.random(in: 0..<max(1, n), using: &g) }

        mutating func mutate(_ input: [UInt8]) -> [UInt8] {
            var b = input
            for _ in 0...int(4) {
                let i = int(b.count + 1)
                switch int(6) {
                case 0 where !b.isEmpty: b[min(i, b.count - 1)] ^= UInt8(1 << int(8))
                case 1: b.insert(contentsOf: Self.alphabet[int(Self.alphabet.count)], at: i)
                case 2 where !b.isEmpty: b.removeSubrange(min(i, b.count)..<min(b.count, i + 1 + int(16)))
                case 3 where !b.isEmpty:
                    let j = min(b.count, i + 1 + int(64))
                    b.insert(contentsOf: Array(b[min(i, b.count)..<j]), at: min(i, b.count))
                case 4: b = Array(b.prefix(i))
                default: if !b.isEmpty { b[min(i, b.count - 1)] = Self.alphabet[int(Self.alphabet.count)].first! }
                }
            }
            return b
        }
    }

    static func expectDocumented(_ error: any Error, _ allowed: Set<GPCommandOptions.ExitStatus>, _ what: String) {
        let f = Failure(error)
        #expect(allowed.contains(f.status), "\(what): exit \(f.status.rawValue) for \(f.message.prefix(300))")
        #expect(f.message.count < 2000, "\(what): a \(f.message.count)-character message")
    }

    @Test func mutatedCSVFilesAreReadOrRejectedWithExitThree() throws {
        var m = Mutator(g: SeededGenerator(seed: Self.seed))
        let seeds = ["x,y\n0,0.1\n1,0.9\n2,0.2\n3,0.8\n", "\"a,b\",y\r\n\"1.5\",2\r\n3,\"4\"\r\n5,6\r\n", "t,y\r1,2\r3,4\r5,7\r",
                     "x1,x2,y\n1e-3,-2.5E+2,0\n4,5,1\n7,8,0\n"].map { Array($0.utf8) }
        let start = Date()
        var count = 0, accepted = 0
        while count < 5000 && Date().timeIntervalSince(start) < Self.budget {
            let bytes = m.mutate(seeds[m.int(seeds.count)])
            count += 1
            do {
                let table = try DataTable.parse(csv: bytes, source: "fuzz.csv")
                #expect(table.values.storage.allSatisfy { $0.isFinite })
                _ = try Dataset.training(table, target: table.columns.last!)
                accepted += 1
            } catch {
                Self.expectDocumented(error, [.inputData], "CSV \(count)")
            }
        }
        print("fuzz: \(count) CSV inputs (seed \(Self.seed)), \(accepted) accepted")
        #expect(count >= 1000)
    }

    @Test func mutatedKernelExpressionsParseOrExitTwoAndStayEncodable() throws {
        var m = Mutator(g: SeededGenerator(seed: Self.seed &+ 1))
        let tokens = KernelExpression.names + ["+", "*", "(", ")", " ", "((", "))", "rbf*", "+(", "x", "", "é", "\u{1b}"]
        let start = Date()
        var count = 0, accepted = 0
        while count < 5000 && Date().timeIntervalSince(start) < Self.budget {
            var text = (0..<(1 + m.int(24))).map { _ in tokens[m.int(tokens.count)] }.joined()
            if m.int(4) == 0 { text = String(decoding: m.mutate(Array(text.utf8)), as: UTF8.self) }
            count += 1
            do {
                let e = try KernelExpression(parsing: text)
                accepted += 1
                #expect(e.depth <= KernelExpression.maxDepth)
                for model in ModelKinds.names {
                    do { _ = try ModelKinds.resolve(model: model, likelihood: nil, kernel: e) } catch {
                        Self.expectDocumented(error, [.usage], "kernel '\(text)' for \(model)")
                    }
                }
                // Every accepted expression's kernel survives a model file round trip.
                let dims = e.oneDimensionalName == nil ? 2 : 1
                let spec = KernelSpec(e.makeKernel(dimension: dims))
                #expect(spec.depth <= ModelFile.maxKernelDepth)
                let decoded = try JSONDecoder().decode(KernelSpec.self, from: try JSONEncoder().encode(spec))
                _ = try decoded.makeKernel(inputDimension: dims)
            } catch let error as KernelExpressionError {
                Self.expectDocumented(error, [.usage], "kernel '\(text)'")
            }
        }
        print("fuzz: \(count) kernel expressions (seed \(Self.seed &+ 1)), \(accepted) accepted")
        #expect(count >= 1000)
    }

    /// Seeds: one fitted model file per kind.
    static func modelSeeds() throws -> [Data] {
        let x = Matrix(rows: 12, cols: 1, storage: (0..<12).map { Double($0) / 3 })
        let y = (0..<12).map { sin(Double($0) / 2) + Double($0 % 3) / 10 }
        let data = Dataset(source: "seed", features: ["t"], target: "y", x: x, y: y)
        var seeds: [Data] = []
        for (model, kernel, likelihood) in [("exact", "rbf", nil), ("sgpr", "matern52+linear", nil), ("svgp", "rbf*periodic", nil),
                                            ("svgp", "matern32", "bernoulli"), ("statespace", "matern32+hidamatern12", nil)] {
            var options = FitOptions(maxIterations: 2)
            options.restarts = 0
            var settings = FitSettings(model: model, kernel: try KernelExpression(parsing: kernel), likelihood: likelihood, options: options)
            settings.inducing = 4
            var d = data
            if likelihood == "bernoulli" { d = Dataset(source: "seed", features: ["t"], target: "y", x: x, y: y.map { $0 > 0.3 ? 1 : 0 }) }
            seeds.append(try TrainedModel.fit(d, settings: settings).file.encoded())
        }
        return seeds
    }

    /// Structural mutations of a JSON tree: a leaf replaced by an extreme or wrong-typed value, a key
    /// dropped, an array shortened or lengthened.
    static func mutate(_ object: Any, _ m: inout Mutator) -> Any {
        let extremes: [Any] = [-1, 0, 1, 1e20, -1e308, 1e308, 4.9e-324, 2.5, 1_000_000, Int.max, "", "rbf", "sum", "gaussian",
                               "binary-classification", [Any](), [String: Any](), NSNull(), true]
        switch object {
        case var d as [String: Any] where !d.isEmpty:
            let key = d.keys.sorted()[m.int(d.count)]
            if m.int(8) == 0 { d.removeValue(forKey: key) } else { d[key] = mutate(d[key]!, &m) }
            return d
        case var a as [Any] where !a.isEmpty:
            let i = m.int(a.count)
            switch m.int(6) {
            case 0: a.remove(at: i)
            case 1: a.append(a[i])
            default: a[i] = mutate(a[i], &m)
            }
            return a
        default:
            return extremes[m.int(extremes.count)]
        }
    }

    @Test func mutatedModelFilesLoadOrExitFourAndNeverPredictNaN() throws {
        var m = Mutator(g: SeededGenerator(seed: Self.seed &+ 2))
        let seeds = try Self.modelSeeds()
        let objects = try seeds.map { try JSONSerialization.jsonObject(with: $0) }
        let x = Matrix(rows: 5, cols: 1, storage: [-1, 0, 0.5, 2, 10])
        let start = Date()
        var count = 0, loaded = 0
        while count < 3000 && Date().timeIntervalSince(start) < Self.budget {
            let k = m.int(seeds.count)
            let bytes: Data
            if m.int(3) == 0 {
                bytes = Data(m.mutate(Array(seeds[k])))
            } else {
                var o = objects[k]
                for _ in 0...m.int(3) { o = Self.mutate(o, &m) }
                guard let encoded = try? JSONSerialization.data(withJSONObject: o) else { continue }
                bytes = encoded
            }
            count += 1
            do {
                let model = try TrainedModel.load(decoding: bytes, source: "fuzz.json")
                loaded += 1
                do {
                    let p = try model.predict(x)
                    #expect(p.firstNonFinite == nil)
                } catch {
                    Self.expectDocumented(error, [.numerical], "model \(count) predict")
                }
            } catch {
                Self.expectDocumented(error, [.modelFile, .numerical], "model \(count)")
            }
        }
        print("fuzz: \(count) model files (seed \(Self.seed &+ 2)), \(loaded) loaded")
        #expect(count >= 500)
    }
}
