import GPLinearAlgebra

/// k = Σᵢ kᵢ. Parameters are the children's, qualified by position (`0.lengthscale`).
/// - Complexity: the sum of the children's costs.
public struct SumKernel: Kernel {
    public var kernels: [any Kernel]

    public init(_ kernels: [any Kernel]) {
        precondition(!kernels.isEmpty, "a sum needs at least one kernel")
        // Flatten nested sums so `a + b + c` is one level.
        self.kernels = kernels.flatMap { ($0 as? SumKernel)?.kernels ?? [$0] }
    }

    public var kind: String { "sum" }
    public var children: [any Kernel] { kernels }
    public func sizedToData(_ scales: [Double]) -> any Kernel {
        var k = self
        k.kernels = kernels.map { $0.sizedToData(scales) }
        return k
    }

    public var parameters: [Parameter] {
        get { childParameters(kernels) }
        set { setChildParameters(&kernels, newValue) }
    }

    public func gram(_ x: Matrix) -> Matrix { kernels.dropFirst().reduce(kernels[0].gram(x)) { $0 + $1.gram(x) } }
    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix {
        kernels.dropFirst().reduce(kernels[0].cross(x, z)) { $0 + $1.cross(x, z) }
    }
    public func diagonal(_ x: Matrix) -> [Double] {
        var d = kernels[0].diagonal(x)
        for k in kernels.dropFirst() { axpy(1, k.diagonal(x), &d) }
        return d
    }
    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] {
        kernels.flatMap { $0.gramGradient(x, adjoint: adjoint) }
    }
    public func gramGradient(_ x: Matrix, symmetricLowerAdjoint adjoint: Matrix) -> [Double] {
        kernels.flatMap { $0.gramGradient(x, symmetricLowerAdjoint: adjoint) }
    }
    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        kernels.flatMap { $0.crossGradient(x, z, adjoint: adjoint) }
    }
    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        kernels.flatMap { $0.diagonalGradient(x, adjoint: adjoint) }
    }
}

/// k = Πᵢ kᵢ (elementwise). ∂k/∂θ⁽ⁱ⁾ = (∂kᵢ/∂θ⁽ⁱ⁾) Π_{j≠i} k_j, so child i's gradient is its own
/// VJP with the adjoint Ā ∘ Π_{j≠i} K_j.
///
/// A product of kernels that each own a variance has a one-dimensional ridge (docs/methods/kernels.md#combinators): the
/// constructor keeps one trainable variance — the first factor's with the most entries (so a linear
/// kernel's per-dimension variances stay learnable) — and fixes the other factors' scalar variances.
/// - Complexity: the children's costs plus O(n m) per child.
public struct ProductKernel: Kernel {
    public var kernels: [any Kernel]

    public init(_ kernels: [any Kernel]) {
        precondition(!kernels.isEmpty, "a product needs at least one kernel")
        var flat = kernels.flatMap { ($0 as? ProductKernel)?.kernels ?? [$0] }
        func variance(_ k: any Kernel) -> Parameter? { k.parameters.first { $0.name == "variance" && $0.isTrainable } }
        let keeper = flat.indices.filter { variance(flat[$0]) != nil }
            .max { variance(flat[$0])!.count < variance(flat[$1])!.count || (variance(flat[$0])!.count == variance(flat[$1])!.count && $0 > $1) }
        for i in flat.indices where i != keeper {
            if let v = variance(flat[i]), v.count == 1 { flat[i].setTrainable(false, matching: "variance") }
        }
        self.kernels = flat
    }

    public var kind: String { "product" }
    public var children: [any Kernel] { kernels }
    public func sizedToData(_ scales: [Double]) -> any Kernel {
        var k = self
        k.kernels = kernels.map { $0.sizedToData(scales) }
        return k
    }

    public var parameters: [Parameter] {
        get { childParameters(kernels) }
        set { setChildParameters(&kernels, newValue) }
    }

    private func product(_ parts: [Matrix], except skip: Int? = nil) -> Matrix {
        var out = Matrix(rows: parts[0].rows, cols: parts[0].cols, repeating: 1)
        for (i, p) in parts.enumerated() where i != skip { out = out.hadamard(p) }
        return out
    }

    public func gram(_ x: Matrix) -> Matrix { product(kernels.map { $0.gram(x) }) }
    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix { product(kernels.map { $0.cross(x, z) }) }
    public func diagonal(_ x: Matrix) -> [Double] {
        product(kernels.map { Matrix(column: $0.diagonal(x)) }).storage
    }
    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] {
        let parts = kernels.map { $0.gram(x) }
        return kernels.indices.flatMap { i in
            kernels[i].gramGradient(x, adjoint: adjoint.hadamard(product(parts, except: i)))
        }
    }
    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        let parts = kernels.map { $0.cross(x, z) }
        return kernels.indices.flatMap { i in
            kernels[i].crossGradient(x, z, adjoint: adjoint.hadamard(product(parts, except: i)))
        }
    }
    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        let parts = kernels.map { Matrix(column: $0.diagonal(x)) }
        let a = Matrix(column: adjoint)
        return kernels.indices.flatMap { i in
            kernels[i].diagonalGradient(x, adjoint: a.hadamard(product(parts, except: i)).storage)
        }
    }
}

