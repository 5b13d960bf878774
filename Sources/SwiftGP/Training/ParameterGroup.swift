/// A pattern over qualified parameter names (docs/methods/training.md#parameter-groups-and-updaters):
/// `*` matches any run of characters, everything else itself. `kernel.*` matches every kernel parameter,
/// `q.*` the variational parameters, `*.variance` every variance, `likelihood.variance` exactly that one.
/// A pattern without `*` also matches the parameters below it (`kernel` ≡ `kernel.*` plus `kernel`).
/// - Complexity: O(|pattern| · |name|) per match.
public struct NamePattern: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }
    public init(stringLiteral value: String) { self.init(value) }
    public var description: String { text }

    /// Whether `name` (qualified, without an `[i]` index) matches.
    public func matches(_ name: String) -> Bool {
        if !text.contains("*") { return name == text || name.hasPrefix(text + ".") }
        return Self.glob(Array(text.utf8), Array(name.utf8))
    }

    /// Whether it names `name` in the user-facing setters (`setTrainable`, `setPrior`, `setValue(_:matching:)`,
    /// `setConstraint`, priors): as a pattern (`matches`), or as a dotted suffix (`lengthscale` names
    /// `kernel.0.lengthscale`).
    public func names(_ name: String) -> Bool { matches(name) || name.hasSuffix("." + text) }

    private static func glob(_ p: [UInt8], _ s: [UInt8]) -> Bool {
        // Iterative wildcard matching with backtracking to the last `*`.
        var i = 0, j = 0, star = -1, mark = 0
        let asterisk = UInt8(ascii: "*")
        while j < s.count {
            if i < p.count && p[i] != asterisk && p[i] == s[j] {
                i += 1; j += 1
            } else if i < p.count && p[i] == asterisk {
                star = i; mark = j; i += 1
            } else if star >= 0 {
                i = star + 1; mark += 1; j = mark
            } else {
                return false
            }
        }
        while i < p.count && p[i] == asterisk { i += 1 }
        return i == p.count
    }
}

/// A prior to place on every parameter a pattern names (`FitOptions.priors`, `swiftgp fit --prior`).
/// The pattern matches a qualified name as `NamePattern` does, or as a dotted suffix of it
/// (`lengthscale` names `kernel.0.lengthscale`).
public struct ParameterPrior: Sendable, Equatable, CustomStringConvertible {
    public var pattern: NamePattern
    public var prior: Prior

    public init(_ pattern: NamePattern, _ prior: Prior) {
        self.pattern = pattern
        self.prior = prior
    }

    /// Parses `NAME=prior(args)`, e.g. `kernel.lengthscale=lognormal(0,1)`.
    /// - Throws: `Prior.InvalidPrior` naming the problem.
    public init(parsing text: String) throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw Prior.InvalidPrior(description: "prior '\(text)' is not of the form NAME=prior(args), e.g. kernel.lengthscale=lognormal(0,1)")
        }
        let name = text[..<eq].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw Prior.InvalidPrior(description: "prior '\(text)' names no parameter") }
        self.init(NamePattern(name), try Prior(parsing: String(text[text.index(after: eq)...])))
    }

    public func matches(_ name: String) -> Bool { pattern.names(name) }
    public var description: String { "\(pattern)=\(prior)" }

    /// Sets the prior on every parameter it names.
    /// - Throws: `TrainingError.unmatchedPrior` when it names none.
    static func apply(_ priors: [ParameterPrior], to parameters: inout [Parameter]) throws {
        for p in priors {
            var hit = false
            for i in parameters.indices where p.matches(parameters[i].name) {
                parameters[i].prior = p.prior
                hit = true
            }
            if !hit { throw TrainingError.unmatchedPrior(p.description, parameters: parameters.map(\.name)) }
        }
    }
}

/// What moves a group of parameters during `Trainer.fit`.
public enum Updater: Sendable {
    /// The fit's optimiser (`FitOptions.optimizer`: L-BFGS or Adam) on the unconstrained values.
    case optimizer
    /// A natural-gradient step on q(u) with the schedule's step size (the objective implements it:
    /// `ClosedFormUpdate.naturalGradient`).
    case naturalGradient(NaturalGradientSchedule)
    /// A conjugate-computation VI site update with damping β ∈ (0, 1] (`ClosedFormUpdate.sites`).
    case sites(stepSize: Double)
    /// Stochastic-gradient Hamiltonian Monte Carlo over the unconstrained values; the samples come back
    /// in `FitReport.samples`.
    case sampler(SGHMC)
    /// A particle-Gibbs sweep per iteration (the objective implements it: `ClosedFormUpdate.particleGibbs`), a
    /// Markov kernel whose kept states come back in `FitReport.samples` as the sampler's do.
    case particleGibbs(ParticleGibbs)
    /// Not updated.
    case fixed

