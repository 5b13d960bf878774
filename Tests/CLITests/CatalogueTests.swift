import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// The kernel and likelihood catalogues: every entry builds, records, encodes and rebuilds exactly; the
/// expression language, the model-file reader, the model kinds and the command line list exactly the
/// catalogue's names.
@Suite struct CatalogueTests {
    /// The input columns a kind is tried on: its own requirement, else 3 (so ARD shapes show).
    static func dimension(of entry: KernelCatalogue.Entry) -> Int { entry.inputColumns ?? 3 }

    /// `entry` built at its defaults for `d` columns, with children where it takes them.
    static func example(_ entry: KernelCatalogue.Entry, dimension d: Int) -> any Kernel {
        let matern = KernelCatalogue.entry(named: "matern32")!, periodic = KernelCatalogue.entry(named: "periodic")!
        switch entry.children {
        case .none: return entry.make(dimension: d)
        case .one: return entry.make(dimension: d, children: [matern.make(dimension: d)])
        case .oneOrMore: return entry.make(dimension: d, children: [matern.make(dimension: d), periodic.make(dimension: d)])
        }
    }

    /// Every value moved off its default (distinct per entry), keeping constraints satisfied.
    static func perturbed(_ kernel: any Kernel) -> any Kernel {
        var k = kernel, step = 0.0
        k.parameters = kernel.parameters.map { p in
            var q = p
            q.value = p.value.map { v in
                step += 1
                return v * (1 + 0.1 * step)
            }
            return q
        }
        return k
    }

    @Test(arguments: KernelCatalogue.names)
    func everyKernelEntryRoundTripsThroughAModelFile(name: String) throws {
        let entry = try #require(KernelCatalogue.entry(named: name))
        let d = Self.dimension(of: entry)
        for kernel in [Self.example(entry, dimension: d), Self.perturbed(Self.example(entry, dimension: d))] {
            #expect(kernel.kind == name)
            let spec = KernelSpec(kernel)
            #expect(spec.kind == name)
            #expect(spec.parameters.map(\.name) == entry.parameterNames)
            for (record, slot) in zip(spec.parameters, entry.parameters) {
                #expect(record.value.count == (slot.shape == .perDimension ? d : 1), "\(name).\(slot.name)")
            }
            #expect(entry.children.admits(spec.children.count))
            #expect((spec.dimensions != nil) == entry.recordsDimensions)
            let decoded = try JSONDecoder().decode(KernelSpec.self, from: try JSONEncoder().encode(spec))
            #expect(decoded == spec)
            let rebuilt = try decoded.makeKernel(inputDimension: d)
            #expect(rebuilt.kind == name)
            #expect(rebuilt.parameters == kernel.parameters, "\(kernel.summary)")
            let x = TestData.uniform(6, d, seed: 5)
            #expect(rebuilt.gram(x) == kernel.gram(x))
        }
    }

    @Test func defaultsAreTheCatalogues() throws {
        for entry in KernelCatalogue.builtInEntries where entry.isBase {
            let d = Self.dimension(of: entry)
            let kernel = entry.make(dimension: d)
            let own = Array(kernel.parameters.prefix(entry.parameters.count))
            #expect(own.map(\.name) == entry.parameterNames)
            for (p, slot) in zip(own, entry.parameters) {
                #expect(p.value == [Double](repeating: slot.defaultValue, count: slot.shape == .perDimension ? d : 1), "\(entry.name).\(p.name)")
            }
            // An expression builds the same kernel.
            let parsed = try KernelExpression(parsing: entry.name).makeKernel(dimension: d)
            #expect(parsed.kind == entry.name && parsed.parameters == kernel.parameters)
        }
    }

