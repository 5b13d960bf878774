import Foundation

/// Why a kernel expression such as `matern52+periodic` was rejected.
public enum KernelExpressionError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownName(String, valid: [String])
    case syntax(expression: String, position: Int, message: String)
    /// Nested deeper than `KernelExpression.maxDepth`, or more than `maxKernels` base kernels.
    case tooLarge(expression: String, message: String)

    public var description: String {
        switch self {
        case let .unknownName(n, v): return "unknown kernel '\(Echo.text(n))' (valid kernels: \(v.joined(separator: ", ")))"
        case let .syntax(e, p, m): return "kernel expression '\(Echo.text(e))', character \(p + 1): \(m)"
        case let .tooLarge(e, m): return "kernel expression '\(Echo.text(e))': \(m)"
        }
    }
}

/// A parsed kernel expression: base kernel names combined with `+` and `*` (usual precedence,
/// parentheses allowed, whitespace ignored), e.g. `rbf`, `matern52+periodic`, `linear*rbf + matern12`.
///
/// The names are `KernelCatalogue`'s base kernels; `+` builds its `sum` kind, `*` its `product` kind.
/// `makeKernel(dimension:)` builds every base kernel at its catalogue defaults with ARD parameters of the
/// feature dimension d: `rbf` → `RBF(lengthscale: ones(d))`, `periodic` → `Periodic(lengthscale: ones(d),
/// period: ones(d))`, `linear` → `Linear(variance: ones(d))`, and likewise for the others.
public indirect enum KernelExpression: Sendable, Equatable, CustomStringConvertible {
    case base(String)
    case sum([KernelExpression])
    case product([KernelExpression])

    /// The deepest kernel tree an expression may build (a sum or product node is one level, a base kernel
    /// one), and the most base kernels. Every tree within them is small enough for a model file.
    public static let maxDepth = 16
    public static let maxKernels = 64

    /// The depth of the tree: 1 for a base kernel.
    public var depth: Int {
        switch self {
        case .base: return 1
        case let .sum(ts), let .product(ts): return 1 + (ts.map(\.depth).max() ?? 0)
        }
    }

    /// The base kernel names: `KernelCatalogue.baseNames`.
    public static var names: [String] { KernelCatalogue.baseNames }

    /// Names of kernels defined on one input column only (time).
    public static var oneDimensional: Set<String> {
        Set(KernelCatalogue.entries.filter { $0.isBase && $0.inputColumns == 1 }.map(\.name))
    }

    /// The operators and the catalogue kinds they build.
    public static let operators: [(symbol: String, kind: String)] = [("+", "sum"), ("*", "product")]

    /// The operators a model of `family` accepts (those whose kind it accepts).
    public static func operators(acceptedBy family: KernelCatalogue.Models) -> [String] {
        operators.filter { KernelCatalogue.entry(named: $0.kind)?.isAccepted(by: family) ?? false }.map(\.symbol)
    }

    /// The base kernel names this expression uses.
    public var baseNames: [String] {
        switch self {
        case let .base(name): return [name]
        case let .sum(ts), let .product(ts): return ts.flatMap(\.baseNames)
        }
    }

    /// The first base kernel that needs exactly one input column, if any.
    public var oneDimensionalName: String? { baseNames.first { Self.oneDimensional.contains($0) } }

    /// The first part of this expression whose catalogue kind a model of `family` does not accept: a base
    /// name, or a whole sum or product written out; nil when it accepts every part.
    public func firstPart(notAcceptedBy family: KernelCatalogue.Models) -> String? {
        let (kind, parts): (String, [KernelExpression]) = switch self {
        case let .base(name): (name, [])
        case let .sum(ts): ("sum", ts)
        case let .product(fs): ("product", fs)
        }
        guard KernelCatalogue.entry(named: kind)?.isAccepted(by: family) ?? false else { return description }
        return parts.lazy.compactMap { $0.firstPart(notAcceptedBy: family) }.first
    }

    /// Parses `text`. - Throws: `KernelExpressionError`, `.tooLarge` beyond `maxDepth` or `maxKernels`.
    public init(parsing text: String) throws {
        var parser = Parser(text: text)
        self = try parser.parse()
        if depth > Self.maxDepth {
            throw KernelExpressionError.tooLarge(expression: text, message: "nested \(depth) levels deep; at most \(Self.maxDepth) are allowed")
        }
        if baseNames.count > Self.maxKernels {
            throw KernelExpressionError.tooLarge(expression: text, message: "\(baseNames.count) kernels; at most \(Self.maxKernels) are allowed")
        }
    }

    public var description: String {
        switch self {
        case let .base(n): return n
        case let .sum(ts): return ts.map(\.description).joined(separator: " + ")
        case let .product(fs): return fs.map { if case .sum = $0 { "(\($0))" } else { $0.description } }.joined(separator: " * ")
        }
    }

    /// The kernel for inputs with `dimension` columns, every base kernel at its catalogue defaults.
    public func makeKernel(dimension d: Int) -> any Kernel {
        switch self {
        case let .sum(ts): return SumKernel(ts.map { $0.makeKernel(dimension: d) })
        case let .product(fs): return ProductKernel(fs.map { $0.makeKernel(dimension: d) })
        case let .base(name):
            guard let entry = KernelCatalogue.entry(named: name), entry.isBase else {
                preconditionFailure("unvalidated kernel name \(name)")
            }
            return entry.make(dimension: d)
        }
    }

    /// Recursive descent over: expr = term ('+' term)*; term = factor ('*' factor)*; factor = name | '(' expr ')'.
    private struct Parser {
        let text: String
        let chars: [Character]
        var i = 0
        /// Open parentheses: bounded, so a pathological expression cannot exhaust the stack.
        var nesting = 0
        init(text: String) { self.text = text; chars = Array(text) }

        mutating func parse() throws -> KernelExpression {
            skipSpace()
            if i == chars.count { throw fail("empty kernel expression; expected a kernel name") }
            let e = try expression()
            skipSpace()
            if i < chars.count { throw fail("unexpected '\(chars[i])'") }
            return e
        }
        mutating func expression() throws -> KernelExpression {
            var terms = [try term()]
            while accept("+") { terms.append(try term()) }
            return terms.count == 1 ? terms[0] : .sum(terms)
        }
        mutating func term() throws -> KernelExpression {
            var factors = [try factor()]
            while accept("*") { factors.append(try factor()) }
            return factors.count == 1 ? factors[0] : .product(factors)
        }
        mutating func factor() throws -> KernelExpression {
            skipSpace()
            if accept("(") {
                nesting += 1
                defer { nesting -= 1 }
                guard nesting <= KernelExpression.maxDepth else {
                    throw KernelExpressionError.tooLarge(
                        expression: text, message: "parentheses nested more than \(KernelExpression.maxDepth) deep")
                }
                let e = try expression()
                guard accept(")") else { throw fail("expected ')'") }
                return e
            }
            let start = i
            while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "_" { i += 1 }
            guard i > start else {
                throw fail(i < chars.count ? "expected a kernel name, found '\(chars[i])'" : "expected a kernel name after the operator")
            }
            let name = String(chars[start..<i]).lowercased()
            guard KernelExpression.names.contains(name) else {
                throw KernelExpressionError.unknownName(String(chars[start..<i]), valid: KernelExpression.names)
            }
            return .base(name)
        }
        mutating func accept(_ c: Character) -> Bool {
            skipSpace()
            if i < chars.count && chars[i] == c { i += 1; return true }
            return false
        }
        mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
        func fail(_ message: String) -> KernelExpressionError { .syntax(expression: text, position: i, message: message) }
    }
}