    /// The objective's update this updater runs at iteration t (0-based) of a fit seeded `seed`, nil for
    /// gradient updaters.
    func closedFormUpdate(at t: Int, seed: UInt64 = 0) -> ClosedFormUpdate? {
        switch self {
        case let .naturalGradient(schedule): return .naturalGradient(stepSize: schedule.step(at: t))
        case let .sites(beta): return .sites(stepSize: beta)
        case let .particleGibbs(settings):
            return .particleGibbs(particles: settings.particles, seed: seed ^ (UInt64(t) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
        case .optimizer, .sampler, .fixed: return nil
        }
    }
}

/// A closed-form (non-gradient) update an objective offers for some of its parameters.
public enum ClosedFormUpdate: Sendable, Equatable {
    /// One natural-gradient step of size γ on q(u).
    case naturalGradient(stepSize: Double)
    /// One CVI site update with damping β.
    case sites(stepSize: Double)
    /// One conditional-SMC sweep with this many particles and this seed (particle Gibbs).
    case particleGibbs(particles: Int, seed: UInt64)
}

/// Settings of a particle-Gibbs group (`Updater.particleGibbs`): the objective's conditional-SMC sweep every
/// iteration; after `burnIn` iterations every `thinning`-th state is kept, as for `SGHMC`.
public struct ParticleGibbs: Sendable, Equatable {
    public var particles: Int
    public var burnIn: Int
    public var thinning: Int

    public init(particles: Int = 100, burnIn: Int = 100, thinning: Int = 1) {
        self.particles = particles
        self.burnIn = burnIn
        self.thinning = thinning
    }

    /// Whether the state after `iteration` completed iterations is kept.
    func keeps(after iteration: Int) -> Bool { keepsSample(after: iteration, burnIn: burnIn, thinning: thinning) }
}

/// Parameters selected by name patterns, and the updater that moves them.
///
/// `Trainer.fit` assigns every parameter to the FIRST group with a matching pattern. Parameters no group
/// names are moved by the optimiser. A parameter that is not trainable (`Parameter.isTrainable == false`,
/// the user's "keep this fixed") stays fixed whatever the groups say.
public struct ParameterGroup: Sendable {
    public var patterns: [NamePattern]
    public var updater: Updater

    public init(_ patterns: [NamePattern], updater: Updater) {
        self.patterns = patterns
        self.updater = updater
    }

    public init(_ patterns: NamePattern..., updater: Updater) { self.init(patterns, updater: updater) }

    public func matches(_ name: String) -> Bool { patterns.contains { $0.matches(name) } }
}

/// The assignment of a parameter list to updaters: index i of `updaters` moves parameter i.
struct GroupAssignment {
    /// One updater per parameter (`.fixed` for non-trainable parameters).
    let updaters: [Updater]
    /// The closed-form groups in the order given, each with the names it owns.
    let closedForm: [(updater: Updater, names: [String])]

    init(_ parameters: [Parameter], groups: [ParameterGroup]) throws {
        var updaters: [Updater] = []
        var owned = [[String]](repeating: [], count: groups.count)
        for p in parameters {
            guard p.isTrainable else { updaters.append(.fixed); continue }
            if let g = groups.firstIndex(where: { $0.matches(p.name) }) {
                updaters.append(groups[g].updater)
                owned[g].append(p.name)
            } else {
                updaters.append(.optimizer)
            }
        }
        self.updaters = updaters
        closedForm = groups.indices.filter { groups[$0].updater.closedFormUpdate(at: 0) != nil && !owned[$0].isEmpty }
            .map { (groups[$0].updater, owned[$0]) }
        if groups.filter({ switch $0.updater { case .sampler, .particleGibbs: return true; default: return false } }).count > 1 {
            throw TrainingError.invalidGroups("at most one sampling group (SGHMC or particle Gibbs) per fit")
        }
    }

    /// Which parameters the optimiser moves.
    var optimizerMask: [Bool] { updaters.map { if case .optimizer = $0 { return true } else { return false } } }
    /// Which parameters the sampler moves.
    var samplerMask: [Bool] { updaters.map { if case .sampler = $0 { return true } else { return false } } }

    var samplerSettings: SGHMC? {
        for u in updaters { if case let .sampler(s) = u { return s } }
        return nil
    }

    /// The particle-Gibbs group's settings and the parameters it moves, if there is one.
    var particleGibbs: (settings: ParticleGibbs, mask: [Bool])? {
        guard let settings = updaters.lazy.compactMap({ if case let .particleGibbs(s) = $0 { return s } else { return nil } }).first else { return nil }
        return (settings, updaters.map { if case .particleGibbs = $0 { return true } else { return false } })
    }
}

/// Errors of the training engine's set-up (not numerical failures, which stay `LinearAlgebraError`).
public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The objective does not offer the closed-form update a parameter group asked for.
    case unsupportedUpdate(updater: String, objective: String)
    case invalidGroups(String)
    /// A prior (`FitOptions.priors`) whose pattern names no parameter.
    case unmatchedPrior(String, parameters: [String])
    /// L-BFGS on minibatches: its line search needs the same objective at every trial point.
    case deterministicOptimizerOnMinibatches(batchSize: Int, population: Int)
    /// Training data a model cannot use (shapes, non-finite values, targets outside the likelihood's support).
    case invalidData(String)

    public var description: String {
        switch self {
        case let .unsupportedUpdate(u, o): return "\(o) offers no \(u) update"
        case let .invalidGroups(m): return "invalid parameter groups: \(m)"
        case let .deterministicOptimizerOnMinibatches(b, n):
            return "L-BFGS needs the full-data objective, but minibatches of \(b) of \(n) rows were asked for: "
                + "use FitOptions(optimizer: .adam(learningRate:)) with minibatches, or no batch size"
        case let .invalidData(m): return "invalid training data: \(m)"
        case let .unmatchedPrior(p, names):
            return "prior '\(p)' names no parameter (parameters: \(names.joined(separator: ", ")))"
        }
    }
}