    @Test(arguments: KernelCatalogue.builtInEntries.filter(\.isBase).map(\.name))
    func theExpressionParserAcceptsEveryBaseName(name: String) throws {
        #expect(try KernelExpression(parsing: name) == .base(name))
        #expect(try KernelExpression(parsing: " \(name.uppercased()) ") == .base(name))
        #expect(try KernelExpression(parsing: "rbf + \(name) * linear")
                == .sum([.base("rbf"), .product([.base(name), .base("linear")])]))
        let d = KernelCatalogue.entry(named: name)!.inputColumns ?? 2
        #expect(try KernelExpression(parsing: name).makeKernel(dimension: d).kind == name)
    }

    @Test func expressionNamesAreTheBaseKernelsIncludingHidaMatern() {
        #expect(KernelExpression.names == KernelCatalogue.baseNames)
        #expect(KernelExpression.names.filter { $0.hasPrefix("hidamatern") } == ["hidamatern12", "hidamatern32", "hidamatern52"])
        #expect(KernelExpression.oneDimensional == ["hidamatern12", "hidamatern32", "hidamatern52"])
        // Composites are reached through operators, not names.
        for kind in ["sum", "product", "scaled", "active"] { #expect(!KernelExpression.names.contains(kind)) }
        #expect(KernelExpression.operators.allSatisfy { KernelCatalogue.entry(named: $0.kind) != nil })
        #expect(KernelSpec.kinds == KernelCatalogue.names)
        for hida in ["hidamatern12", "hidamatern32", "hidamatern52"] { #expect(KernelSpec.kinds.contains(hida)) }
    }

    @Test func errorMessagesListExactlyTheCataloguesNames() throws {
        #expect { try KernelExpression(parsing: "rbf + sqexp") } throws: {
            "\($0)" == "unknown kernel 'sqexp' (valid kernels: \(KernelCatalogue.baseNames.joined(separator: ", ")))"
        }
        #expect { try KernelSpec(kind: "banana").makeKernel() } throws: {
            "\($0)".contains("unknown kernel kind 'banana' (known: \(KernelCatalogue.names.joined(separator: ", ")))")
        }
        #expect { try ComponentSpec(kind: "cauchy", parameters: []).likelihood(classCount: nil) } throws: {
            "\($0)".contains("unknown likelihood 'cauchy' (known: \(LikelihoodCatalogue.names.joined(separator: ", ")))")
        }
        #expect(throws: ConfigurationError.unsupportedLikelihood(model: "svgp", likelihood: "cauchy",
                                                                  supported: LikelihoodCatalogue.names)) {
            try ModelKinds.resolve(model: "svgp", likelihood: "cauchy")
        }
        #expect(throws: ConfigurationError.unsupportedKernel(
            model: "statespace", kernel: "rbf", supported: ["matern12", "matern32", "matern52", "hidamatern12", "hidamatern32", "hidamatern52"],
            operators: ["+"])) {
            try ModelKinds.resolve(model: "statespace", likelihood: nil, kernel: try KernelExpression(parsing: "matern12 + rbf"))
        }
        #expect(throws: ConfigurationError.self) {
            try ModelKinds.resolve(model: "statespace", likelihood: nil, kernel: try KernelExpression(parsing: "matern12 * matern32"))
        }
        _ = try ModelKinds.resolve(model: "statespace", likelihood: nil, kernel: try KernelExpression(parsing: "matern52 + hidamatern32"))
    }

    @Test func stateSpaceAcceptanceMatchesTheStateSpaceForms() {
        for entry in KernelCatalogue.builtInEntries {
            let kernel = Self.example(entry, dimension: 1)
            let accepted = entry.isAccepted(by: .stateSpace)
            #expect(entry.isAccepted(by: .dense))
            if entry.name == "sum" {
                // Sums are accepted when their terms are (matern32 + periodic is not).
                #expect(accepted && stateSpaceForm(of: SumKernel([Matern12(), HidaMatern(order: 1)])) != nil)
            } else {
                #expect((stateSpaceForm(of: kernel) != nil) == accepted, "\(entry.name)")
            }
        }
    }

    @Test func oneColumnKindsAreCheckedAgainstTheModelsInputs() throws {
        for entry in KernelCatalogue.builtInEntries where entry.inputColumns == 1 {
            let spec = KernelSpec(entry.make(dimension: 1))
            _ = try spec.makeKernel(inputDimension: 1)
            #expect { try spec.makeKernel(inputDimension: 2) } throws: { "\($0)".contains("(\(entry.name)) is defined on 1 input column") }
            _ = try KernelSpec(ActiveDimensionsKernel(entry.make(dimension: 1), dimensions: [1])).makeKernel(inputDimension: 3)
        }
    }

    /// Values, parameter gradients and input gradients (`InputGradients.swift`) of every kind against finite differences.
    @Test(arguments: KernelCatalogue.names)
    func everyKindConforms(name: String) {
        let entry = KernelCatalogue.entry(named: name)!
        let d = Self.dimension(of: entry)
        let x = TestData.uniform(9, d, low: -1, high: 1, seed: 31), z = TestData.uniform(5, d, low: -1, high: 1, seed: 32)
        let failures = KernelConformance.failures(of: Self.perturbed(Self.example(entry, dimension: d)), x: x, z: z)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    // MARK: - Likelihoods

    @Test(arguments: LikelihoodCatalogue.names)
    func everyLikelihoodEntryRoundTripsThroughAModelFile(name: String) throws {
        let entry = try #require(LikelihoodCatalogue.entry(named: name))
        let classes = entry.needsClassCount ? 4 : nil
        var likelihood = entry.make(classCount: classes)
        #expect(likelihood.parameters.map(\.name) == entry.parameterNames)
        #expect(likelihood.parameters.map(\.value) == entry.parameters.map { [$0.defaultValue] })
        likelihood.parameters = likelihood.parameters.map { var p = $0; p.value = [p.scalar * 0.37]; return p }
        #expect(LikelihoodCatalogue.entry(describing: likelihood)?.name == name)
        let spec = ComponentSpec(likelihood: likelihood)
        #expect(spec.kind == name)
        let decoded = try JSONDecoder().decode(ComponentSpec.self, from: try JSONEncoder().encode(spec))
        let rebuilt = try decoded.likelihood(classCount: classes)
        #expect(rebuilt.kind == likelihood.kind && rebuilt.latentCount == likelihood.latentCount)
        #expect(rebuilt.parameters == likelihood.parameters)
        #expect(LikelihoodCatalogue.entry(describing: rebuilt)?.name == name)
        if entry.needsClassCount {
            #expect(throws: ModelFileError.self) { try decoded.likelihood(classCount: nil) }
        }
    }

    @Test func modelKindsReadTheLikelihoodCatalogue() {
        for kind in ModelKinds.all {
            #expect(kind.likelihoods == LikelihoodCatalogue.names(acceptedBy: kind.name))
            // Regression is the default wherever a kind offers it; gpc is classification only.
            #expect(kind.likelihoods.first == (kind.likelihoods.contains("gaussian") ? "gaussian" : "bernoulli"), "\(kind.name)")
            for l in kind.likelihoods { #expect(kind.task(for: l) == LikelihoodCatalogue.entry(named: l)!.task, "\(kind.name) \(l)") }
        }
        for entry in LikelihoodCatalogue.entries {
            #expect(!entry.models.isEmpty && entry.models.allSatisfy(ModelKinds.names.contains), "\(entry.name)")
        }
        #expect(LikelihoodCatalogue.names(acceptedBy: "svgp") == ["gaussian", "bernoulli", "bernoulli-logit", "poisson", "studentt", "softmax"])
        #expect(LikelihoodCatalogue.names(acceptedBy: "statespace") == ["gaussian", "poisson"])
        #expect(LikelihoodCatalogue.names(acceptedBy: "exact") == ["gaussian"])
        #expect(LikelihoodCatalogue.names(acceptedBy: "gpc") == ["bernoulli", "bernoulli-logit"])
        #expect(LikelihoodCatalogue.entry(describing: Poisson(exposure: 2)) == nil)
        #expect(LikelihoodCatalogue.entry(describing: StudentT(degreesOfFreedom: 5)) == nil)
    }

    // MARK: - Command line

    @Test func helpListsTheCataloguesNames() throws {
        let help = try CLI.run(["fit", "--help"])
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        // The help lists the built-in kinds (kinds another test registers in this process are not the CLI's).
        #expect(text.contains("Kernels: \(KernelCatalogue.builtInEntries.filter(\.isBase).map(\.name).joined(separator: ", ")), combined with"), "\(text)")
        #expect(text.contains("--model statespace accepts matern12, matern32, matern52, hidamatern12, hidamatern32, hidamatern52"))
        for entry in LikelihoodCatalogue.entries { #expect(text.contains("\(entry.name) — \(entry.summary)")) }
    }

    @Test func aKernelTheModelDoesNotAcceptIsAUsageError() throws {
        let r = try CLI.run(["fit", "--data", "unused.csv", "--target", "y", "--model", "statespace", "--kernel", "matern32 + rbf",
                             "--output", "/tmp/never-\(UUID().uuidString).json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("kernel 'rbf' is not available for model 'statespace' (statespace supports: matern12"), "\(r.stderr)")
    }
}
