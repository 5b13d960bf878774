import GPLinearAlgebra

/// k = Σᵢ kᵢ for state-space kernels kᵢ, with block-diagonal state (docs/methods/state-space.md#sum-kernels):
///
///     F = blockdiag(Fᵢ), L = blockdiag(Lᵢ), Q_c = blockdiag(Q_c,ᵢ), P∞ = blockdiag(P∞,ᵢ),
///     A(Δ) = blockdiag(Aᵢ(Δ)), Q(Δ) = blockdiag(Qᵢ(Δ)), H = [H₁, H₂, …], S(ω) = Σᵢ Sᵢ(ω).
///
/// Parameters are the components', qualified by position (`0.lengthscale`), as in `SumKernel`. Nested
/// sums are flattened. (A plain `SumKernel` of state-space kernels converts with `stateSpaceForm(of:)`.)
/// - Complexity: the sum of the components' costs; d = Σᵢ dᵢ.
public struct StateSpaceSum: StateSpaceKernel {
    public private(set) var components: [any StateSpaceKernel]
    /// Offsets of each component's block in the state and in the flattened parameter values (shapes
    /// never change after construction, so the hot loops read them from here).
    private let offsets: [(state: Int, parameter: Int)]
    public let stateDimension: Int

    public init(_ components: [any StateSpaceKernel]) {
        precondition(!components.isEmpty, "a sum needs at least one kernel")
        let flat = components.flatMap { ($0 as? StateSpaceSum)?.components ?? [$0] }
        self.components = flat
        var out: [(Int, Int)] = []
        var s = 0, p = 0
        for c in flat {
            out.append((s, p))
            s += c.stateDimension
            p += c.parameterValueCount
        }
        self.offsets = out
        self.stateDimension = s
    }

    public var kind: String { "sum" }
    public var children: [any Kernel] { components }

    public var parameters: [Parameter] {
        get { components.enumerated().flatMap { i, k in k.parameters.map { $0.prefixed("\(i)") } } }
        set {
            let groups = splitParameters(newValue, counts: components.map { $0.parameters.count })
            for i in components.indices { components[i].parameters = groups[i] }
        }
    }

    // MARK: Kernel

    public func gram(_ x: Matrix) -> Matrix { components.dropFirst().reduce(components[0].gram(x)) { $0 + $1.gram(x) } }
    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix {
        components.dropFirst().reduce(components[0].cross(x, z)) { $0 + $1.cross(x, z) }
    }
    public func diagonal(_ x: Matrix) -> [Double] {
        var d = components[0].diagonal(x)
        for k in components.dropFirst() { axpy(1, k.diagonal(x), &d) }
        return d
    }
    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] {
        components.flatMap { $0.gramGradient(x, adjoint: adjoint) }
    }
    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        components.flatMap { $0.crossGradient(x, z, adjoint: adjoint) }
    }
    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        components.flatMap { $0.diagonalGradient(x, adjoint: adjoint) }
    }
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        components.dropFirst().reduce(components[0].crossInputGradient(x, z, adjoint: adjoint)) {
            $0 + $1.crossInputGradient(x, z, adjoint: adjoint)
        }
    }

    // MARK: StateSpaceKernel

    private func blockDiagonal(_ blocks: [Matrix]) -> Matrix {
        let r = blocks.reduce(0) { $0 + $1.rows }, c = blocks.reduce(0) { $0 + $1.cols }
        var m = Matrix(rows: r, cols: c)
        var (i0, j0) = (0, 0)
        for b in blocks {
            for j in 0..<b.cols { for i in 0..<b.rows { m[i0 + i, j0 + j] = b[i, j] } }
            i0 += b.rows
            j0 += b.cols
        }
        return m
    }

    public var feedbackMatrix: Matrix { blockDiagonal(components.map(\.feedbackMatrix)) }
    public var noiseEffectMatrix: Matrix { blockDiagonal(components.map(\.noiseEffectMatrix)) }
    public var diffusionMatrix: Matrix { blockDiagonal(components.map(\.diffusionMatrix)) }
    public var measurementVector: [Double] { components.flatMap(\.measurementVector) }

    public func spectralDensity(_ frequency: Double) -> Double {
        components.reduce(0) { $0 + $1.spectralDensity(frequency) }
    }

    private func zeroBlock(_ p: UnsafeMutablePointer<Double>, stride: Int) {
        let d = stateDimension
        for j in 0..<d { for i in 0..<d { p[i + j * stride] = 0 } }
    }

    public func writeStationaryCovariance(into p: UnsafeMutablePointer<Double>, stride: Int) {
        zeroBlock(p, stride: stride)
        for (c, o) in zip(components, offsets) {
            c.writeStationaryCovariance(into: p + o.state + o.state * stride, stride: stride)
        }
    }

    public func writeTransition(_ dt: Double, into a: UnsafeMutablePointer<Double>, stride: Int) {
        zeroBlock(a, stride: stride)
        for i in components.indices {
            let s = offsets[i].state
            components[i].writeTransition(dt, into: a + s + s * stride, stride: stride)
        }
    }

    public func accumulateTransitionGradient(_ dt: Double, transition: UnsafePointer<Double>, adjoint: UnsafePointer<Double>,
                                             stride: Int, into gradient: UnsafeMutablePointer<Double>) {
        for i in components.indices {
            let (s, p) = offsets[i]
            components[i].accumulateTransitionGradient(dt, transition: transition + s + s * stride,
                                                       adjoint: adjoint + s + s * stride, stride: stride, into: gradient + p)
        }
    }

    public func accumulateStationaryCovarianceGradient(adjoint: UnsafePointer<Double>, stride: Int,
                                                       into gradient: UnsafeMutablePointer<Double>) {
        for (c, o) in zip(components, offsets) {
            c.accumulateStationaryCovarianceGradient(adjoint: adjoint + o.state + o.state * stride, stride: stride,
                                                     into: gradient + o.parameter)
        }
    }
}
