import Foundation

/// Why a validated table cannot be used for the requested job (too few rows, a constant target, a
/// missing feature, labels that are not binary). Descriptions name the file, line and column.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooFewRows(path: String, found: Int, needed: Int)
    case constantTarget(path: String, column: String, value: Double)
    case missingFeature(path: String, name: String, available: [String])
    case notBinary(path: String, line: Int, column: String, value: Double, seen: [Double])
    case singleClass(path: String, column: String, value: Double)
    case cannotStandardize(path: String, column: String)
    case notCount(path: String, line: Int, column: String, value: Double)
    case badNoiseVariance(path: String, line: Int, column: String, value: Double)
    case noiseColumnConflict(path: String, column: String, role: String)

    public var description: String {
        switch self {
        case let .tooFewRows(p, f, n):
            return "\(p): only \(f) data row\(f == 1 ? "" : "s") (line 2); fitting needs at least \(n)"
        case let .constantTarget(p, c, v):
            return "\(p), column '\(c)': the target is constant (every row is \(format(v))); there is nothing to learn"
        case let .missingFeature(p, n, a):
            return "\(p): the model needs feature column '\(n)', which is missing (columns: \(a.joined(separator: ", ")))"
        case let .notBinary(p, l, c, v, s):
            return "\(p), line \(l), column '\(c)': label \(format(v)) is a third distinct value (already seen "
                + s.map(format).joined(separator: " and ") + "); binary labels must be 0/1 or exactly two distinct values"
        case let .singleClass(p, c, v):
            return "\(p), column '\(c)': every label is \(format(v)); binary classification needs two classes"
        case let .notCount(p, l, c, v):
            return "\(p), line \(l), column '\(c)': \(format(v)) is not a count; the poisson likelihood needs non-negative integers"
        case let .badNoiseVariance(p, l, c, v):
            return "\(p), line \(l), column '\(c)': noise variance \(format(v)) is negative; known noise variances must be ≥ 0"
        case let .noiseColumnConflict(p, c, role):
            return "\(p): the noise column '\(c)' is also the \(role); it must be a column of its own"
        case let .cannotStandardize(p, c):
            return "\(p), column '\(c)': values too large to standardise (the variance overflows); rescale the column"
        }
    }
}

private func format(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
}