/// k = s · k₀ with a positive, trainable scale s: ∂k/∂s = k₀.
/// - Complexity: the child's cost plus O(n m).
public struct ScaledKernel: Kernel {
    public var base: any Kernel
    public var scale: Parameter

    public init(_ base: any Kernel, scale: Double = 1) {
        self.base = base
        self.scale = Parameter("scale", scale)
    }

    public var kind: String { "scaled" }
    public var children: [any Kernel] { [base] }
    public func sizedToData(_ scales: [Double]) -> any Kernel {
        var k = self
        k.base = base.sizedToData(scales)
        return k
    }
    public var summary: String { "\(formatValue(scale.scalar)) * \(base.summary)" }

    public var parameters: [Parameter] {
        get { [scale] + base.parameters.map { $0.prefixed("base") } }
        set {
            scale.assign(from: newValue[0])
            base.parameters = Array(newValue[1...])
        }
    }

    public func gram(_ x: Matrix) -> Matrix { scale.scalar * base.gram(x) }
    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix { scale.scalar * base.cross(x, z) }
    public func diagonal(_ x: Matrix) -> [Double] { base.diagonal(x).map { scale.scalar * $0 } }
    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] {
        [adjoint.inner(base.gram(x))] + base.gramGradient(x, adjoint: scale.scalar * adjoint)
    }
    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        [adjoint.inner(base.cross(x, z))] + base.crossGradient(x, z, adjoint: scale.scalar * adjoint)
    }
    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        [dot(adjoint, base.diagonal(x))] + base.diagonalGradient(x, adjoint: adjoint.map { scale.scalar * $0 })
    }
}

/// A kernel that sees only some input columns (`activeDimensions`), e.g. time in a space-time model.
/// - Complexity: the child's cost plus O(n d′) to select columns.
public struct ActiveDimensionsKernel: Kernel {
    public var base: any Kernel
    public let activeDimensions: [Int]

    public init(_ base: any Kernel, dimensions: [Int]) {
        self.base = base
        self.activeDimensions = dimensions
    }

    public var kind: String { "active" }
    public var children: [any Kernel] { [base] }
    /// The base kernel sees the active columns only, so it is sized to theirs (columns out of range are left
    /// for the data check to report).
    public func sizedToData(_ scales: [Double]) -> any Kernel {
        guard activeDimensions.allSatisfy(scales.indices.contains) else { return self }
        var k = self
        k.base = base.sizedToData(activeDimensions.map { scales[$0] })
        return k
    }
    public var summary: String { "\(base.summary)@\(activeDimensions)" }
    public var parameters: [Parameter] {
        get { base.parameters }
        set { base.parameters = newValue }
    }

    private func select(_ x: Matrix) -> Matrix {
        var m = Matrix(rows: x.rows, cols: activeDimensions.count)
        for (c, d) in activeDimensions.enumerated() {
            precondition(d >= 0 && d < x.cols, "active dimension \(d) outside the \(x.cols) input columns")
            for i in 0..<x.rows { m[i, c] = x[i, d] }
        }
        return m
    }

    public func gram(_ x: Matrix) -> Matrix { base.gram(select(x)) }
    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix { base.cross(select(x), select(z)) }
    public func diagonal(_ x: Matrix) -> [Double] { base.diagonal(select(x)) }
    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] { base.gramGradient(select(x), adjoint: adjoint) }
    public func gramGradient(_ x: Matrix, symmetricLowerAdjoint adjoint: Matrix) -> [Double] {
        base.gramGradient(select(x), symmetricLowerAdjoint: adjoint)
    }
    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        base.crossGradient(select(x), select(z), adjoint: adjoint)
    }
    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        base.diagonalGradient(select(x), adjoint: adjoint)
    }
}

/// The children's parameters, qualified by position.
func childParameters(_ kernels: [any Kernel]) -> [Parameter] {
    kernels.enumerated().flatMap { i, k in k.parameters.map { $0.prefixed("\(i)") } }
}

/// Hands consecutive slices of `values` to the children.
func setChildParameters(_ kernels: inout [any Kernel], _ values: [Parameter]) {
    let groups = splitParameters(values, counts: kernels.map { $0.parameters.count })
    for i in kernels.indices { kernels[i].parameters = groups[i] }
}
