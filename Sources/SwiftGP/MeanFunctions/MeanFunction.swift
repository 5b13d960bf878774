import GPLinearAlgebra

/// A prior mean function m(x) with parameters β and the VJP ∂⟨ā, m(X)⟩/∂β.
/// Custom means join model files by registering a `MeanCatalogue.Entry` under their `kind`.
public protocol MeanFunction: Parameterised, Sendable {
    var kind: String { get }
    /// The number of input columns the mean is sized for, when its parameters depend on it (nil: any).
    var inputDimension: Int? { get }
    /// m(X), one value per row. - Complexity: O(n d).
    func value(_ x: Matrix) -> [Double]
    /// ∂⟨ā, m(X)⟩/∂β, flattened in `parameters` order.
    func gradient(_ x: Matrix, adjoint: [Double]) -> [Double]
}

extension MeanFunction {
    public var inputDimension: Int? { nil }

    /// m(X) on the tape, as a column.
    public func value(_ x: Matrix, on parameters: [Var], tape: Tape) -> Var {
        if parameters.isEmpty { return tape.leaf(value(x)) }
        return tape.record(Matrix(column: value(x))) { g, t in
            distribute(self.gradient(x, adjoint: g.storage), to: parameters, on: t)
        }
    }
}

/// m(x) = 0.
public struct ZeroMean: MeanFunction {
    public init() {}
    public var kind: String { "zero" }
    public var parameters: [Parameter] { get { [] } set {} }
    public func value(_ x: Matrix) -> [Double] { [Double](repeating: 0, count: x.rows) }
    public func gradient(_ x: Matrix, adjoint: [Double]) -> [Double] { [] }
}

/// m(x) = c.
public struct ConstantMean: MeanFunction {
    public var constant: Parameter
    public init(_ c: Double = 0) { constant = Parameter("constant", c, .identity) }
    public var kind: String { "constant" }
    public var parameters: [Parameter] {
        get { [constant] }
        set { constant.assign(from: newValue[0]) }
    }
    public func value(_ x: Matrix) -> [Double] { [Double](repeating: constant.scalar, count: x.rows) }
    public func gradient(_ x: Matrix, adjoint: [Double]) -> [Double] { [adjoint.reduce(0, +)] }
}

/// m(x) = wᵀx + b.
public struct LinearMean: MeanFunction {
    public var weights: Parameter
    public var bias: Parameter
    public init(weights: [Double], bias: Double = 0) {
        self.weights = Parameter("weights", weights, .identity)
        self.bias = Parameter("bias", bias, .identity)
    }
    public var kind: String { "linear" }
    public var inputDimension: Int? { weights.count }
    public var parameters: [Parameter] {
        get { [weights, bias] }
        set {
            weights.assign(from: newValue[0])
            bias.assign(from: newValue[1])
        }
    }
    public func value(_ x: Matrix) -> [Double] {
        precondition(x.cols == weights.count, "linear mean has \(weights.count) weights for \(x.cols) inputs")
        return matvec(x, weights.value).map { $0 + bias.scalar }
    }
    public func gradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        matvec(x, adjoint, .transposed) + [adjoint.reduce(0, +)]
    }
}
